/**
 * `--metrics-url`: the server's own counters, read before and after a run, so a bench shows
 * what the server saw (connections, bytes, messages, pauses, rejections, plugin errors) next to
 * what the bench sent — a Grafana-free look at `echo-server --metrics-port`.
 * @module
 */
import { CliError } from "../errors.ts";
import { ExpositionError, parseExposition } from "./exposition.ts";
import type { MetricDelta, ServerMetrics } from "./types.ts";

/** Only the server's own families: process and runtime metrics say nothing about the run. */
const PREFIX = "echokit_";

/** The `echokit_*` counter series of one scrape, keyed by {@link seriesKey}. */
export type CounterScrape = Map<
	string,
	{ name: string; labels: Record<string, string>; value: number }
>;

/**
 * GETs `url` and returns its `echokit_*` counters. Throws a `CliError` `E_METRICS_URL` when it
 * cannot be fetched within `timeoutMs`, answers other than 2xx, is not the Prometheus text
 * format, or has no `echokit_` counter (not an echo-server's `/metrics`).
 * @example
 * const before = await scrapeCounters("http://127.0.0.1:9464/metrics", 10_000);
 */
export async function scrapeCounters(url: string, timeoutMs: number): Promise<CounterScrape> {
	const fail = (problem: string, cause?: unknown) =>
		new CliError("E_METRICS_URL", `cannot read metrics from ${url}: ${problem}`, { cause });
	let text: string;
	try {
		const response = await fetch(url, {
			signal: AbortSignal.timeout(timeoutMs),
			headers: { accept: "text/plain;version=0.0.4" },
			redirect: "error",
		});
		if (!response.ok) throw fail(`HTTP ${response.status}`);
		text = await readCapped(response, MAX_PAGE_BYTES, (bytes) =>
			fail(`the page is over ${bytes / MiB} MiB: not an echo-server's /metrics`),
		);
	} catch (error) {
		if (error instanceof CliError) throw error;
		throw fail(fetchProblem(error, timeoutMs), error);
	}
	let exposition: ReturnType<typeof parseExposition>;
	try {
		exposition = parseExposition(text);
	} catch (error) {
		if (error instanceof ExpositionError)
			throw fail(`not the Prometheus text format (${error.message})`, error);
		throw error;
	}
	const counters: CounterScrape = new Map();
	for (const sample of exposition.samples) {
		if (!sample.name.startsWith(PREFIX) || exposition.types.get(sample.name) !== "counter")
			continue;
		counters.set(seriesKey(sample.name, sample.labels), sample);
	}
	if (counters.size === 0)
		throw fail(`no ${PREFIX}* counters there (is it echo-server's /metrics?)`);
	return counters;
}

/**
 * What each counter gained from `before` to `after`, in the order of `after`. A series missing
 * before counts from 0; one that went down was reset (the server restarted), so its gain is its
 * value after, as Prometheus' `increase()` reads it.
 */
export function counterDelta(
	url: string,
	before: CounterScrape,
	after: CounterScrape,
	client: ServerMetrics["client"],
): ServerMetrics {
	const counters: MetricDelta[] = [];
	for (const [key, { name, labels, value }] of after) {
		const old = before.get(key)?.value ?? 0;
		counters.push({ name, labels, delta: value >= old ? value - old : value });
	}
	return { url, counters, client };
}

/**
 * The section printed after the latency report: the bench's own count, then every counter that
 * changed (those that did not are left out; `--json` has them all).
 */
export function formatServerMetrics(metrics: ServerMetrics): string {
	const { client } = metrics;
	const changed = metrics.counters.filter((counter) => counter.delta !== 0);
	const rows = changed.map((counter) => [
		seriesKey(counter.name, counter.labels),
		count(counter.delta),
	]);
	const width = Math.max(0, ...rows.map(([series]) => (series as string).length));
	const valueWidth = Math.max(0, ...rows.map(([, value]) => (value as string).length));
	return [
		`server metrics, change over the whole run (warm-up included) at ${metrics.url}`,
		`  bench sent  ${count(client.sentBytes)} B, received ${count(client.receivedBytes)} B, on ${count(client.connections)} connection${client.connections === 1 ? "" : "s"}`,
		...(rows.length === 0
			? ["  (no echokit_ counter changed)"]
			: rows.map(
					([series, value]) =>
						`  ${(series as string).padEnd(width)}  ${(value as string).padStart(valueWidth)}`,
				)),
	].join("\n");
}

/** `name{a="x",b="y"}` with labels in name order and values escaped as in the format. */
export function seriesKey(name: string, labels: Record<string, string>): string {
	const pairs = Object.keys(labels)
		.sort()
		.map((label) => `${label}="${escapeLabel(labels[label] as string)}"`);
	return pairs.length === 0 ? name : `${name}{${pairs.join(",")}}`;
}

function escapeLabel(value: string): string {
	return value.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n");
}

const MiB = 1024 * 1024;
/** An echo-server's page is a few KiB; anything this big is something else, or endless. */
const MAX_PAGE_BYTES = 16 * MiB;

/** The body as text, read chunk by chunk; throws `tooBig(limit)` once it passes `limit` bytes. */
async function readCapped(
	response: Response,
	limit: number,
	tooBig: (limit: number) => Error,
): Promise<string> {
	const chunks: Uint8Array[] = [];
	let bytes = 0;
	for await (const chunk of response.body ?? []) {
		bytes += chunk.byteLength;
		if (bytes > limit) {
			await response.body?.cancel().catch(() => {});
			throw tooBig(limit);
		}
		chunks.push(chunk);
	}
	return new TextDecoder().decode(Buffer.concat(chunks));
}

function fetchProblem(error: unknown, timeoutMs: number): string {
	const name = (error as { name?: string } | null)?.name;
	if (name === "TimeoutError" || name === "AbortError") return `no answer within ${timeoutMs} ms`;
	const code = (error as { code?: string } | null)?.code;
	if (code === "ConnectionRefused" || code === "ECONNREFUSED") return "connection refused";
	return code ?? (error instanceof Error ? error.message : String(error));
}

function count(value: number): string {
	return Number.isInteger(value) ? value.toLocaleString("en-US") : String(value);
}
