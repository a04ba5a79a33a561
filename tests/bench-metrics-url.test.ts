/**
 * Issue 10, a Grafana-free look at the metrics: `echo-client bench --metrics-url` against the
 * real `echo-server --metrics-port 0`, both real commands on loopback. What the server counted
 * over the run must be what the bench sent; a URL that cannot be read fails before any load.
 */
import { afterEach, describe, expect, test } from "bun:test";
import type { BenchReport } from "../packages/client/src/bench/index.ts";
import { closedPort, expectOneErrorLine, run, stopAll, text } from "./fixtures/client/harness.ts";
import { killAll, ServerProcess } from "./fixtures/server/harness.ts";

afterEach(async () => {
	killAll();
	await stopAll();
});

/** echo-server with a metrics listener on free ports: its echo port and `/metrics` URL. */
async function serviceServer() {
	const server = new ServerProcess(["--port", "0", "--metrics-port", "0", "--quiet"]);
	const port = await server.listening();
	const match = await server.waitFor(/Metrics on (http:\/\/127\.0\.0\.1:\d+\/metrics)/);
	return { port, url: match[1] as string };
}

/** The value of `series` (`name{labels}`) on a Prometheus text page. */
async function scrape(url: string, series: string): Promise<number | undefined> {
	const page = await (await fetch(url)).text();
	const line = page.split("\n").find((l) => l.startsWith(`${series} `));
	return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

const TCP = '{transport="tcp"}';
const SIZE = 64;
const CONNECTIONS = 3;
const PIPELINE = 2;
/** A closed loop without warm-up: every message sent is one the report counts, or one of the `pipeline` still in flight on each connection when the window closed. */
const LOAD = [
	"--duration",
	"1",
	"--warmup",
	"0",
	"--connections",
	`${CONNECTIONS}`,
	"--pipeline",
	`${PIPELINE}`,
	"--size",
	`${SIZE}`,
];

describe("echo-client bench --metrics-url", () => {
	test("--json: serverMetrics counts the bench's connections, and bytes = messages × size", async () => {
		const { port, url } = await serviceServer();
		const ran = await run(["bench", "--port", `${port}`, ...LOAD, "--metrics-url", url, "--json"]);
		expect({ code: ran.code, stderr: ran.stderr }).toEqual({ code: 0, stderr: "" });
		const report = JSON.parse(text(ran.stdout)) as BenchReport;
		const metrics = report.serverMetrics;
		expect(metrics?.url).toBe(url);
		const delta = (name: string, labels: Record<string, string> = { transport: "tcp" }) =>
			metrics?.counters.find(
				(c) => c.name === name && JSON.stringify(c.labels) === JSON.stringify(labels),
			)?.delta;
		const bytes = (report.messages + CONNECTIONS * PIPELINE) * SIZE;
		expect(report.messages).toBeGreaterThan(0);
		expect(delta("echokit_connections_accepted_total")).toBe(CONNECTIONS);
		expect(delta("echokit_received_bytes_total")).toBe(bytes);
		expect(delta("echokit_sent_bytes_total")).toBe(bytes);
		expect(metrics?.client).toEqual({
			connections: CONNECTIONS,
			sentBytes: bytes,
			receivedBytes: bytes,
		});
		// Raw framing: one message per read, so at least one per read of `bytes`.
		expect(delta("echokit_messages_total")).toBeGreaterThan(0);
		// Every echokit counter is there, unchanged ones at 0.
		expect(
			delta("echokit_connections_rejected_total", { transport: "tcp", reason: "max_connections" }),
		).toBe(0);
		expect(delta("echokit_backpressure_pauses_total")).toBe(0);
		// Only counters: no gauge, no histogram, no process metric.
		expect(metrics?.counters.every((c) => c.name.startsWith("echokit_"))).toBe(true);
		expect(metrics?.counters.some((c) => c.name === "echokit_connections_active")).toBe(false);
	});

	test("text: the changed counters printed after the latency report, equal to what the bench sent", async () => {
		const { port, url } = await serviceServer();
		// Traffic before the run must not show in its delta.
		const warm = await run(["--port", `${port}`, "--message", "before the bench"]);
		expect(warm.code).toBe(0);
		const ran = await run(["bench", "--port", `${port}`, ...LOAD, "--metrics-url", url]);
		expect({ code: ran.code, stderr: ran.stderr }).toEqual({ code: 0, stderr: "" });
		const lines = text(ran.stdout).trimEnd().split("\n");
		const section = lines.findIndex((line) => line.startsWith("server metrics"));
		expect(lines[section]).toBe(
			`server metrics, change over the whole run (warm-up included) at ${url}`,
		);
		// After the latency report's last row.
		expect(section).toBe(lines.findIndex((line) => line.startsWith("  mismatches")) + 1);
		const messages = Number(
			lines
				.find((l) => l.startsWith("  messages"))
				?.split(/\s+/)[2]
				?.replaceAll(",", ""),
		);
		const bytes = (messages + CONNECTIONS * PIPELINE) * SIZE;
		const n = (value: number) => value.toLocaleString("en-US");
		expect(lines[section + 1]).toBe(
			`  bench sent  ${n(bytes)} B, received ${n(bytes)} B, on ${CONNECTIONS} connections`,
		);
		const printed = new Map(
			lines.slice(section + 2).map((line) => {
				const [series, value] = line.trim().split(/\s+/);
				return [series, Number(value?.replaceAll(",", ""))];
			}),
		);
		expect(printed.get(`echokit_connections_accepted_total${TCP}`)).toBe(CONNECTIONS);
		expect(printed.get(`echokit_received_bytes_total${TCP}`)).toBe(bytes);
		expect(printed.get(`echokit_sent_bytes_total${TCP}`)).toBe(bytes);
		expect(printed.get(`echokit_messages_total${TCP}`)).toBeGreaterThan(0);
		// Counters that did not change are left out of the text.
		expect(printed.has(`echokit_backpressure_pauses_total${TCP}`)).toBe(false);
		// And the server's totals include the earlier client: the delta left it out.
		expect(await scrape(url, `echokit_connections_accepted_total${TCP}`)).toBe(CONNECTIONS + 1);
	});

	test("a page that never ends (or is far too big) is cut at 16 MiB: E_METRICS_URL, memory bounded", async () => {
		const { port } = await serviceServer();
		const line = new TextEncoder().encode(`# ${"x".repeat(1022)}\n`);
		let sent = 0;
		// 64 MiB of comments at most, then the page ends: a bounded stand-in for an endless one.
		const endless = Bun.serve({
			hostname: "127.0.0.1",
			port: 0,
			fetch: () =>
				new Response(
					new ReadableStream({
						pull(controller) {
							if (sent >= 64 * 1024 * 1024) return controller.close();
							sent += line.byteLength * 64;
							for (let i = 0; i < 64; i++) controller.enqueue(line);
						},
					}),
				),
		});
		try {
			const ran = await run([
				"bench",
				"--port",
				`${port}`,
				"--metrics-url",
				`http://127.0.0.1:${endless.port}/metrics`,
			]);
			expect(ran.code).toBe(3);
			expectOneErrorLine(ran.stderr, "E_METRICS_URL");
			expect(ran.stderr).toContain("the page is over 16 MiB");
		} finally {
			endless.stop(true);
		}
	});

	test("a URL that cannot be read: one line with E_METRICS_URL, exit 3, and no load at all", async () => {
		const { port, url } = await serviceServer();
		const nothing = `http://127.0.0.1:${await closedPort()}/metrics`;
		const notMetrics = url.replace(/\/metrics$/, "/livez");
		const missing = url.replace(/\/metrics$/, "/nope");
		const runs = await Promise.all(
			[nothing, notMetrics, missing].map((bad) =>
				run(["bench", "--port", `${port}`, "--duration", "30", "--metrics-url", bad]),
			),
		);
		for (const ran of runs) {
			expect(ran.code).toBe(3);
			expect(text(ran.stdout)).toBe("");
			expectOneErrorLine(ran.stderr, "E_METRICS_URL");
		}
		const [refused, livez, notFound] = runs.map((ran) => ran.stderr);
		expect(refused).toBe(
			`echo-client: cannot read metrics from ${nothing}: connection refused (E_METRICS_URL)\n`,
		);
		expect(livez).toContain("not the Prometheus text format (line 1:");
		expect(notFound).toContain(": HTTP 404 (E_METRICS_URL)");
		// Failed before connecting: the server never saw the bench (a --duration 30 run did not run).
		expect(await scrape(url, `echokit_connections_accepted_total${TCP}`)).toBe(0);

		const json = await run(["bench", "--port", `${port}`, "--json", "--metrics-url", nothing]);
		expect(json.code).toBe(3);
		expect(text(json.stdout)).toBe("");
		expect(JSON.parse(json.stderr)).toMatchObject({
			level: "error",
			code: "E_METRICS_URL",
			exitCode: 3,
			message: `cannot read metrics from ${nothing}: connection refused`,
		});
	});

	test("a URL that is not http(s) is a usage error", async () => {
		const ran = await run(["bench", "--metrics-url", "127.0.0.1:9464/metrics"]);
		expect(ran.code).toBe(2);
		expectOneErrorLine(ran.stderr, "E_USAGE");
		expect(ran.stderr).toContain('invalid --metrics-url "127.0.0.1:9464/metrics"');
	});
});

describe("echo-client bench against a server that answers nothing", () => {
	test("log-only: the report shows 0 messages, then E_BENCH_FAILED and exit 1, not a silent 0", async () => {
		const server = new ServerProcess(["--port", "0", "--quiet", "--plugin", "log-only"]);
		const port = await server.listening();
		const ran = await run(["bench", "--port", `${port}`, "--duration", "0.5", "--warmup", "0"]);
		expect(ran.code).toBe(1);
		expect(text(ran.stdout)).toContain("messages");
		expectOneErrorLine(ran.stderr, "E_BENCH_FAILED");
		expect(ran.stderr).toContain("no message was answered during the run");
	});
});
