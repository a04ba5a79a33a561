/**
 * WebSocket failures as the CLI reports them: a failed opening handshake, and a Close frame
 * whose code names a failure.
 * @module
 */
import { CliError, errnoText, tlsHint } from "../errors.ts";

/**
 * Names of the close codes a server sends (RFC 6455 §7.4.1, and the IANA registry for 1012–1014).
 * @example
 * CLOSE_CODES[1009]; // "message too big"
 */
export const CLOSE_CODES: Readonly<Record<number, string>> = {
	1000: "normal closure",
	1001: "going away",
	1002: "protocol error",
	1003: "unsupported data",
	1005: "no status code",
	1006: "closed without a Close frame",
	1007: "invalid message data",
	1008: "policy violation",
	1009: "message too big",
	1010: "missing extension",
	1011: "internal error",
	1012: "service restart",
	1013: "try again later",
	1014: "bad gateway",
};

/**
 * The error for a connection the server ended: `E_CONNECTION_LOST` when it dropped without a
 * Close frame (1006), else `E_WS_CLOSED` naming the code, its meaning and the server's reason:
 * `ws://127.0.0.1:8080/ closed the WebSocket: 1009 message too big ("max 1024 bytes")`.
 */
export function closeError(url: string, code: number, reason: string): CliError {
	if (code === 1006) {
		return new CliError(
			"E_CONNECTION_LOST",
			`connection to ${url} lost: closed without a Close frame (1006)`,
		);
	}
	const name = CLOSE_CODES[code] ?? (code >= 4000 ? "application code" : "unknown code");
	const why = reason === "" ? "" : ` (${JSON.stringify(reason)})`;
	return new CliError("E_WS_CLOSED", `${url} closed the WebSocket: ${code} ${name}${why}`);
}

/**
 * The error for an opening handshake that failed, from Bun's `error` event (`failure`: its
 * `error`, else its message): `E_TLS` with the client's TLS hints, `E_CONNECT` otherwise
 * (refused, not found, an HTTP answer that is not `101 Switching Protocols`).
 */
export function openError(url: string, failure: unknown, code: number, caFile?: string): CliError {
	const text = failure instanceof Error ? failure.message : String(failure ?? "");
	// Bun: "WebSocket connection to 'wss://…' failed: TLS handshake failed: self signed certificate".
	const reason = text.replace(/^WebSocket connection to '.*?' failed: /, "");
	const tls = /^TLS handshake failed: (.*)$/s.exec(reason);
	if (tls) {
		const message = `TLS with ${url} failed: ${tls[1]}`;
		return new CliError("E_TLS", `${message}${tlsHint(message, caFile)}`, { cause: failure });
	}
	const status = /^Expected 101 status code: (\d+)/.exec(reason);
	if (status) {
		const message = `cannot connect to ${url}: HTTP ${status[1]} instead of a WebSocket upgrade (is it a WebSocket endpoint?)`;
		return new CliError("E_CONNECT", message, { cause: failure });
	}
	const errno = (failure as { code?: unknown } | null)?.code;
	const words =
		typeof errno === "string" && errno !== ""
			? errnoText(failure)
			: reason === ""
				? `closed (${code})`
				: reason.charAt(0).toLowerCase() + reason.slice(1);
	return new CliError("E_CONNECT", `cannot connect to ${url}: ${words}`, { cause: failure });
}
