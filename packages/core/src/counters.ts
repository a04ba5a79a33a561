/**
 * Per-transport counters, kept as plain number fields that the hot path increments: once per
 * read, per write, per message, per event (pause, timeout, error), never per byte, and nothing
 * allocated. A connection's duration goes into a small fixed-bucket histogram when it closes.
 * Readers (`server.stats()`, a metrics scrape) copy them at their own pace.
 */
import type { DurationHistogram, ServerStats, Transport, TransportStats } from "./types.ts";

/**
 * Upper bounds of the connection-duration buckets, in seconds: from a churned connection
 * (milliseconds) to a long-lived one (an hour); longer ones land in the last, open bucket.
 */
export const DURATION_BUCKETS_SECONDS: readonly number[] = [
	0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 10, 30, 60, 300, 900, 3600,
];

/** The counters of every transport, all at zero; each plugin named in `pluginErrors` at 0. */
export function newTransportCounters(
	pluginNames: readonly string[],
): Record<Transport, TransportStats> {
	return {
		tcp: newCounters(pluginNames),
		tls: newCounters(pluginNames),
		unix: newCounters(pluginNames),
		udp: newCounters(pluginNames),
		websocket: newCounters(pluginNames),
	};
}

function newCounters(pluginNames: readonly string[]): TransportStats {
	const pluginErrors: Record<string, number> = {};
	for (const name of pluginNames) pluginErrors[name] = 0;
	return {
		connections: 0,
		accepted: 0,
		rejected: { max_connections: 0, proxy_untrusted_peer: 0 },
		proxyHeaderFailures: { missing: 0, invalid: 0, timeout: 0 },
		bytesReceived: 0,
		bytesSent: 0,
		messages: 0,
		pauses: 0,
		idleTimeouts: 0,
		handshakeTimeouts: 0,
		handshakeFailures: 0,
		pluginErrors,
		durations: {
			buckets: DURATION_BUCKETS_SECONDS,
			counts: new Array<number>(DURATION_BUCKETS_SECONDS.length + 1).fill(0),
			sum: 0,
			count: 0,
		},
	};
}

/** Counts one failure of `plugin`'s hook (on a connection or datagram of this transport). */
export function countPluginError(counters: TransportStats, plugin: string): void {
	counters.pluginErrors[plugin] = (counters.pluginErrors[plugin] ?? 0) + 1;
}

/** Counts one more of `reason` in `record` (a `rejected` or `proxyHeaderFailures` of {@link TransportStats}). */
export function countReason(record: Record<string, number>, reason: string): void {
	record[reason] = (record[reason] ?? 0) + 1;
}

/** Records a closed connection's life, `seconds` long, in the duration histogram. */
export function recordDuration(histogram: DurationHistogram, seconds: number): void {
	const { buckets, counts } = histogram;
	let i = 0;
	while (i < buckets.length && seconds > (buckets[i] as number)) i++;
	counts[i] = (counts[i] as number) + 1;
	histogram.sum += seconds;
	histogram.count++;
}

/** A copy of `counters` that later traffic does not change, with `connections` open now. */
export function snapshotCounters(counters: TransportStats, connections: number): TransportStats {
	const { durations } = counters;
	return {
		...counters,
		connections,
		rejected: { ...counters.rejected },
		proxyHeaderFailures: { ...counters.proxyHeaderFailures },
		pluginErrors: { ...counters.pluginErrors },
		durations: { ...durations, counts: [...durations.counts] },
	};
}

/** The totals in {@link ServerStats} that sum every transport's counters. */
type Totals = Pick<
	ServerStats,
	| "accepted"
	| "rejected"
	| "proxyRefused"
	| "pauses"
	| "idleClosed"
	| "handshakeTimeouts"
	| "handshakeFailures"
	| "proxyHeaderMissing"
	| "proxyHeaderErrors"
	| "proxyHeaderTimeouts"
>;

/**
 * The server-wide totals, summed over every transport's counters: each fact is counted once,
 * in its transport's counters, and only read here.
 */
export function totals(counters: Readonly<Record<Transport, TransportStats>>): Totals {
	const total: Totals = {
		accepted: 0,
		rejected: 0,
		proxyRefused: 0,
		pauses: 0,
		idleClosed: 0,
		handshakeTimeouts: 0,
		handshakeFailures: 0,
		proxyHeaderMissing: 0,
		proxyHeaderErrors: 0,
		proxyHeaderTimeouts: 0,
	};
	for (const c of Object.values(counters)) {
		total.accepted += c.accepted;
		total.rejected += c.rejected.max_connections ?? 0;
		total.proxyRefused += c.rejected.proxy_untrusted_peer ?? 0;
		total.pauses += c.pauses;
		total.idleClosed += c.idleTimeouts;
		total.handshakeTimeouts += c.handshakeTimeouts;
		total.handshakeFailures += c.handshakeFailures;
		total.proxyHeaderMissing += c.proxyHeaderFailures.missing ?? 0;
		total.proxyHeaderErrors += c.proxyHeaderFailures.invalid ?? 0;
		total.proxyHeaderTimeouts += c.proxyHeaderFailures.timeout ?? 0;
	}
	return total;
}
