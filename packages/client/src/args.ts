/**
 * The command line: flag definitions for citty, and the checks citty 0.2.2 does not do. citty
 * keeps only the last value of a repeated flag, accepts unknown flags silently and has no number
 * type, so `--message` is collected from the raw arguments in order, unknown flags and stray
 * arguments are usage errors, numbers are parsed here, and flags that cannot go together
 * (`--unix` with `--host`, `--udp` with TLS, `--ws` with `--port`) are refused.
 * @module
 */

import type { Framing } from "@echokit/core";
import { bareHost, longFlag } from "@echokit/core/cli";
import type { ArgsDef } from "citty";
import leven from "leven";
import { CliError } from "./errors.ts";
import { parseWsUrl, type WsTarget } from "./ws/url.ts";

/** The flags of `echo-client`, as citty takes them (also rendered by `--help`). */
export const clientArgs = {
	host: {
		type: "string",
		default: "127.0.0.1",
		valueHint: "address",
		description: "Server address",
	},
	port: {
		type: "string",
		alias: "p",
		default: "8888",
		valueHint: "1-65535",
		description: "Server port",
	},
	framing: {
		type: "string",
		default: "raw",
		valueHint: "raw|lines",
		description: "lines: append a newline to every message sent",
	},
	timeout: {
		type: "string",
		default: "10",
		valueHint: "seconds",
		description:
			"Connect timeout, and how long to wait for the server to finish after end of input; with --udp: the wait for each reply, 2 unless given; with --ws: the wait for the next reply owed after the last message",
	},
	message: {
		type: "string",
		alias: "m",
		valueHint: "text",
		description:
			"Send this message (repeatable, in order), half-close, print the replies, exit; not empty in raw framing over TCP",
	},
	tls: { type: "boolean", description: "Use TLS, verifying the server against the system's CAs" },
	ca: {
		type: "string",
		valueHint: "file",
		description: "Trust this CA or self-signed certificate (PEM); implies --tls",
	},
	insecure: {
		type: "boolean",
		description: "Do not verify the server's certificate (warns); implies --tls",
	},
	servername: {
		type: "string",
		valueHint: "name",
		description:
			"Name to verify the certificate against and send as SNI (default: --host); implies --tls",
	},
	unix: {
		type: "string",
		alias: "U",
		valueHint: "path",
		description: "Connect to this Unix domain socket instead of --host/--port",
	},
	udp: {
		type: "boolean",
		alias: "u",
		description: "RFC 862 datagram echo: each message or line is one UDP datagram",
	},
	ws: {
		type: "string",
		valueHint: "url",
		description:
			"WebSocket: connect to this ws:// or wss:// URL instead of --host/--port; a line or --message is one text message, piped stdin binary messages of up to 64 KiB",
	},
} as const satisfies ArgsDef;

/** The largest UDP payload over IPv4 (65535 minus the IP and UDP headers). */
export const MAX_DATAGRAM_BYTES = 65_507;

/** TLS as the command line asks for it; `null` in {@link ClientArgs} means plain TCP. */
export interface TlsArgs {
	/** `--ca`: a PEM file to trust, read by the command before connecting. */
	caFile: string | undefined;
	/** `--insecure`: no certificate check. */
	insecure: boolean;
	/** `--servername`: the name checked and sent as SNI; Bun uses the host when unset. */
	serverName: string | undefined;
}

/** What the command line asks for, validated. */
export interface ClientArgs {
	host: string;
	port: number;
	framing: Framing;
	timeoutMs: number;
	/** The `--message` values in the order given; empty when none. */
	messages: string[];
	/** `--unix`: a socket path to connect to instead of host and port. */
	unix: string | undefined;
	/** `--udp`: datagrams instead of a connection. */
	udp: boolean;
	/** TLS settings, or `null` for none (always `null` with `--udp`; with `--ws wss://` never `null`). */
	tls: TlsArgs | null;
	/** `--ws`: a WebSocket URL to talk to instead of host and port. */
	ws: WsTarget | undefined;
}

/** What a scan of the raw arguments found besides the single-valued flags. */
export interface ScannedArgs {
	help: boolean;
	version: boolean;
	messages: string[];
	/** Every known flag given, without dashes, in order (repeats included). */
	given: string[];
	/**
	 * The flags for citty: long forms, each value flag with its value as one `--name=value`
	 * (`-p 9000` → `--port=9000`); `--message` left out (see `messages`).
	 */
	args: string[];
}

const valueFlags = new Set(Object.keys(clientArgs).filter((name) => isValueFlag(name)));
const booleanFlags = new Set(Object.keys(clientArgs).filter((name) => !isValueFlag(name)));
/** `-p` → `--port`, …: where a flag may stand, never on a flag's value. */
const longForm = longFlag(clientArgs);

/**
 * Walks the raw arguments the way citty does (a value flag takes the next argument, whatever it
 * looks like, or its `=value`), short flags (`-p`, `-m`, `-u`, `-U`, `-h`, `-v`) as their long
 * forms. Throws `E_USAGE` naming every unknown flag, a stray argument or a flag without its
 * value. `--help` wins over any such error.
 */
export function scanArgs(rawArgs: readonly string[]): ScannedArgs {
	const found: ScannedArgs = { help: false, version: false, messages: [], given: [], args: [] };
	const unknown: string[] = [];
	const problems: string[] = [];
	for (let i = 0; i < rawArgs.length; i++) {
		const arg = longForm(rawArgs[i]!);
		if (arg === "--help") found.help = true;
		else if (arg === "--version") found.version = true;
		else if (arg === "--") {
			if (i + 1 < rawArgs.length) problems.push(`unexpected argument ${quote(rawArgs[i + 1]!)}`);
			break;
		} else if (arg.startsWith("--") && valueFlags.has(flagName(arg))) {
			const name = flagName(arg);
			const inline = arg.includes("=") ? arg.slice(arg.indexOf("=") + 1) : undefined;
			const value = inline ?? rawArgs[++i];
			found.given.push(name);
			if (value === undefined) problems.push(`missing value for --${name}`);
			else if (name === "message") found.messages.push(value);
			// One token, so citty takes the value as it is, even one that looks like a flag.
			else found.args.push(`--${name}=${value}`);
		} else if (arg.startsWith("--") && booleanFlags.has(flagName(arg))) {
			// citty reads `--tls=no` as on and `--tls=false` as off: take no value at all.
			if (arg.includes("=")) problems.push(`--${flagName(arg)} takes no value`);
			else {
				found.given.push(flagName(arg));
				found.args.push(arg);
			}
		} else if (arg.startsWith("-") && arg !== "-") unknown.push(arg.split("=")[0]!);
		else problems.push(`unexpected argument ${quote(arg)}`);
	}
	if (found.help) return found;
	// After an unknown flag we cannot tell its value from a stray argument: name the flags only.
	if (unknown.length > 0) throw usage(unknownFlags(unknown, Object.keys(clientArgs)));
	if (problems.length > 0) throw usage(problems.join("; "));
	return found;
}

/** Validates citty's parsed values (strings) and adds the scanned messages. Throws `E_USAGE`. */
export function resolveArgs(
	parsed: Partial<Record<keyof typeof clientArgs, unknown>>,
	scanned: ScannedArgs,
): ClientArgs {
	const given = new Set(scanned.given);
	// `--host [::1]` as well as `--host ::1`: the brackets are how people write IPv6 next to a port.
	const host = bareHost(String(parsed.host ?? clientArgs.host.default));
	if (host === "") throw usage("--host must not be empty");
	const unix = optionalText(parsed.unix, "unix");
	const udp = given.has("udp");
	const ws = resolveWs(parsed, given);
	const tls = ws?.secure ? (resolveTls(parsed, given) ?? SYSTEM_TLS) : resolveTls(parsed, given);
	if (unix !== undefined) {
		const clash = ["host", "port", "udp"].filter((name) => given.has(name));
		if (clash.length > 0) {
			throw usage(`--unix cannot be combined with ${clash.map((name) => `--${name}`).join(", ")}`);
		}
	}
	if (udp && tls) {
		const clash = ["tls", "ca", "insecure", "servername"].filter((name) => given.has(name));
		throw usage(
			`--udp cannot be combined with ${clash.map((name) => `--${name}`).join(", ")} (no TLS over UDP)`,
		);
	}
	// citty fills in the default: only the scan knows whether --timeout was given.
	const timeoutText =
		udp && !given.has("timeout")
			? UDP_TIMEOUT
			: String(parsed.timeout ?? clientArgs.timeout.default);
	const messages = scanned.messages;
	const framing = parseFraming(String(parsed.framing ?? clientArgs.framing.default));
	const port = parsePort(String(parsed.port ?? clientArgs.port.default));
	const timeoutMs = parseTimeout(timeoutText);
	if (udp) checkDatagramSizes(messages, framing);
	else if (ws === undefined && framing === "raw") checkNoEmptyMessage(messages);
	return { host, port, framing, timeoutMs, messages, unix, udp, tls, ws };
}

/** `wss://` without TLS flags: verify against the system's CAs, the host from the URL. */
const SYSTEM_TLS: TlsArgs = { caFile: undefined, insecure: false, serverName: undefined };

/**
 * `--ws URL`: the URL names the server, so `--host`, `--port`, `--unix` and `--udp` cannot go
 * with it, and the TLS flags need a `wss://` URL.
 */
function resolveWs(
	parsed: Partial<Record<keyof typeof clientArgs, unknown>>,
	given: Set<string>,
): WsTarget | undefined {
	const text = optionalText(parsed.ws, "ws");
	if (text === undefined) return undefined;
	const clash = ["host", "port", "unix", "udp"].filter((name) => given.has(name));
	if (clash.length > 0) {
		const flags = clash.map((name) => `--${name}`).join(", ");
		throw usage(`--ws cannot be combined with ${flags} (the URL names the server)`);
	}
	const target = parseWsUrl(text);
	const tlsFlags = ["tls", "ca", "insecure", "servername"].filter((name) => given.has(name));
	if (!target.secure && tlsFlags.length > 0) {
		const flags = tlsFlags.map((name) => `--${name}`).join(", ");
		throw usage(`${flags} with --ws needs a wss:// URL, not ${JSON.stringify(text)}`);
	}
	return target;
}

/** `--timeout` with `--udp` when not given: how long to wait for each reply. */
const UDP_TIMEOUT = "2";

/** `--tls`, `--ca`, `--insecure`, `--servername`: any of them turns TLS on. */
function resolveTls(
	parsed: Partial<Record<keyof typeof clientArgs, unknown>>,
	given: Set<string>,
): TlsArgs | null {
	const caFile = optionalText(parsed.ca, "ca");
	const serverName = optionalText(parsed.servername, "servername");
	const insecure = given.has("insecure");
	if (insecure && caFile !== undefined) {
		throw usage(
			"--insecure and --ca contradict each other: --insecure turns off the check --ca is for",
		);
	}
	const wanted = given.has("tls") || insecure || caFile !== undefined || serverName !== undefined;
	return wanted ? { caFile, insecure, serverName } : null;
}

/** In `--udp` mode each message is one datagram, which has a size limit. */
function checkDatagramSizes(messages: readonly string[], framing: Framing): void {
	const suffix = framing === "lines" ? 1 : 0;
	for (const [index, message] of messages.entries()) {
		const bytes = Buffer.byteLength(message) + suffix;
		if (bytes > MAX_DATAGRAM_BYTES) {
			throw usage(
				`--message ${index + 1} is ${bytes} bytes; a UDP datagram carries at most ${MAX_DATAGRAM_BYTES}`,
			);
		}
	}
}

/**
 * Over a TCP stream in `raw` framing an empty `--message` is no bytes at all: nothing is sent
 * and nothing can come back, so it is refused rather than silently dropped. (A UDP datagram and
 * a WebSocket message can be empty; in `lines` framing it is a `\n`.)
 */
function checkNoEmptyMessage(messages: readonly string[]): void {
	const index = messages.indexOf("");
	if (index !== -1) {
		throw usage(
			`--message ${index + 1} is empty: in raw framing that is no bytes to send; --framing lines sends an empty line`,
		);
	}
}

/** `1`..`65535`, decimal digits only (`0x50`, `80.0` and `8e3` are refused). */
export function parsePort(text: string): number {
	const port = /^\d{1,5}$/.test(text) ? Number(text) : Number.NaN;
	if (!(port >= 1 && port <= 65535)) {
		throw usage(`invalid --port ${quote(text)}: expected an integer from 1 to 65535`);
	}
	return port;
}

/** Seconds, decimals allowed, more than 0 and at most 24 days (what a timer can wait); returns ms. */
export function parseTimeout(text: string): number {
	const ms = /^\d+(\.\d+)?$/.test(text) ? Math.round(Number(text) * 1000) : Number.NaN;
	if (!(ms >= 1 && ms <= 2_073_600_000)) {
		throw usage(`invalid --timeout ${quote(text)}: expected seconds, more than 0 (e.g. 10 or 0.5)`);
	}
	return ms;
}

/** `raw` or `lines`. */
export function parseFraming(text: string): Framing {
	if (text === "raw" || text === "lines") return text;
	throw usage(`invalid --framing ${quote(text)}: expected raw or lines`);
}

/** A string flag that is optional but must not be empty when given. */
function optionalText(value: unknown, name: string): string | undefined {
	if (value === undefined) return undefined;
	const text = String(value);
	if (text === "") throw usage(`--${name} must not be empty`);
	return text;
}

function isValueFlag(name: string): boolean {
	return (clientArgs as Record<string, { type: string }>)[name]!.type === "string";
}

function flagName(arg: string): string {
	const end = arg.indexOf("=");
	return arg.slice(2, end === -1 ? undefined : end);
}

function quote(text: string): string {
	return JSON.stringify(text);
}

/**
 * `unknown flag "--prot" (did you mean --port?)`, worded as echo-server words it; several are
 * listed, without guesses.
 */
export function unknownFlags(flags: readonly string[], known: readonly string[]): string {
	if (flags.length > 1) return `unknown flags ${flags.map(quote).join(", ")}`;
	const flag = flags[0] ?? "";
	const guess = [...known, "help", "version"]
		.map((name) => `--${name}`)
		.find((candidate) => leven(candidate, flag) <= 2);
	return `unknown flag ${quote(flag)}${guess ? ` (did you mean ${guess}?)` : ""}`;
}

function usage(problem: string): CliError {
	return new CliError("E_USAGE", `${problem} (see echo-client --help)`);
}
