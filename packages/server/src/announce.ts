/**
 * The start-up lines: `Listening on …` (with the real port, the transport and the workers) and
 * the one-line hint on how to talk to the server.
 */

import { hostPort } from "@echokit/core/cli";
import type { ConsolaInstance } from "consola/core";
import { HINT_TAG } from "./logger.ts";
import { STANDALONE } from "./standalone.ts";
import { atLeast } from "./values.ts";

/** Where and how the server listens, once bound. */
export interface Endpoint {
	host: string;
	/** The real port (`0` on a Unix socket). */
	port: number;
	unix?: string;
	/** The certificate file, when serving TLS. */
	tlsCert?: string;
	/** True when the certificate signs itself: clients need it as their CA (`--ca`). */
	selfSigned?: boolean;
	udp: boolean;
	workers: number;
	/** Worker process ids, for `--json`. */
	pids?: number[];
}

/**
 * Prints `Listening on HOST:PORT` (or the socket path) with what is not plain TCP in
 * parentheses: `(TLS)`, `(TCP+UDP)`, `(2 workers)`, `(TLS+UDP, 4 workers)` (with a warning
 * that UDP is not encrypted); and, for people
 * (not with `--quiet`, `--json` or a level below `info`), a hint on stderr.
 * @example
 * announce(logger, { host: "127.0.0.1", port: 8888, udp: false, workers: 1 }, { hint: true });
 * // Listening on 127.0.0.1:8888
 * // Talk to it: bunx echo-client --port 8888
 */
export function announce(
	logger: ConsolaInstance,
	endpoint: Endpoint,
	{ hint }: { hint: boolean },
): void {
	const { host, port, unix, tlsCert, udp, workers, pids } = endpoint;
	if (tlsCert !== undefined && udp) logger.warn("UDP echo is not encrypted: TLS covers TCP only");
	logger.info({
		message: listeningMessage(endpoint),
		...(unix === undefined ? { host, port } : { unix }),
		tls: tlsCert !== undefined,
		udp,
		workers,
		...(pids ? { pids } : {}),
	});
	if (hint) logger.withTag(HINT_TAG).info(clientHint(endpoint));
}

/**
 * Prints `WebSocket on ws://HOST:PORT/` (`wss://` with TLS) with the WebSocket listener's own
 * address: with `--unix` the main listener's is a path, but WebSocket listens on an IP address.
 * With `--json` the line also has `wsHost` and `wsPort`.
 * @example
 * announceWebSocket(logger, { hostname: "127.0.0.1", port: 8080 }, { tls: false });
 * // WebSocket on ws://127.0.0.1:8080/
 */
export function announceWebSocket(
	logger: ConsolaInstance,
	address: { hostname: string; port: number },
	{ tls }: { tls: boolean },
): void {
	const { hostname, port } = address;
	logger.info({
		message: `WebSocket on ${tls ? "wss" : "ws"}://${hostPort(hostname, port)}/`,
		wsHost: hostname,
		wsPort: port,
	});
}

/** Whether the hint is for the eyes of a person: the default output, at `info` or more. */
export function wantsHint(settings: {
	quiet: boolean;
	json: boolean;
	logLevel: Parameters<typeof atLeast>[0];
	proxyProtocol?: boolean;
}): boolean {
	// Behind --proxy-protocol a plain echo-client is turned away (it sends no header): no hint.
	const plainClientWelcome = !settings.proxyProtocol;
	return (
		plainClientWelcome && !settings.quiet && !settings.json && atLeast(settings.logLevel, "info")
	);
}

/**
 * @example
 * listeningMessage({ host: "127.0.0.1", port: 8443, tlsCert: "c.pem", udp: false, workers: 1 });
 * // "Listening on 127.0.0.1:8443 (TLS)"
 */
export function listeningMessage(endpoint: Endpoint): string {
	const { host, port, unix, tlsCert, udp, workers } = endpoint;
	const transport = `${tlsCert !== undefined ? "TLS" : "TCP"}${udp ? "+UDP" : ""}`;
	const tags = [
		...(transport === "TCP" ? [] : [transport]),
		...(workers > 1 ? [`${workers} workers`] : []),
	];
	const address = unix ?? hostPort(host, port);
	return `Listening on ${address}${tags.length > 0 ? ` (${tags.join(", ")})` : ""}`;
}

/**
 * One line with the `echo-client` command that reaches this server.
 * @example
 * clientHint({ host: "0.0.0.0", port: 7, udp: true, workers: 1 });
 * // "Talk to it: bunx echo-client --port 7 (add --udp for UDP)"
 */
export function clientHint(endpoint: Endpoint): string {
	const { host, port, unix, tlsCert, selfSigned, udp } = endpoint;
	const args = unix !== undefined ? ["--unix", unix] : [...hostArgs(host), "--port", `${port}`];
	if (tlsCert !== undefined) args.push("--tls", ...(selfSigned ? ["--ca", tlsCert] : []));
	// An executable's user has the echo-client executable, not necessarily Bun.
	const client = STANDALONE ? "echo-client" : "bunx echo-client";
	const command = `${client} ${args.map(shellQuote).join(" ")}`;
	return `Talk to it: ${command}${udp ? " (add --udp for UDP)" : ""}`;
}

/** The client's default is 127.0.0.1, which also reaches a server on every IPv4 address. */
function hostArgs(host: string): string[] {
	if (host === "127.0.0.1" || host === "0.0.0.0") return [];
	if (host === "::" || host === "[::]") return ["--host", "::1"];
	return ["--host", host];
}

/** Quotes a word for a POSIX shell when it needs it (a path with spaces, say). */
function shellQuote(word: string): string {
	return /^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replaceAll("'", `'\\''`)}'`;
}
