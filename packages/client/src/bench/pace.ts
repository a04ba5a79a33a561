/**
 * What the request/response loads share, whatever carries their bytes (TCP in rr.ts, WebSocket
 * in ws-rr.ts): the per-connection settings from the options, the clock that starts every
 * connection together, ticks them in the open loop and stops them together, and each
 * connection's {@link Schedule} (which messages are due, and each reply's latency).
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

/**
 * One connection's clock: which messages are due, and each reply's latency. The open loop
 * (`intervalMs` > 0) schedules message n at `start + n × intervalMs` and times its reply from
 * then, so a slow server's queueing counts (no coordinated omission); the closed loop keeps
 * `pipeline` messages in flight and times each from when its slot came free.
 */
export class Schedule {
	/** Messages asked for so far (sent, or waiting for the socket). */
	issued = 0;
	/** Open loop: when message 0 was due (ms, `performance.now()`). */
	private startMs = 0;
	/** Closed loop: when each in-flight message was sent, by message index mod pipeline. */
	private readonly sendTimes: Float64Array;

	constructor(
		private readonly intervalMs: number,
		private readonly pipeline: number,
	) {
		this.sendTimes = new Float64Array(intervalMs > 0 ? 0 : pipeline);
	}

	/** Starts at `now`: the open loop's first message is due; the closed loop issues `pipeline`. */
	begin(now: number): void {
		if (this.intervalMs > 0) {
			this.startMs = now;
			this.due(now);
			return;
		}
		this.sendTimes.fill(now);
		this.issued = this.pipeline;
	}

	/** Open loop: issues every message due at or before `now`; true when that added some. */
	due(now: number): boolean {
		const due = Math.floor((now - this.startMs) / this.intervalMs) + 1;
		if (due <= this.issued) return false;
		this.issued = due;
		return true;
	}

	/**
	 * Message `index` came back whole at `now`: returns its latency in ms. In the closed loop its
	 * slot goes to message `index + pipeline`, issued and timed from `now`.
	 */
	complete(index: number, now: number): number {
		if (this.intervalMs > 0) return now - (this.startMs + index * this.intervalMs);
		const slot = index % this.pipeline;
		const latency = now - (this.sendTimes[slot] as number);
		this.sendTimes[slot] = now;
		if (index + 1 + this.pipeline > this.issued) this.issued = index + 1 + this.pipeline;
		return latency;
	}
}
