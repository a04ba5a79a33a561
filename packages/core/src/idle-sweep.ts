import type { Connection } from "./connection.ts";
import type { ConnectionSettings } from "./settings.ts";

/**
 * Closes connections that moved no bytes for `idleTimeoutMs`. One timer for the whole server:
 * each tick advances `settings.clock.tick`; connections stamp the tick when bytes move (a field
 * write, no timer per message). Bun's own `socket.timeout()` only notifies, at ~4 s granularity.
 * @returns a function that stops the sweep.
 */
export function startIdleSweep(settings: ConnectionSettings, open: Set<Connection>): () => void {
	const timeoutMs = settings.idleTimeoutMs;
	if (timeoutMs === 0) return () => {};
	// A connection is closed between `timeoutMs` and `timeoutMs` + one tick after its last byte.
	const tickMs = Math.min(1000, Math.max(10, Math.floor(timeoutMs / 4)));
	const idleTicks = Math.ceil(timeoutMs / tickMs);
	const clock = settings.clock;
	const timer = setInterval(() => {
		clock.tick++;
		for (const connection of open) {
			if (clock.tick - connection.lastActive > idleTicks) {
				settings.stats.idleClosed++;
				connection.abort(`idle for ${timeoutMs} ms (idle timeout)`);
			}
		}
	}, tickMs);
	timer.unref();
	return () => clearInterval(timer);
}
