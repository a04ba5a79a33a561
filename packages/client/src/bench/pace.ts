/**
 * What the request/response loads share, whatever carries their bytes (TCP in rr.ts, WebSocket
 * in ws-rr.ts): the per-connection settings from the options, and the clock that starts every
 * connection together, ticks them in the open loop and stops them together.
 * @module
 */
import type { ResolvedBenchOptions } from "./options.ts";
import type { Pattern } from "./pattern.ts";
import type { RrSettings } from "./rr.ts";
import type { BenchStats } from "./stats.ts";

/** A running load: stopped at the end of the window. */
export interface Load {
	stop(graceMs: number): Promise<void>;
}

/** One request/response connection as the clock drives it. */
export interface PacedConnection {
	/** Open loop: issue every message scheduled at or before `now` (ms, `performance.now()`). */
	tick(now: number): void;
	/** Stop sending, wait for the replies in flight, close; cut after `graceMs`. */
	stop(graceMs: number): Promise<void>;
}

/**
 * The settings every connection of a request/response run shares. With `rate` (messages per
 * second over all connections), each connection sends every `connections × 1000 / rate` ms
 * (open loop); without, `intervalMs` is 0 and `pipeline` messages stay in flight (closed loop).
 */
export function rrSettings(
	options: ResolvedBenchOptions,
	pattern: Pattern,
	stats: BenchStats,
): RrSettings {
	const intervalMs = options.rate === null ? 0 : (options.connections * 1000) / options.rate;
	return { size: options.size, pipeline: options.pipeline, intervalMs, pattern, stats };
}

/**
 * Starts every connection at one instant (`start(connection, index, now)`), so the window sees
 * the whole load from its first moment; in the open loop (`intervalMs` > 0) ticks them every
 * millisecond. The returned load stops the ticks and then every connection.
 */
export function paceLoad<C extends PacedConnection>(
	connections: readonly C[],
	intervalMs: number,
	start: (connection: C, index: number, now: number) => void,
): Load {
	const now = performance.now();
	connections.forEach((connection, i) => {
		start(connection, i, now);
	});
	const ticker =
		intervalMs > 0
			? setInterval(() => {
					const tick = performance.now();
					for (const connection of connections) connection.tick(tick);
				}, 1)
			: undefined;
	return {
		async stop(graceMs) {
			clearInterval(ticker);
			await Promise.all(connections.map((connection) => connection.stop(graceMs)));
		},
	};
}
