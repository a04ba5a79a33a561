/**
 * The Prometheus text format reader behind `bench --metrics-url`: the format's own example page,
 * escapes, errors naming their line, and the counter delta (series new, reset, unchanged).
 */
import { describe, expect, test } from "bun:test";
import fc from "fast-check";
import { parseExposition } from "../src/bench/exposition.ts";
import {
	type CounterScrape,
	counterDelta,
	formatServerMetrics,
	seriesKey,
} from "../src/bench/server-metrics.ts";

/** The example of Prometheus' "Exposition formats" page (text format 0.0.4), as given there. */
const SPEC_EXAMPLE = `# HELP http_requests_total The total number of HTTP requests.
# TYPE http_requests_total counter
http_requests_total{method="post",code="200"} 1027 1395066363000
http_requests_total{method="post",code="400"}    3 1395066363000

# Escaping in label values:
msdos_file_access_time_seconds{path="C:\\\\DIR\\\\FILE.TXT",error="Cannot find file:\\n\\"FILE.TXT\\""} 1.458255915e9

# Minimalistic line:
metric_without_timestamp_and_labels 12.47

# A weird metric from before the epoch:
something_weird{problem="division by zero"} +Inf -3982045

# A histogram, which has a pretty complex representation in the text format:
# HELP http_request_duration_seconds A histogram of the request duration.
# TYPE http_request_duration_seconds histogram
http_request_duration_seconds_bucket{le="0.05"} 24054
http_request_duration_seconds_bucket{le="+Inf"} 144320
http_request_duration_seconds_sum 53423
http_request_duration_seconds_count 144320
`;

describe("parseExposition", () => {
	test("the format's example page: labels, escapes, timestamps, +Inf, comments, types", () => {
		const { samples, types } = parseExposition(SPEC_EXAMPLE);
		expect(samples).toEqual([
			{ name: "http_requests_total", labels: { method: "post", code: "200" }, value: 1027 },
			{ name: "http_requests_total", labels: { method: "post", code: "400" }, value: 3 },
			{
				name: "msdos_file_access_time_seconds",
				labels: { path: "C:\\DIR\\FILE.TXT", error: 'Cannot find file:\n"FILE.TXT"' },
				value: 1.458255915e9,
			},
			{ name: "metric_without_timestamp_and_labels", labels: {}, value: 12.47 },
			{
				name: "something_weird",
				labels: { problem: "division by zero" },
				value: Number.POSITIVE_INFINITY,
			},
			{ name: "http_request_duration_seconds_bucket", labels: { le: "0.05" }, value: 24054 },
			{ name: "http_request_duration_seconds_bucket", labels: { le: "+Inf" }, value: 144320 },
			{ name: "http_request_duration_seconds_sum", labels: {}, value: 53423 },
			{ name: "http_request_duration_seconds_count", labels: {}, value: 144320 },
		]);
		expect(Object.fromEntries(types)).toEqual({
			http_requests_total: "counter",
			http_request_duration_seconds: "histogram",
		});
	});

	test("NaN in any case, a trailing comma, blanks around labels, a } or , inside a value", () => {
		const { samples } = parseExposition('a Nan\nb{ x = "}," , } -1.5e-3\nc{x="a,b}c"}\t7\n');
		expect(samples[0]?.value).toBeNaN();
		expect(samples.slice(1)).toEqual([
			{ name: "b", labels: { x: "}," }, value: -0.0015 },
			{ name: "c", labels: { x: "a,b}c" }, value: 7 },
		]);
	});

	test("a line that is not the format: an error naming the line", () => {
		for (const [page, problem] of [
			["ok\n", "line 1: expected a value"],
			['# TYPE a counter\na{x="1} 2\n', "line 2: unterminated value of label x"],
			['a{x="\\t"} 1\n', "line 1: bad escape \\t"],
			["a 1.2.3\n", "line 1: not a number: 1.2.3"],
			["a 1 2 3\n", "line 1: expected a value"],
			["# TYPE a thing\n", "line 1: not a valid # TYPE line"],
			['a{x="1",x="2"} 1\n', "line 1: label x given twice"],
			["<html>\n", "line 1: expected a metric name"],
		] as const) {
			expect(() => parseExposition(page)).toThrow(problem);
		}
	});

	test("property: any label values survive seriesKey's escaping and a parse back", () => {
		fc.assert(
			fc.property(
				fc.string({ unit: "binary" }),
				fc.string({ unit: "binary" }),
				fc.nat(),
				(a, b, value) => {
					const labels = { a, b };
					const { samples } = parseExposition(`${seriesKey("m_total", labels)} ${value}\n`);
					expect(samples).toEqual([{ name: "m_total", labels, value }]);
				},
			),
		);
	});
});

describe("counterDelta", () => {
	const scrape = (entries: [string, Record<string, string>, number][]): CounterScrape =>
		new Map(
			entries.map(([name, labels, value]) => [seriesKey(name, labels), { name, labels, value }]),
		);
	const client = { connections: 1, sentBytes: 10, receivedBytes: 10 };

	test("gains; a series new since the first scrape counts from 0; a reset counts its new value", () => {
		const before = scrape([
			["echokit_sent_bytes_total", { transport: "tcp" }, 100],
			["echokit_messages_total", { transport: "tcp" }, 50],
			["echokit_pauses_total", { transport: "tcp" }, 4],
		]);
		const after = scrape([
			["echokit_sent_bytes_total", { transport: "tcp" }, 110],
			["echokit_messages_total", { transport: "tcp" }, 3],
			["echokit_pauses_total", { transport: "tcp" }, 4],
			["echokit_plugin_errors_total", { transport: "tcp", plugin: 'a "b"' }, 2],
		]);
		const delta = counterDelta("http://x/metrics", before, after, client);
		expect(delta.counters.map((c) => c.delta)).toEqual([10, 3, 0, 2]);
		expect(formatServerMetrics(delta).split("\n")).toEqual([
			"server metrics, change over the whole run (warm-up included) at http://x/metrics",
			"  bench sent  10 B, received 10 B, on 1 connection",
			'  echokit_sent_bytes_total{transport="tcp"}                      10',
			'  echokit_messages_total{transport="tcp"}                         3',
			'  echokit_plugin_errors_total{plugin="a \\"b\\"",transport="tcp"}   2',
		]);
	});
});
