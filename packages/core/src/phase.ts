/**
 * A connection's lifecycle as data: its phases in order, and the one rule for moving between
 * them. {@link Connection} holds the phase and calls {@link checkMove} on every change.
 */
import type { ConnectionPhase } from "./types.ts";

/**
 * Where a connection is in its life. It only moves forward (later phases have higher numbers):
 *
 *   handshaking | proxy → reading → draining → flushing → lingering → closed
 *
 * - `handshaking`: TLS only, until the handshake succeeds; no plugin hook has run yet.
 * - `proxy`: with `proxyProtocol` only (never with TLS), until the PROXY header is read; no
 *   plugin hook has run yet, so plugins see the header's address from `open` on.
 * - `reading`: messages are read, transformed and answered.
 * - `draining`: input is over (the client's FIN, the server's stop deadline); a transform still
 *   in flight finishes, input held meanwhile is processed, then the plugins' `end` hooks run.
 * - `flushing`: every reply is made; the outbound queue empties into the socket.
 * - `lingering`: our FIN is out; reading on, dropping what comes, until the client's FIN.
 * - `closed`: the socket is gone or cut; `close` hooks have run (if `open` ones did).
 *
 * Phases may be skipped (a plugin failure goes from `reading` straight to `flushing`; a reset to
 * `closed`), but `lingering` only follows `flushing` (a FIN goes out after the replies owed),
 * and `handshaking` and `proxy` lead only to `reading` or `closed` (nothing is owed before the
 * handshake or the header).
 */
export const Phase = {
	handshaking: 0,
	proxy: 1,
	reading: 2,
	draining: 3,
	flushing: 4,
	lingering: 5,
	closed: 6,
} as const satisfies Record<ConnectionPhase, number>;
export type Phase = (typeof Phase)[keyof typeof Phase];
export type PhaseName = ConnectionPhase;

const NAMES = Object.keys(Phase) as PhaseName[];

/** The name of `phase`, for logs, stats and tests. */
export function phaseName(phase: Phase): PhaseName {
	return NAMES[phase] as PhaseName;
}

/**
 * The lifecycle's rule: forward only; into `lingering` only from `flushing`; out of
 * `handshaking` and `proxy` only to `reading` or `closed`.
 * @param connection named in the error; its `label` (a string built from the peer's address) is
 * read only then, not on every allowed move.
 * @throws Error naming both phases on any other move: a bug in the caller, never a client's doing.
 */
export function checkMove(from: Phase, next: Phase, connection: { readonly label: string }): void {
	const allowed =
		next > from &&
		(next !== Phase.lingering || from === Phase.flushing) &&
		(from > Phase.proxy || next === Phase.reading || next === Phase.closed);
	if (allowed) return;
	throw new Error(
		`connection ${connection.label}: cannot move from ${phaseName(from)} to ${phaseName(next)}`,
	);
}
