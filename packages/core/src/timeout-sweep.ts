import type { Connection } from "./connection.ts";
import type { ConnectionSettings } from "./settings.ts";

/**
 * Closes connections that moved no bytes for `idleTimeoutMs`, and TLS connections whose
 * handshake has not finished `handshakeTimeoutMs` after they were accepted. One timer for the
 * whole server: each tick advances `settings.clock.tick`; connections stamp the tick when bytes
 * move (a field write, no timer per message), and a connection still in its handshake has not
 * stamped since it was accepted (Bun reports no data before the handshake ends). Bun's own
 * `socket.timeout()` only notifies, at ~4 s granularity.
 * @returns a function that stops the sweep.
 */
export function startTimeoutSweep(settings: ConnectionSettings, open: Set<Connection>): () => void {
	const { idleTimeoutMs, handshakeTimeoutMs } = settings;
	const shortest = Math.min(...[idleTimeoutMs, handshakeTimeoutMs].filter((ms) => ms > 0));
	if (shortest === Number.POSITIVE_INFINITY) return () => {};
	// A connection is closed between its timeout and the timeout + one tick.
	const tickMs = Math.min(1000, Math.max(10, Math.floor(shortest / 4)));
	const ticks = (ms: number) => (ms === 0 ? Number.POSITIVE_INFINITY : Math.ceil(ms / tickMs));
	const idleTicks = ticks(idleTimeoutMs);
	// Bun reports no bytes of a handshake, so whether a client in its handshake is idle or slow
	// cannot be told: the shorter timeout ends it, worded as what it is, an unfinished handshake.
	const idleFirst =
		handshakeTimeoutMs === 0 || (idleTimeoutMs > 0 && idleTimeoutMs < handshakeTimeoutMs);
	const handshakeTicks = idleFirst ? idleTicks : ticks(handshakeTimeoutMs);
	const handshakeReason = idleFirst
		? `TLS handshake not finished within ${idleTimeoutMs} ms (idle timeout)`
		: `TLS handshake not finished within ${handshakeTimeoutMs} ms (handshake timeout)`;
	const { clock, stats } = settings;
	const timer = setInterval(() => {
		clock.tick++;
		for (const connection of open) {
			const quietTicks = clock.tick - connection.lastActive;
			if (connection.isHandshaking) {
				if (quietTicks > handshakeTicks && connection.abort(handshakeReason)) {
					stats.handshakeTimeouts++;
					connection.counters.handshakeTimeouts++;
				}
			} else if (quietTicks > idleTicks) {
				if (connection.abort(`idle for ${idleTimeoutMs} ms (idle timeout)`)) {
					stats.idleClosed++;
					connection.counters.idleTimeouts++;
				}
			}
		}
	}, tickMs);
	timer.unref();
	return () => clearInterval(timer);
}
