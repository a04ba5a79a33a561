import type { Connection } from "./connection.ts";
import { snapshotCounters, totals } from "./counters.ts";
import { PluginError } from "./errors.ts";
import { listenStream } from "./listen.ts";
import { listenError } from "./listen-error.ts";
import { type ConnectionSettings, connectionSettings } from "./settings.ts";
import type { Listener } from "./socket.ts";
import { startTimeoutSweep } from "./timeout-sweep.ts";
import type { ServerInfo, ServerOptions, ServerStats, StopOptions, Transport } from "./types.ts";
import { serveUdp } from "./udp.ts";
import { serveWebSocket } from "./websocket.ts";

/** @internal What {@link EchoServer} is made of; {@link startServer} builds it. */
export interface ServerParts {
	/** The first is the main one: its address is the server's `hostname` and `port`. */
	readonly listeners: readonly [Listener, ...Listener[]];
	readonly settings: ConnectionSettings;
	/** Open connections, of every transport. */
	readonly open: ReadonlySet<Connection>;
	/** Stops the idle / handshake / header timeout sweep. */
	readonly stopSweep: () => void;
	/** The Unix socket path, removed at stop. */
	readonly unix: string | undefined;
}

/**
 * A running echo server. Get one from {@link startServer}.
 * @example
 * const server = await startServer({ port: 0 });
 * console.log(`Listening on ${server.hostname}:${server.port}`);
 * await server.stop();
 */
export class EchoServer implements ServerInfo {
	private stopping: Promise<void> | null = null;

	private readonly listeners: ServerParts["listeners"];
	private readonly settings: ConnectionSettings;
	private readonly open: ReadonlySet<Connection>;
	private readonly stopSweep: () => void;
	readonly unix: string | undefined;

	/** @internal Use {@link startServer}. */
	constructor(parts: ServerParts) {
		this.listeners = parts.listeners;
		this.settings = parts.settings;
		this.open = parts.open;
		this.stopSweep = parts.stopSweep;
		this.unix = parts.unix;
	}

	get hostname(): string {
		return this.listeners[0].address.hostname;
	}
	get port(): number {
		return this.listeners[0].address.port;
	}
	/** The WebSocket listener's real port (`webSocket` option), else undefined. */
	get webSocketPort(): number | undefined {
		return this.webSocketAddress?.port;
	}
	/**
	 * The WebSocket listener's own address (`webSocket` option), else undefined: the same host as
	 * TCP, but always an IP address (with `unix` it is `hostname`, default `127.0.0.1`).
	 */
	get webSocketAddress(): { hostname: string; port: number } | undefined {
		return this.listeners.find((listener) => listener.kind === "websocket")?.address;
	}
	get framing() {
		return this.settings.framing;
	}
	get logger() {
		return this.settings.logger;
	}
	/** Open connections now. */
	get connections(): number {
		return this.open.size;
	}

	/**
	 * Counters: connections, queued bytes, the peak queued for one connection, pauses, … and
	 * per transport (`transports`) bytes, messages, rejections, timeouts, plugin errors and a
	 * histogram of connection durations. A copy, cheap enough for every metrics scrape.
	 */
	stats(): ServerStats {
		let queuedBytes = 0;
		let peakQueuedBytes = this.settings.stats.peakQueuedBytes;
		const phases = {
			handshaking: 0,
			proxy: 0,
			reading: 0,
			draining: 0,
			flushing: 0,
			lingering: 0,
			closed: 0,
		};
		const open: Record<Transport, number> = { tcp: 0, tls: 0, unix: 0, udp: 0, websocket: 0 };
		for (const connection of this.open) {
			open[connection.transport]++;
			queuedBytes += connection.out.bytes;
			peakQueuedBytes = Math.max(peakQueuedBytes, connection.out.peak);
			phases[connection.phaseName]++;
		}
		const connections = this.open.size;
		const { counters } = this.settings;
		const transports: ServerStats["transports"] = {};
		for (const { kind } of this.listeners)
			transports[kind] = snapshotCounters(counters[kind], open[kind]);
		return {
			...this.settings.stats,
			...totals(counters),
			connections,
			phases,
			queuedBytes,
			peakQueuedBytes,
			transports,
		};
	}

	/**
	 * From now on, closes each proxy health check — a connection whose PROXY header is v2 `LOCAL`
	 * or v1 `UNKNOWN` (`ConnectionInfo.healthCheck`), what HAProxy's `check-send-proxy`
	 * checks send — as soon as its header is read, unanswered, while clients are served as
	 * before. The proxy's check then fails and it takes this server out of rotation while the
	 * listener is still open: a client it sent meanwhile is served, none lands in a listener
	 * that is closing (its connection would be reset after the proxy counted it established,
	 * too late for the proxy to retry it elsewhere). Call it at the stop signal and wait longer
	 * than the proxy needs to mark a server down before {@link stop} (echo-server's
	 * `--shutdown-delay`). Meaningful with `proxyProtocol` only; it cannot be undone.
	 */
	failHealthChecks(): void {
		this.settings.failHealthChecks = true;
	}

	/**
	 * Stops gracefully, as HAProxy and nginx do: stops accepting, serves open connections until
	 * their clients close or `drainTimeoutMs` passes (half-closing at once those owed nothing),
	 * then ends each remaining one after the replies it is owed, cuts what is left after
	 * `closeTimeoutMs` more, and runs the plugins' `stop` hooks. The steps are spelled out at
	 * {@link StopOptions}. Calling it again returns the same promise.
	 */
	stop(options: StopOptions = {}): Promise<void> {
		this.stopping ??= this.stopNow(options.drainTimeoutMs ?? 5000, options.closeTimeoutMs ?? 2000);
		return this.stopping;
	}

	private async stopNow(drainTimeoutMs: number, closeTimeoutMs: number): Promise<void> {
		// From here the drain loop keeps the clock: connections stamp its tick when bytes move, so
		// one that stamped nothing since the last check read nothing meanwhile. (Timeouts pause:
		// the drain deadline bounds every connection now.)
		this.stopSweep();
		const clock = this.settings.clock;
		const drainDeadline = performance.now() + drainTimeoutMs;
		// Clients whose connection the kernel completed before the stop wait in the listen
		// backlog, their bytes with them (datagrams likewise in the UDP socket's buffer): closing
		// now would reset them. One turn of the event loop accepts them; they are served like the
		// rest. Then no more.
		if (drainTimeoutMs > 0) await Bun.sleep(BACKLOG_TURN_MS);
		// UDP: no new datagrams; replies of async transforms in flight still go out.
		await Promise.all(this.listeners.map((listener) => listener.stop(false)));
		while (this.open.size > 0 && performance.now() < drainDeadline) {
			const since = clock.tick++;
			await Bun.sleep(Math.min(QUIET_CHECK_MS, Math.max(0, drainDeadline - performance.now())));
			for (const connection of this.open) connection.endIfQuiet(since);
		}
		for (const connection of this.open) connection.stop();
		const closeDeadline = performance.now() + closeTimeoutMs;
		while (this.open.size > 0 && performance.now() < closeDeadline) await Bun.sleep(5);
		for (const connection of this.open) connection.abort("server stop deadline passed", "stop");
		// UDP waits up to the drain deadline for replies in flight, as the connections did.
		await Promise.all(this.listeners.map((listener) => listener.stop(true, drainDeadline)));
		if (this.unix) await removeFile(this.unix);
		for (const plugin of this.settings.plugins) {
			try {
				await plugin.stop?.(this);
			} catch (error) {
				this.logger.error(pluginError(plugin.name, "stop", error).message);
			}
		}
	}
}

/**
 * Starts an echo server: binds, runs the plugins' `start` hooks, and resolves once it accepts.
 * Rejects with an {@link EchoError}: when it cannot bind, `E_ADDR_IN_USE`, `E_PERMISSION`,
 * `E_ADDR_NOT_AVAILABLE`, `E_UNIX_PATH` or `E_LISTEN` (the same code for the same cause on
 * TCP, TLS, UDP and Unix sockets); `E_INVALID_OPTION`; or a
 * {@link PluginError} `E_PLUGIN` when a plugin's `start` hook fails.
 * @example
 * import { startServer } from "@echokit/core";
 * import uppercase from "@echokit/plugin-uppercase";
 * const server = await startServer({ port: 0, framing: "lines", plugins: [uppercase()] });
 */
export async function startServer(options: ServerOptions = {}): Promise<EchoServer> {
	const settings = connectionSettings(options);
	settings.logger.debug(
		`maxConnections ${settings.maxConnections} (${settings.maxConnectionsReason})`,
	);
	const open = new Set<Connection>();
	const stream = await listenStream(settings, options, open);
	const listeners: [Listener, ...Listener[]] = [stream];
	if (options.udp) {
		const { hostname, port } = stream.address;
		try {
			listeners.push(await serveUdp(settings, hostname, port));
		} catch (error) {
			await stream.stop(true);
			// The same cause in the same words as a TCP bind: only the UDP port may be taken.
			throw listenError({ host: hostname, port }, error);
		}
	}
	if (options.webSocket) {
		try {
			listeners.push(
				serveWebSocket(
					settings,
					options.hostname ?? "127.0.0.1",
					options.webSocket,
					open,
					options.tls,
				),
			);
		} catch (error) {
			for (const listener of listeners) await listener.stop(true);
			throw error;
		}
	}
	const server = new EchoServer({
		listeners,
		settings,
		open,
		stopSweep: startTimeoutSweep(settings, open),
		unix: options.unix,
	});
	for (const plugin of settings.plugins) {
		try {
			await plugin.start?.(server);
		} catch (error) {
			await server.stop({ drainTimeoutMs: 0, closeTimeoutMs: 0 });
			throw pluginError(plugin.name, "start", error);
		}
	}
	return server;
}

/**
 * How often a stopping server looks for connections owed nothing, in milliseconds. Long enough
 * for the event loop to deliver bytes that were already in the kernel when the stop began, so
 * a client is not half-closed with a reply owed.
 */
const QUIET_CHECK_MS = 50;

/** How long a stopping server keeps its listener open to accept what the kernel already queued. */
const BACKLOG_TURN_MS = 5;

/** A `start` or `stop` hook's failure, naming the plugin and the hook. */
function pluginError(plugin: string, hook: "start" | "stop", error: unknown): PluginError {
	const reason = error instanceof Error ? error.message : String(error);
	return new PluginError("E_PLUGIN", reason, { plugin, hook, cause: error });
}

async function removeFile(path: string): Promise<void> {
	try {
		await Bun.file(path).delete();
	} catch {
		// Already gone.
	}
}
