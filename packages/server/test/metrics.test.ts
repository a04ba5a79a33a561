/**
 * Issue 10, metrics: the registry of `createMetrics`, served by the service listener and
 * scraped over real HTTP, after known traffic on a real core server (TCP, TLS, Unix, UDP);
 * and the sum over workers from each worker's metric JSON.
 */
import { afterAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
	connect,
	definePlugin,
	type EchoServer,
	exchangeDatagram,
	type ServerOptions,
	startServer,
} from "@echokit/core";
import { lazyCertificate } from "../../core/test/fixtures/tls-cert.ts";
import { aggregateMetrics, createMetrics } from "../src/metrics.ts";
import { startServiceHttp } from "../src/service-http.ts";
import { type Family, parseExposition, sample } from "./exposition.ts";

const dir = mkdtempSync(join(tmpdir(), "echokit-metrics-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const certificate = lazyCertificate(dir);

/** Every echokit family, with its type: all present whatever the traffic. */
const FAMILIES = {
	echokit_connections_accepted_total: "counter",
	echokit_connections_active: "gauge",
	echokit_connections_rejected_total: "counter",
	echokit_proxy_header_failures_total: "counter",
	echokit_received_bytes_total: "counter",
	echokit_sent_bytes_total: "counter",
	echokit_messages_total: "counter",
	echokit_backpressure_pauses_total: "counter",
	echokit_idle_timeouts_total: "counter",
	echokit_handshake_timeouts_total: "counter",
	echokit_handshake_failures_total: "counter",
	echokit_plugin_errors_total: "counter",
	echokit_queued_bytes: "gauge",
	echokit_connection_duration_seconds: "histogram",
};

describe("GET /metrics", () => {
	test("tcp + udp: every family, with the values of the traffic sent", async () => {
		const boom = definePlugin({
			name: "boom",
			transform: (message) => {
				if (message.text() === "boom") throw new Error("asked to");
				return null;
			},
		});
		await withScrape({ udp: true, framing: "lines", plugins: [boom] }, async (server, scrape) => {
			// 3 connections of 5 lines (24 bytes) each, then one that makes the plugin fail.
			await Promise.all(
				[1, 2, 3].map(async () => {
					const client = await connect({ port: server.port });
					client.write("one\ntwo\nthree\nfour\nfive\n");
					await client.end();
					await client.readAll();
				}),
			);
			const failing = await connect({ port: server.port });
			failing.write("boom\n");
			await failing.readAll();
			for (const text of ["ping", "pong!"]) await exchangeDatagram(text, { port: server.port });
			await waitForClosed(server, 4);

			const { response, families } = await scrape("/metrics");
			expect(response.status).toBe(200);
			expect(response.headers.get("content-type")).toBe("text/plain; version=0.0.4; charset=utf-8");
			for (const [name, type] of Object.entries(FAMILIES)) {
				expect({ name, type: families.get(name)?.type }).toEqual({ name, type });
				expect(families.get(name)?.help).not.toBe("");
			}
			const tcp = (name: string, labels = "") =>
				sample(families, `${name}{${labels}transport="tcp"}`);
			expect(tcp("echokit_connections_accepted_total")).toBe(4);
			expect(tcp("echokit_connections_active")).toBe(0);
			expect(tcp("echokit_connections_rejected_total", 'reason="max_connections",')).toBe(0);
			expect(tcp("echokit_received_bytes_total")).toBe(3 * 24 + 5);
			expect(tcp("echokit_sent_bytes_total")).toBe(3 * 24);
			expect(tcp("echokit_messages_total")).toBe(3 * 5 + 1);
			expect(tcp("echokit_plugin_errors_total", 'plugin="boom",')).toBe(1);
			expect(tcp("echokit_connection_duration_seconds_count")).toBe(4);
			expect(tcp("echokit_connection_duration_seconds_bucket", 'le="+Inf",')).toBe(4);
			expect(tcp("echokit_connection_duration_seconds_sum")).toBeGreaterThan(0);
			const udp = (name: string) => sample(families, `${name}{transport="udp"}`);
			expect(udp("echokit_received_bytes_total")).toBe(9);
			expect(udp("echokit_sent_bytes_total")).toBe(9);
			expect(udp("echokit_messages_total")).toBe(2);
			// Connections mean nothing for UDP: no such series.
			expect(udp("echokit_connections_accepted_total")).toBeUndefined();
			// Histogram buckets are cumulative.
			const buckets = [...(families.get("echokit_connection_duration_seconds")?.samples ?? [])]
				.filter(([key]) => key.includes("_bucket"))
				.map(([, value]) => value);
			expect(buckets).toEqual([...buckets].sort((a, b) => a - b));
		});
	});

	test("tls: a handshake timeout and a failure; rejected for max_connections", async () => {
		const { cert, key } = certificate();
		const tls = { cert: Bun.file(cert), key: Bun.file(key) };
		await withScrape(
			{ tls, handshakeTimeoutMs: 200, maxConnections: 1 },
			async (server, scrape) => {
				const silent = await connect({ port: server.port }); // no ClientHello: times out
				await waitFor(() => (server.stats().transports.tls?.handshakeTimeouts ?? 0) === 1);
				silent.close();
				const plain = await connect({ port: server.port }); // plaintext: fails
				plain.write("hello\n");
				await plain.readAll().catch(() => null);
				await waitFor(() => server.stats().connections === 0);
				const held = await connect({ port: server.port, tls: { ca: Bun.file(cert) } });
				const refused = await connect({ port: server.port }).catch(() => null);
				await waitFor(() => (server.stats().transports.tls?.rejected.max_connections ?? 0) === 1);
				const { families } = await scrape("/metrics");
				const tls = (name: string, labels = "") =>
					sample(families, `${name}{${labels}transport="tls"}`);
				expect(tls("echokit_handshake_timeouts_total")).toBe(1);
				expect(tls("echokit_handshake_failures_total")).toBe(1);
				expect(tls("echokit_connections_rejected_total", 'reason="max_connections",')).toBe(1);
				expect(tls("echokit_connections_active")).toBe(1);
				expect(tls("echokit_connections_accepted_total")).toBe(3);
				held.close();
				refused?.close();
			},
		);
	});

	test("proxy protocol: no header, a malformed one and a late one count by reason; a good one does not", async () => {
		await withScrape(
			{ proxyProtocol: true, proxyHeaderTimeoutMs: 200, idleTimeoutMs: 0 },
			async (server, scrape) => {
				const failures = () => server.stats().transports.tcp?.proxyHeaderFailures ?? {};
				const before = await scrape("/metrics");
				const tcp = (families: Map<string, Family>, name: string, labels = "") =>
					sample(families, `${name}{${labels}transport="tcp"}`);
				for (const reason of ["missing", "invalid", "timeout"]) {
					expect(
						tcp(before.families, "echokit_proxy_header_failures_total", `reason="${reason}",`),
					).toBe(0);
				}
				// Data that is no PROXY header: closed at once.
				const bare = await connect({ port: server.port });
				bare.write("hello\n");
				await bare.readAll().catch(() => null);
				// A v1 header with garbage for addresses.
				const malformed = await connect({ port: server.port });
				malformed.write("PROXY TCP4 not-an-address 127.0.0.1 1 2\r\n");
				await malformed.readAll().catch(() => null);
				// Nothing at all: the header timeout closes it.
				const silent = await connect({ port: server.port });
				await waitFor(() => failures().timeout === 1);
				silent.close();
				// A whole header, then data: echoed, not a failure.
				const proxied = await connect({ port: server.port });
				proxied.write("PROXY TCP4 192.0.2.7 127.0.0.1 4321 8888\r\nhi");
				await proxied.end();
				expect(new TextDecoder().decode(await proxied.readAll())).toBe("hi");
				await waitForClosed(server, 4);

				const { families } = await scrape("/metrics");
				const failed = (reason: string) =>
					tcp(families, "echokit_proxy_header_failures_total", `reason="${reason}",`);
				expect(failed("missing")).toBe(1);
				expect(failed("invalid")).toBe(1);
				expect(failed("timeout")).toBe(1);
				// Accepted before their headers failed: not rejected.
				expect(tcp(families, "echokit_connections_accepted_total")).toBe(4);
				expect(
					tcp(families, "echokit_connections_rejected_total", 'reason="proxy_untrusted_peer",'),
				).toBe(0);
			},
		);
	});

	test("proxy protocol: a peer outside proxyFrom is rejected as proxy_untrusted_peer", async () => {
		await withScrape({ proxyProtocol: true, proxyFrom: ["10.0.0.0/8"] }, async (server, scrape) => {
			const client = await connect({ port: server.port });
			client.write("PROXY TCP4 192.0.2.7 127.0.0.1 4321 8888\r\nhi");
			await client.readAll().catch(() => null);
			await waitFor(() => server.stats().proxyRefused === 1);
			const { families } = await scrape("/metrics");
			const tcp = (name: string, labels = "") =>
				sample(families, `${name}{${labels}transport="tcp"}`);
			expect(tcp("echokit_connections_rejected_total", 'reason="proxy_untrusted_peer",')).toBe(1);
			expect(tcp("echokit_connections_rejected_total", 'reason="max_connections",')).toBe(0);
			expect(tcp("echokit_connections_accepted_total")).toBe(0);
			expect(tcp("echokit_proxy_header_failures_total", 'reason="missing",')).toBe(0);
		});
	});

	test("unix: bytes under transport unix; an idle timeout", async () => {
		const unix = join(dir, "metrics.sock");
		await withScrape({ unix, idleTimeoutMs: 200 }, async (server, scrape) => {
			const client = await connect({ unix });
			client.write("12345678");
			expect((await client.readBytes(8)).byteLength).toBe(8);
			await waitFor(() => (server.stats().transports.unix?.idleTimeouts ?? 0) === 1);
			const { families } = await scrape("/metrics");
			const of = (name: string) => sample(families, `${name}{transport="unix"}`);
			expect(of("echokit_received_bytes_total")).toBe(8);
			expect(of("echokit_sent_bytes_total")).toBe(8);
			expect(of("echokit_idle_timeouts_total")).toBe(1);
			client.close();
		});
	});

	test("websocket: accepted, active, bytes, messages and durations under transport websocket", async () => {
		await withScrape({ webSocket: { port: 0 } }, async (server, scrape) => {
			const ws = new WebSocket(`ws://127.0.0.1:${server.webSocketPort}/`);
			const replies: unknown[] = [];
			ws.onmessage = (event) => replies.push(event.data);
			await new Promise((resolve) => {
				ws.onopen = resolve;
			});
			ws.send("Hi");
			ws.send("Hello");
			await waitFor(() => replies.length === 2);
			const open = await scrape("/metrics");
			const active = 'echokit_connections_active{transport="websocket"}';
			expect(sample(open.families, active)).toBe(1);
			ws.close();
			await waitForClosed(server, 1);
			const { families } = await scrape("/metrics");
			const of = (name: string) => sample(families, `${name}{transport="websocket"}`);
			expect(of("echokit_connections_accepted_total")).toBe(1);
			expect(of("echokit_connections_active")).toBe(0);
			expect(of("echokit_received_bytes_total")).toBe(7);
			expect(of("echokit_sent_bytes_total")).toBe(7);
			expect(of("echokit_messages_total")).toBe(2);
			expect(of("echokit_connection_duration_seconds_count")).toBe(1);
		});
	});

	test("backpressure pauses and queued bytes of a client that does not read", async () => {
		await withScrape({ highWaterMark: 16 * 1024 }, async (server, scrape) => {
			const client = await connect({ port: server.port, highWaterMark: 1 });
			client.write(new Uint8Array(8 * 1024 * 1024));
			await waitFor(() => server.stats().pauses >= 1);
			const { families } = await scrape("/metrics");
			expect(
				sample(families, 'echokit_backpressure_pauses_total{transport="tcp"}'),
			).toBeGreaterThanOrEqual(1);
			expect(sample(families, "echokit_queued_bytes")).toBeGreaterThan(0);
			client.close();
		});
	});

	test("process metrics are there under their standard names, and can be left out", async () => {
		const server = await startServer({ port: 0 });
		try {
			const withProcess = parseExposition(await createMetrics(() => server.stats()).metrics());
			expect(withProcess.get("process_cpu_seconds_total")?.type).toBe("counter");
			expect(withProcess.get("process_resident_memory_bytes")?.type).toBe("gauge");
			const without = await createMetrics(() => server.stats(), {
				processMetrics: false,
			}).metrics();
			expect(
				[...parseExposition(without).keys()].every((name) => name.startsWith("echokit_")),
			).toBe(true);
		} finally {
			await server.stop({ drainTimeoutMs: 0, closeTimeoutMs: 0 });
		}
	});
});

describe("aggregateMetrics", () => {
	test("sums two workers' metric JSON into one exposition", async () => {
		const one = await startServer({ port: 0 });
		const two = await startServer({ port: 0 });
		try {
			for (const [server, text] of [
				[one, "a".repeat(10)],
				[two, "b".repeat(32)],
				[two, "c".repeat(5)],
			] as const) {
				const client = await connect({ port: server.port });
				client.write(text);
				await client.end();
				await client.readAll();
			}
			await waitForClosed(one, 1);
			await waitForClosed(two, 2);
			const registries = [one, two].map((server) => createMetrics(() => server.stats()));
			const text = await aggregateMetrics(
				await Promise.all(registries.map((registry) => registry.getMetricsAsJSON())),
			);
			const families = parseExposition(text);
			for (const [name, type] of Object.entries(FAMILIES)) {
				expect({ name, type: families.get(name)?.type }).toEqual({ name, type });
			}
			const tcp = (name: string, labels = "") =>
				sample(families, `${name}{${labels}transport="tcp"}`);
			expect(tcp("echokit_received_bytes_total")).toBe(47);
			expect(tcp("echokit_sent_bytes_total")).toBe(47);
			expect(tcp("echokit_connections_accepted_total")).toBe(3);
			expect(tcp("echokit_connection_duration_seconds_count")).toBe(3);
			expect(tcp("echokit_connection_duration_seconds_bucket", 'le="+Inf",')).toBe(3);
			expect(families.get("process_cpu_seconds_total")?.type).toBe("counter");
		} finally {
			await Promise.all([one, two].map((s) => s.stop({ drainTimeoutMs: 0, closeTimeoutMs: 0 })));
		}
	});
});

type Scrape = (path: string) => Promise<{ response: Response; families: Map<string, Family> }>;

/** A core server with `options`, its registry served by a service listener on port 0. */
async function withScrape(
	options: ServerOptions,
	run: (server: EchoServer, scrape: Scrape) => Promise<void>,
): Promise<void> {
	const server = await startServer({ port: 0, ...options });
	const http = startServiceHttp({
		port: 0,
		registry: createMetrics(() => server.stats()),
		ready: () => true,
		renderIntervalMs: 0, // every scrape renders: values right after traffic
	});
	const scrape: Scrape = async (path) => {
		const response = await fetch(`${http.url}${path}`);
		return { response, families: parseExposition(await response.text()) };
	};
	try {
		await run(server, scrape);
	} finally {
		await http.stop();
		await server.stop({ drainTimeoutMs: 0, closeTimeoutMs: 100 });
	}
}

async function waitForClosed(server: EchoServer, count: number): Promise<void> {
	await waitFor(() => {
		const { transports } = server.stats();
		const closed = Object.values(transports).reduce((n, t) => n + t.durations.count, 0);
		return closed >= count && server.connections === 0;
	});
}

/** Polls until `condition` holds; the deadline only guards against hanging. */
async function waitFor(condition: () => boolean, timeoutMs = 10_000): Promise<void> {
	const deadline = Date.now() + timeoutMs;
	while (!condition()) {
		if (Date.now() > deadline) throw new Error("timed out waiting for a condition");
		await Bun.sleep(2);
	}
}
