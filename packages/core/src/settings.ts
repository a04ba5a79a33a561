/**
 * What every connection of one server shares: resolved options, the transform list and the
 * counters. Built once per server (or per test harness), never per message.
 */
import { type AddressRanges, parseRanges } from "./cidr.ts";
import { newTransportCounters } from "./counters.ts";
import { EchoError } from "./errors.ts";
import { openFileLimit, resolveMaxConnections } from "./fd-limit.ts";
import type { Ender, Greeter } from "./pipeline.ts";
import type { EchoSocket } from "./socket.ts";
import type {
	AnyPlugin,
	Framing,
	Logger,
	Message,
	PluginContext,
	ServerOptions,
	ServerStats,
	TransformResult,
	Transport,
	TransportStats,
} from "./types.ts";

/** The former name of {@link EchoSocket} (socket.ts), which tests and tools still import. */
export type SocketLike = EchoSocket;

/** A plugin that has a transform, with its position among all plugins. */
export interface Transform {
	readonly name: string;
	/** Index of the plugin (and its context) in the full plugin list. */
	readonly index: number;
	readonly run: (
		message: Message,
		ctx: PluginContext<unknown>,
	) => TransformResult | Promise<TransformResult>;
}

export interface ConnectionSettings {
	readonly framing: Framing;
	readonly maxLineBytes: number;
	readonly highWaterMark: number;
	readonly lowWaterMark: number;
	readonly plugins: readonly AnyPlugin[];
	readonly transforms: readonly Transform[];
	/** The plugins with a `greet` hook, in order; empty for most servers. */
	readonly greeters: readonly Greeter[];
	/** The plugins with an `end` hook, in order; empty for most servers. */
	readonly enders: readonly Ender[];
	readonly logger: Logger;
	/**
	 * The server-wide facts no transport's counters hold; `server.stats()` adds the totals of
	 * the per-transport counters ({@link counters}) to them.
	 */
	readonly stats: Pick<ServerStats, "peakQueuedBytes" | "peakInboxBytes" | "datagrams">;
	/** Every transport's counters (a server uses one or two of them). */
	readonly counters: Record<Transport, TransportStats>;
	/** A coarse clock the idle sweep advances; connections stamp `tick` when bytes move. */
	readonly clock: { tick: number };
	readonly maxConnections: number;
	/** Where `maxConnections` comes from, for the debug line at start. */
	readonly maxConnectionsReason: string;
	readonly idleTimeoutMs: number;
	/** 0 without TLS or when disabled. */
	readonly handshakeTimeoutMs: number;
	/** `handshakeTimeoutMs` as given, TLS or not: bounds the WebSocket port's HTTP stage. */
	readonly upgradeTimeoutMs: number;
	/** Connections start in the `proxy` phase, waiting for a PROXY protocol header. */
	readonly proxyProtocol: boolean;
	/** 0 without `proxyProtocol` or when disabled. */
	readonly proxyHeaderTimeoutMs: number;
	/** Who may connect with `proxyProtocol`; `null` for anyone. */
	readonly proxyFrom: AddressRanges | null;
	/** Set by {@link EchoServer.failHealthChecks}: health checks are closed unanswered. */
	failHealthChecks: boolean;
	nextId(): number;
}

/** A logger that drops everything: the default, so core is silent unless given one. */
export const silentLogger: Logger = { debug() {}, info() {}, warn() {}, error() {} };

const MiB = 1024 * 1024;

/** Resolves defaults and checks option values; throws `E_INVALID_OPTION`. */
export function connectionSettings(options: ServerOptions): ConnectionSettings {
	const framing = options.framing ?? "raw";
	if (framing !== "raw" && framing !== "lines") invalid("framing", framing, `"raw" or "lines"`);
	const maxLineBytes = positiveInteger("maxLineBytes", options.maxLineBytes ?? MiB);
	const highWaterMark = positiveInteger("highWaterMark", options.highWaterMark ?? MiB);
	const lowWaterMark = options.lowWaterMark ?? Math.floor(highWaterMark / 4);
	if (!Number.isInteger(lowWaterMark) || lowWaterMark < 0 || lowWaterMark > highWaterMark) {
		invalid("lowWaterMark", lowWaterMark, `an integer from 0 to highWaterMark (${highWaterMark})`);
	}
	const logger = options.logger ?? silentLogger;
	const maxConnections = resolveMaxConnections(
		options.maxConnections === undefined
			? undefined
			: positiveInteger("maxConnections", options.maxConnections),
		openFileLimit(),
		logger,
	);
	const idleTimeoutMs = options.idleTimeoutMs ?? 300_000;
	if (!Number.isInteger(idleTimeoutMs) || idleTimeoutMs < 0) {
		invalid("idleTimeoutMs", idleTimeoutMs, "a whole number of milliseconds, 0 for never");
	}
	const handshakeTimeoutMs = options.handshakeTimeoutMs ?? 5000;
	if (!Number.isInteger(handshakeTimeoutMs) || handshakeTimeoutMs < 0) {
		invalid(
			"handshakeTimeoutMs",
			handshakeTimeoutMs,
			"a whole number of milliseconds, 0 for never",
		);
	}
	const proxy = proxySettings(options);
	if (options.udp && options.unix)
		invalid("udp", true, "no udp with a Unix socket (UDP needs a port)");
	const plugins = options.plugins ?? [];
	plugins.forEach(checkPlugin);
	const transforms: Transform[] = [];
	const greeters: Greeter[] = [];
	const enders: Ender[] = [];
	plugins.forEach((plugin, index) => {
		const { name } = plugin;
		if (plugin.transform) transforms.push({ name, index, run: plugin.transform.bind(plugin) });
		if (plugin.greet) greeters.push({ name, index, run: plugin.greet.bind(plugin) });
		if (plugin.end) enders.push({ name, index, run: plugin.end.bind(plugin) });
	});
	let lastId = 0;
	return {
		framing,
		maxLineBytes,
		highWaterMark,
		lowWaterMark,
		plugins,
		transforms,
		greeters,
		enders,
		logger,
		stats: { peakQueuedBytes: 0, peakInboxBytes: 0, datagrams: 0 },
		counters: newTransportCounters(plugins.map((plugin) => plugin.name)),
		clock: { tick: 0 },
		maxConnections: maxConnections.value,
		maxConnectionsReason: maxConnections.reason,
		idleTimeoutMs,
		handshakeTimeoutMs: options.tls ? handshakeTimeoutMs : 0,
		upgradeTimeoutMs: handshakeTimeoutMs,
		...proxy,
		failHealthChecks: false,
		nextId: () => ++lastId,
	};
}

/** The PROXY protocol options, checked; throws `E_INVALID_OPTION`. */
function proxySettings(
	options: ServerOptions,
): Pick<ConnectionSettings, "proxyProtocol" | "proxyHeaderTimeoutMs" | "proxyFrom"> {
	const proxyProtocol = options.proxyProtocol ?? false;
	if (typeof proxyProtocol !== "boolean") invalid("proxyProtocol", proxyProtocol, "true or false");
	const timeoutMs = options.proxyHeaderTimeoutMs ?? 3000;
	if (!Number.isInteger(timeoutMs) || timeoutMs < 0) {
		invalid("proxyHeaderTimeoutMs", timeoutMs, "a whole number of milliseconds, 0 for never");
	}
	// Bun's TLS server starts its handshake on the first byte: it cannot read a header first.
	if (proxyProtocol && options.tls) {
		invalid(
			"proxyProtocol",
			true,
			"no tls with it: terminate TLS at the proxy, which then sends the header on plain TCP",
		);
	}
	let proxyFrom: AddressRanges | null = null;
	if (options.proxyFrom !== undefined) {
		if (!proxyProtocol) invalid("proxyFrom", options.proxyFrom, "proxyProtocol: true with it");
		if (options.unix)
			invalid(
				"proxyFrom",
				options.proxyFrom,
				"no proxyFrom with a Unix socket: its peers have no address",
			);
		if (!Array.isArray(options.proxyFrom) || options.proxyFrom.length === 0) {
			invalid("proxyFrom", options.proxyFrom, "a non-empty list of CIDR ranges");
		}
		const parsed = parseRanges(options.proxyFrom);
		if ("invalid" in parsed) {
			invalid(
				"proxyFrom",
				parsed.invalid,
				"a CIDR range such as 10.0.0.0/8 or ::1/128, or an IP address",
			);
		}
		proxyFrom = parsed.ranges;
	}
	return { proxyProtocol, proxyHeaderTimeoutMs: proxyProtocol ? timeoutMs : 0, proxyFrom };
}

/**
 * A plugin is an object with a non-empty `name` and functions for hooks. A function here is
 * almost always a factory passed uncalled (`uppercase` for `uppercase()`): say so.
 */
function checkPlugin(plugin: AnyPlugin, index: number): void {
	const at = `plugins[${index}]`;
	if (typeof plugin === "function") {
		const name = (plugin as { name?: string }).name || "factory";
		throw new EchoError(
			"E_INVALID_OPTION",
			`${at} is a function (${name}), not a plugin: call the plugin factory, e.g. ${name}()`,
		);
	}
	if (typeof plugin !== "object" || plugin === null) invalid(at, plugin, "a plugin object");
	if (typeof plugin.name !== "string" || plugin.name === "")
		invalid(`${at}.name`, plugin.name, "a non-empty string");
	for (const hook of PLUGIN_HOOKS) {
		const value = plugin[hook];
		if (value !== undefined && typeof value !== "function")
			invalid(`${at}.${hook} of plugin "${plugin.name}"`, typeof value, "a function");
	}
}

/** Every hook a plugin may have, in the order a connection meets them (start/stop aside). */
export const PLUGIN_HOOKS = [
	"start",
	"stop",
	"open",
	"greet",
	"transform",
	"end",
	"close",
] as const;

function positiveInteger(name: string, value: number): number {
	if (!Number.isInteger(value) || value <= 0) invalid(name, value, "a positive integer");
	return value;
}

function invalid(name: string, value: unknown, expected: string): never {
	throw new EchoError(
		"E_INVALID_OPTION",
		`invalid ${name}: ${JSON.stringify(value)} (expected ${expected})`,
	);
}

/** `host:port` of a peer, or `unix client` where Bun gives no address (Unix sockets). */
export function peerName(peer: { remoteAddress?: string; remotePort?: number }): string {
	return peer.remoteAddress ? `${peer.remoteAddress}:${peer.remotePort}` : "unix client";
}
