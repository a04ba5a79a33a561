/**
 * The stages a connection may pass through before it reads its first message, kept out of the
 * byte path (connection.ts): waiting for the TLS handshake (phase `handshaking`) and reading a
 * PROXY protocol header (phase `proxy`). Each stage says what it made of an event — counting
 * failures in the transport's counters — and the connection makes the
 * move (`reading` or `closed`).
 * @module
 */
import { countReason } from "./counters.ts";
import { handshakeFailure, LEFT_DURING_HANDSHAKE } from "./handshake-failure.ts";
import { type ProxyEndpoint, parseProxyHeader } from "./proxy-header.ts";
import type { TransportStats } from "./types.ts";

/**
 * What the header stage made of the bytes so far:
 * - `more`: a valid beginning, kept; read on.
 * - `failed`: no header, or a malformed one (already counted): close with `reason`.
 * - `done`: a whole header. `source` is the client behind the proxy (`null` for LOCAL or
 *   UNKNOWN, which keep the socket's address); `rest` the data after the header, if any.
 */
export type HeaderStep =
	| { readonly status: "more" }
	| { readonly status: "failed"; readonly reason: string }
	| {
			readonly status: "done";
			readonly source: ProxyEndpoint | null;
			readonly healthCheck: boolean;
			/** `PROXY v2 proxy tcp4`, for the debug line. */
			readonly summary: string;
			readonly rest: Uint8Array | null;
	  };

/**
 * Phase `proxy`: the PROXY header of one connection, read across as many chunks as it takes
 * (HAProxy's proxy-protocol.txt). The header's bytes are never echoed.
 */
export class ProxyHeaderStage {
	/** The header's bytes so far, while it is incomplete. */
	private held: Uint8Array | null = null;

	constructor(private readonly counters: TransportStats) {}

	/** Adds `chunk` to the header read so far. */
	read(chunk: Uint8Array): HeaderStep {
		const bytes = this.held ? Buffer.concat([this.held, chunk]) : chunk;
		const parsed = parseProxyHeader(bytes);
		if (parsed.status === "more") {
			// Held as is: Bun gives every read a buffer of its own, never reused (measured on
			// 1.4.5; `message.writable` relies on it too). At most ~4 KiB, see MAX_V2_BODY.
			this.held = bytes;
			return parsed;
		}
		this.held = null;
		if (parsed.status === "error") {
			this.count(parsed.missing);
			return { status: "failed", reason: parsed.reason };
		}
		const { header } = parsed;
		return {
			status: "done",
			source: header.source ?? null,
			healthCheck:
				header.command === "local" || (header.version === 1 && header.family === "unknown"),
			summary: `PROXY v${header.version} ${header.command} ${header.family}`,
			rest: parsed.length < bytes.byteLength ? bytes.subarray(parsed.length) : null,
		};
	}

	/**
	 * The client left (FIN or reset, `how`: "closed" or "left") before its header was whole:
	 * counted as missing. @returns the reason to close with.
	 */
	left(how: string): string {
		this.count(true);
		const got = this.held?.byteLength ?? 0;
		return `no PROXY header (the client ${how} after ${got} byte${got === 1 ? "" : "s"} of it)`;
	}

	private count(missing: boolean): void {
		countReason(this.counters.proxyHeaderFailures, missing ? "missing" : "invalid");
	}
}

/**
 * Phase `handshaking`: a TLS handshake failed (Bun's `handshake` handler with `success` false),
 * or the client left during it (`error` omitted). Counted. @returns the warning to log.
 */
export function handshakeFailed(
	counters: TransportStats,
	error?: Error | null,
	left = false,
): string {
	counters.handshakeFailures++;
	return left ? LEFT_DURING_HANDSHAKE : handshakeFailure(error);
}

/** Why a connection that a stop closes before it started reading is owed nothing. */
export function notStarted(awaitingHeader: boolean): string {
	return awaitingHeader
		? "server stopping (PROXY header not received)"
		: "server stopping (TLS handshake not finished)";
}
