import type { Connection } from "./connection.ts";
import { countReason } from "./counters.ts";
import type { ConnectionSettings } from "./settings.ts";

/**
 * Closes connections that moved no bytes for `idleTimeoutMs`, TLS connections whose handshake
 * has not finished `handshakeTimeoutMs` after they were accepted, and (with `proxyProtocol`)
 * connections whose PROXY header is not complete `proxyHeaderTimeoutMs` after. One timer for
 * the whole server: each tick advances `settings.clock.tick`; connections stamp the tick when
 * bytes move (a field write, no timer per message), and a connection still in its handshake or
 * waiting for its header has not stamped since it was accepted (Bun reports no data before the
 * handshake ends; header bytes do not stamp). Bun's own `socket.timeout()` only notifies, at
 * ~4 s granularity.
 * @returns a function that stops the sweep.
 */
export function startTimeoutSweep(settings: ConnectionSettings, open: Set<Connection>): () => void {
	const { idleTimeoutMs, handshakeTimeoutMs, proxyHeaderTimeoutMs } = settings;
	const timeouts = [idleTimeoutMs, handshakeTimeoutMs, proxyHeaderTimeoutMs];
	const shortest = Math.min(...timeouts.filter((ms) => ms > 0));
	if (shortest === Number.POSITIVE_INFINITY) return () => {};
	// A connection is closed between its timeout and the timeout + one tick.
	const tickMs = Math.min(1000, Math.max(10, Math.floor(shortest / 4)));
	const ticks = (ms: number) => (ms === 0 ? Number.POSITIVE_INFINITY : Math.ceil(ms / tickMs));
	const idleTicks = ticks(idleTimeoutMs);
	// Whether a client that has not finished its handshake (or header) is idle or slow cannot be
	// told: the shorter timeout ends it, worded as what it is, an unfinished handshake (header).
	const deadline = (ms: number, unfinished: string, name: string) => {
		const idleFirst = ms === 0 || (idleTimeoutMs > 0 && idleTimeoutMs < ms);
		return idleFirst
			? { ticks: idleTicks, reason: `${unfinished} within ${idleTimeoutMs} ms (idle timeout)` }
			: { ticks: ticks(ms), reason: `${unfinished} within ${ms} ms (${name} timeout)` };
	};
	const handshake = deadline(handshakeTimeoutMs, "TLS handshake not finished", "handshake");
	const header = deadline(proxyHeaderTimeoutMs, "PROXY header not complete", "PROXY header");
	const { clock } = settings;
	const timer = setInterval(() => {
		clock.tick++;
		for (const connection of open) {
			const quietTicks = clock.tick - connection.lastActive;
			if (connection.isHandshaking) {
				if (quietTicks > handshake.ticks && connection.abort(handshake.reason, "tls_handshake")) {
					connection.counters.handshakeTimeouts++;
				}
			} else if (connection.isAwaitingProxyHeader) {
				if (quietTicks > header.ticks && connection.abort(header.reason, "proxy_header")) {
					countReason(connection.counters.proxyHeaderFailures, "timeout");
				}
			} else if (quietTicks > idleTicks) {
				if (connection.abort(`idle for ${idleTimeoutMs} ms (idle timeout)`, "idle_timeout")) {
					connection.counters.idleTimeouts++;
				}
			}
		}
	}, tickMs);
	timer.unref();
	return () => clearInterval(timer);
}
