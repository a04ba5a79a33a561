/**
 * `/metrics` with `--workers`: the sum of the workers' registries, as Prometheus must see it.
 * - A worker that dies and is replaced takes its counts with it; the new one starts from 0. A
 *   sum that falls reads to Prometheus as a counter reset (a `rate()` spike), so the primary keeps
 *   each retired worker's counters and histograms as last scraped and adds them in. Its gauges
 *   (connections open, queued bytes, memory) are dropped: what they measured is gone.
 * - `process_start_time_seconds`: prom-client's aggregation leaves it out (its aggregator is
 *   `omit`); the service started when the primary did, so that is the one reported.
 * @module
 */
import { aggregateMetrics, type MetricJson, sumMetricsJson } from "./metrics.ts";

/**
 * The primary's view of its workers' metrics: sums live replies with what retired workers
 * counted. `W` is whatever identifies one worker process (a new process is a new `W`).
 * @example
 * const metrics = new PoolMetrics<Worker>();
 * const text = await metrics.sum(new Map([[worker, json]]));
 * metrics.retire(worker); // it died: its counts stay in every later sum
 */
export class PoolMetrics<W> {
	/** Each live worker's last reply, kept for when it dies. */
	private readonly last = new Map<W, MetricJson[]>();
	/** The counters and histograms of every retired worker, summed (one registry's JSON). */
	private retired: Promise<MetricJson[]> = Promise.resolve([]);
	/** The primary's start, as prom-client computes a process's (whole seconds since the epoch). */
	private readonly startTimeSeconds = Math.round(Date.now() / 1000 - process.uptime());

	/** The Prometheus text of `replies` (each live worker's metric JSON) plus the retired ones. */
	async sum(replies: ReadonlyMap<W, MetricJson[]>): Promise<string> {
		for (const [worker, json] of replies) this.last.set(worker, json);
		const retired = await this.retired;
		const all = [...replies.values()];
		if (retired.length > 0) all.push(retired);
		return aggregateMetrics(all, { startTimeSeconds: this.startTimeSeconds });
	}

	/**
	 * `worker` has exited: its last scraped counters and histograms join the retired sum (folded
	 * into one, so a long-lived pool's scrapes do not grow with its crashes). Nothing if it was
	 * never scraped: no sum so far included it.
	 */
	retire(worker: W): void {
		const last = this.last.get(worker);
		this.last.delete(worker);
		if (last === undefined) return;
		const kept = last.filter((metric) => CUMULATIVE.has(String(metric.type)));
		this.retired = this.retired.then((sum) => sumMetricsJson([sum, kept]));
	}
}

/** Metric types whose values only grow over a process's life. */
const CUMULATIVE = new Set(["counter", "histogram"]);
