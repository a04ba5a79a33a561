/**
 * The server's Prometheus metrics: a prom-client registry of its own (never the global one),
 * whose metrics read core's `server.stats()` when scraped. The engine only adds to plain number
 * fields as traffic flows; nothing here runs per message. Names and meanings are listed in the
 * README ("Run it as a service" → "Metrics").
 * @module
 */
import type { ServerStats, Transport, TransportStats } from "@echokit/core";
import {
	AggregatorRegistry,
	Counter,
	collectDefaultMetrics,
	Gauge,
	type Metric,
	type MetricObjectWithValues,
	type MetricValue,
	type MetricValueWithName,
	Registry,
} from "prom-client";

/** Options of {@link createMetrics}. */
export interface MetricsOptions {
	/**
	 * Also export prom-client's standard process metrics (`process_cpu_seconds_total`,
	 * `process_resident_memory_bytes`, `process_open_fds`, …, and its `nodejs_*` runtime ones),
	 * under their usual unprefixed names so stock dashboards and alerts find them. Default true.
	 */
	processMetrics?: boolean;
}

/**
 * A registry whose `echokit_*` metrics read `stats()` at scrape time: call it with
 * `() => server.stats()`. Serve it with `registry.metrics()` and `registry.contentType`.
 * @example
 * const registry = createMetrics(() => server.stats());
 * const text = await registry.metrics();
 */
export function createMetrics(stats: () => ServerStats, options: MetricsOptions = {}): Registry {
	const registry = new Registry();
	const read = oncePerScrape(stats);
	const registers = [registry];

	/** A counter per transport, from one field of its counters. */
	const counter = (
		name: string,
		help: string,
		field: NumberField,
		transports: (stats: ServerStats) => [Transport, TransportStats][] = all,
	) =>
		new Counter({
			name,
			help,
			labelNames: ["transport"],
			registers,
			collect() {
				this.reset();
				for (const [transport, counts] of transports(read()))
					this.inc({ transport }, counts[field]);
			},
		});

	counter(
		"echokit_connections_accepted_total",
		"Connections accepted, not counting rejected ones.",
		"accepted",
		streams,
	);
	new Gauge({
		name: "echokit_connections_active",
		help: "Connections open now.",
		labelNames: ["transport"],
		registers,
		collect() {
			this.reset();
			for (const [transport, counts] of streams(read()))
				this.set({ transport }, counts.connections);
		},
	});
	new Counter({
		name: "echokit_connections_rejected_total",
		help: "Connections turned away as they arrived, never accepted, by reason (max_connections: the limit was reached; proxy_untrusted_peer: a peer outside --proxy-from).",
		labelNames: ["transport", "reason"],
		registers,
		collect() {
			this.reset();
			for (const [transport, counts] of streams(read())) {
				for (const [reason, value] of Object.entries(counts.rejected))
					this.inc({ transport, reason }, value);
			}
		},
	});
	// Not a reason of `rejected`: these connections were accepted (and counted so) before their
	// header failed, and a metric's sum over a label should mean something: accepted + rejected
	// = arrivals holds only while `rejected` keeps to connections never accepted.
	new Counter({
		name: "echokit_proxy_header_failures_total",
		help: "With --proxy-protocol: accepted connections closed before a PROXY header was read, by reason (missing: no header, or the client left before a whole one; invalid: malformed; timeout: not complete in time).",
		labelNames: ["transport", "reason"],
		registers,
		collect() {
			this.reset();
			for (const [transport, counts] of streams(read())) {
				for (const [reason, value] of Object.entries(counts.proxyHeaderFailures))
					this.inc({ transport, reason }, value);
			}
		},
	});
	counter("echokit_received_bytes_total", "Bytes read from clients.", "bytesReceived");
	counter("echokit_sent_bytes_total", "Bytes sent to clients (taken by the kernel).", "bytesSent");
	counter(
		"echokit_messages_total",
		"Messages: reads in raw framing, lines in lines framing, datagrams for udp, WebSocket messages for websocket.",
		"messages",
	);
	counter(
		"echokit_backpressure_pauses_total",
		"Times reading from a client paused because it did not read its replies.",
		"pauses",
		streams,
	);
	counter(
		"echokit_idle_timeouts_total",
		"Connections closed by the idle timeout.",
		"idleTimeouts",
		streams,
	);
	counter(
		"echokit_handshake_timeouts_total",
		"TLS connections closed because their handshake did not finish in time.",
		"handshakeTimeouts",
		streams,
	);
	counter(
		"echokit_handshake_failures_total",
		"TLS handshakes that failed (a plaintext client, a bad ClientHello) or that the client left.",
		"handshakeFailures",
		streams,
	);
	new Counter({
		name: "echokit_plugin_errors_total",
		help: "Plugin hook failures (open, greet, transform, end, close) on connections and datagrams, by plugin.",
		labelNames: ["transport", "plugin"],
		registers,
		collect() {
			this.reset();
			for (const [transport, counts] of all(read())) {
				for (const [plugin, value] of Object.entries(counts.pluginErrors))
					this.inc({ transport, plugin }, value);
			}
		},
	});
	new Gauge({
		name: "echokit_queued_bytes",
		help: "Reply bytes queued in user space now, waiting for clients to read.",
		registers,
		collect() {
			this.set(read().queuedBytes);
		},
	});
	registry.registerMetric(durationHistogram(read) as unknown as Metric);
	if (options.processMetrics ?? true) {
		// prom-client samples event-loop delay every 10 ms by default: an idle server then woke
		// 100 times a second and used ~10 ms of CPU a second instead of ~1 (measured, Bun 1.4.5).
		// The lag percentiles then come from one sample a second: enough for a dashboard.
		collectDefaultMetrics({
			register: registry,
			eventLoopMonitoringPrecision: EVENT_LOOP_SAMPLE_MS,
		});
		// Bun's v8.getHeapSpaceStatistics() takes ~5 ms a call (measured, Bun 1.4.5): with these
		// three a scrape blocked the event loop ~9 ms, stalling every echo connection meanwhile.
		for (const name of SLOW_DEFAULT_METRICS) registry.removeSingleMetric(name);
	}
	return registry;
}

/** How often `nodejs_eventloop_lag_*` samples the event loop's delay, in ms. */
const EVENT_LOOP_SAMPLE_MS = 1000;

/** prom-client default metrics left out because collecting them stalls the server. */
const SLOW_DEFAULT_METRICS = [
	"nodejs_heap_space_size_total_bytes",
	"nodejs_heap_space_size_used_bytes",
	"nodejs_heap_space_size_available_bytes",
];

/** One metric of a registry's `getMetricsAsJSON()`, as a worker sends it to its primary. */
export type MetricJson = MetricObjectWithValues<MetricValue<string>>;

/**
 * The sum over workers, in the Prometheus text format: each worker's
 * `registry.getMetricsAsJSON()` in, one exposition out (counters, gauges and histogram buckets
 * added up; prom-client's own rules for its process metrics). Needs no `node:cluster`.
 * prom-client leaves `process_start_time_seconds` out of a sum; give `startTimeSeconds` (the
 * service's start, in seconds since the epoch) to report it.
 * @example
 * const text = await aggregateMetrics(await Promise.all(workers.map((w) => w.metricsJson())));
 */
export async function aggregateMetrics(
	perWorker: readonly MetricJson[][],
	options: { startTimeSeconds?: number } = {},
): Promise<string> {
	const registry = AggregatorRegistry.aggregate([...perWorker]);
	const { startTimeSeconds } = options;
	if (startTimeSeconds !== undefined && !registry.getSingleMetric(START_TIME)) {
		new Gauge({
			name: START_TIME,
			help: "Start time of the process since unix epoch in seconds.",
			registers: [registry],
		}).set(startTimeSeconds);
	}
	return registry.metrics();
}

/** prom-client's name for a process's start time (its help text is copied above). */
const START_TIME = "process_start_time_seconds";

/**
 * The sum of several registries' metric JSON, as metric JSON (prom-client's aggregation rules).
 * @example
 * const retired = await sumMetricsJson([retired, lastOfTheDeadWorker]);
 */
export async function sumMetricsJson(parts: readonly MetricJson[][]): Promise<MetricJson[]> {
	const json = await AggregatorRegistry.aggregate([...parts]).getMetricsAsJSON();
	return json as MetricJson[];
}

type NumberField = {
	[K in keyof TransportStats]: TransportStats[K] extends number ? K : never;
}[keyof TransportStats];

/** Every transport the server serves, with its counters. */
function all(stats: ServerStats): [Transport, TransportStats][] {
	return Object.entries(stats.transports) as [Transport, TransportStats][];
}

/** The connection-oriented ones (not udp): connections, timeouts and durations mean nothing there. */
function streams(stats: ServerStats): [Transport, TransportStats][] {
	return all(stats).filter(([transport]) => transport !== "udp");
}

/**
 * `stats` read once per scrape: the registry calls every metric's `collect` in one synchronous
 * pass, so the snapshot is kept until the next microtask.
 */
function oncePerScrape(stats: () => ServerStats): () => ServerStats {
	let cached: ServerStats | undefined;
	return () => {
		if (cached === undefined) {
			cached = stats();
			queueMicrotask(() => {
				cached = undefined;
			});
		}
		return cached;
	};
}

/**
 * `echokit_connection_duration_seconds`: core keeps the histogram (fixed buckets, filled at each
 * close), so this metric only reports it: prom-client's Histogram can observe values but not take
 * bucket counts, hence a metric object of its own, of the shape the registry reads (`get`,
 * `reset`, `name`, `help`, `type`, `aggregator`).
 */
function durationHistogram(read: () => ServerStats) {
	const name = "echokit_connection_duration_seconds";
	const base = {
		name,
		help: "How long connections lived, from accept to close.",
		type: "histogram" as const,
		aggregator: "sum" as const,
		collect() {},
	};
	// prom-client's typings declare `type` as a numeric enum it does not export; at run time it
	// is the string, as here.
	const get = () => {
		const values: MetricValueWithName<"transport" | "le">[] = [];
		for (const [transport, { durations }] of streams(read())) {
			let cumulative = 0;
			durations.buckets.forEach((le, i) => {
				cumulative += durations.counts[i] ?? 0;
				values.push({ metricName: `${name}_bucket`, labels: { le, transport }, value: cumulative });
			});
			values.push(
				{ metricName: `${name}_bucket`, labels: { le: "+Inf", transport }, value: durations.count },
				{ metricName: `${name}_sum`, labels: { transport }, value: durations.sum },
				{ metricName: `${name}_count`, labels: { transport }, value: durations.count },
			);
		}
		return { ...base, values };
	};
	return { ...base, get: async () => get(), reset() {} };
}
