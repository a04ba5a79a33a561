/**
 * Issue 10, health: the service listener's routes over real HTTP, `/readyz` turning 503 when a
 * stop begins (with `--shutdown-delay`'s window, in which a real echo server still accepts),
 * and that none of this traffic reaches the echo server's logs.
 */
import { describe, expect, test } from "bun:test";
import { connect, type Logger, startServer } from "@echokit/core";
import { CliError } from "../src/errors.ts";
import { createMetrics } from "../src/metrics.ts";
import { type MetricsSource, type ServiceHttp, startServiceHttp } from "../src/service-http.ts";
import { stopAfterDelay } from "../src/shutdown-delay.ts";

describe("service listener routes", () => {
	test("GET /livez and /readyz are 200 with ok; /readyz follows ready()", async () => {
		let ready = true;
		await withHttp({ ready: () => ready }, async (http) => {
			for (const path of ["/livez", "/readyz"]) {
				const response = await fetch(`${http.url}${path}`);
				expect({ path, status: response.status, body: await response.text() }).toEqual({
					path,
					status: 200,
					body: "ok\n",
				});
			}
			ready = false;
			const readyz = await fetch(`${http.url}/readyz`);
			expect(readyz.status).toBe(503);
			expect(await readyz.text()).toBe("stopping\n");
			expect((await fetch(`${http.url}/livez`)).status).toBe(200);
		});
	});

	test("404 for other paths, 405 for other methods, HEAD like GET without a body", async () => {
		await withHttp({}, async (http) => {
			for (const path of ["/", "/metrics/", "/healthz", "/livez/x"]) {
				const response = await fetch(`${http.url}${path}`);
				expect({ path, status: response.status }).toEqual({ path, status: 404 });
			}
			for (const method of ["POST", "PUT", "DELETE", "PATCH"]) {
				const response = await fetch(`${http.url}/livez`, { method });
				expect({ method, status: response.status }).toEqual({ method, status: 405 });
				expect(response.headers.get("allow")).toBe("GET, HEAD");
			}
			const head = await fetch(`${http.url}/readyz`, { method: "HEAD" });
			expect(head.status).toBe(200);
			expect(await head.text()).toBe("");
			// A query string does not change the route.
			expect((await fetch(`${http.url}/livez?verbose=1`)).status).toBe(200);
		});
	});

	test("/metrics is 404 without a registry, the text format with one", async () => {
		await withHttp({}, async (http) => {
			expect((await fetch(`${http.url}/metrics`)).status).toBe(404);
		});
		const server = await startServer({ port: 0 });
		const registry = createMetrics(() => server.stats());
		try {
			await withHttp({ registry }, async (http) => {
				const response = await fetch(`${http.url}/metrics`);
				expect(response.status).toBe(200);
				expect(response.headers.get("content-type")).toBe(registry.contentType);
				expect(await response.text()).toContain('echokit_connections_active{transport="tcp"} 0');
			});
		} finally {
			await server.stop({ drainTimeoutMs: 0, closeTimeoutMs: 0 });
		}
	});

	test("a port in use is E_ADDR_IN_USE, naming the metrics address", async () => {
		await withHttp({}, async (http) => {
			let error: unknown;
			try {
				startServiceHttp({ port: http.port, ready: () => true });
			} catch (caught) {
				error = caught;
			}
			expect(error).toBeInstanceOf(CliError);
			expect((error as CliError).code).toBe("E_ADDR_IN_USE");
			expect((error as CliError).message).toBe(
				`metrics listener (--metrics-port): port ${http.port} on 127.0.0.1 is already in use`,
			);
		});
	});

	test("probes and scrapes never reach the echo server or its log", async () => {
		const lines: string[] = [];
		const record = (message: string) => {
			lines.push(message);
		};
		const logger: Logger = { debug: record, info: record, warn: record, error: record };
		const server = await startServer({ port: 0, logger });
		const registry = createMetrics(() => server.stats());
		try {
			await withHttp({ registry }, async (http) => {
				expect(http.port).not.toBe(server.port);
				for (let i = 0; i < 20; i++) {
					for (const path of ["/livez", "/readyz", "/metrics", "/nope"]) {
						await (await fetch(`${http.url}${path}`)).text();
					}
				}
			});
			const before = lines.length;
			expect(server.stats().accepted).toBe(0);
			// The same server does count a real echo client: the checks above are not vacuous.
			const client = await connect({ port: server.port });
			client.write("x");
			await client.readBytes(1);
			expect(server.stats().accepted).toBe(1);
			client.close();
			expect(lines.slice(0, before).filter((line) => !line.startsWith("maxConnections"))).toEqual(
				[],
			);
		} finally {
			await server.stop({ drainTimeoutMs: 0, closeTimeoutMs: 0 });
		}
	});
});

describe("stopAfterDelay (--shutdown-delay)", () => {
	test("/readyz is 503 at once while the server still accepts and echoes; then the graceful stop", async () => {
		const server = await startServer({ port: 0 });
		let ready = true;
		await withHttp({ ready: () => ready }, async (http) => {
			expect((await fetch(`${http.url}/readyz`)).status).toBe(200);
			// Long enough never to end by itself during the test: skipDelay() ends it.
			const stopping = stopAfterDelay(600_000, {
				notReady: () => {
					ready = false;
				},
				stop: () => server.stop({ drainTimeoutMs: 1000 }),
			});
			expect((await fetch(`${http.url}/readyz`)).status).toBe(503);
			expect((await fetch(`${http.url}/livez`)).status).toBe(200);
			// Within the delay a new client is accepted and served.
			const late = await connect({ port: server.port });
			late.write("still here");
			await late.end();
			expect(new TextDecoder().decode(await late.readAll())).toBe("still here");
			stopping.skipDelay();
			await stopping.done;
			// Stopped: nobody is accepted any more; readiness stays 503, liveness 200.
			const refused = await connect({ port: server.port, timeoutMs: 5000 }).then(
				(client) => {
					client.close();
					return false;
				},
				() => true,
			);
			expect(refused).toBe(true);
			expect((await fetch(`${http.url}/readyz`)).status).toBe(503);
			expect((await fetch(`${http.url}/livez`)).status).toBe(200);
		});
	});

	test("delay 0: readiness turns off before the stop starts", async () => {
		const order: string[] = [];
		const { done } = stopAfterDelay(0, {
			notReady: () => {
				order.push("notReady");
			},
			stop: async () => {
				order.push("stop");
			},
		});
		expect(order).toEqual(["notReady"]);
		await done;
		expect(order).toEqual(["notReady", "stop"]);
	});
});

async function withHttp(
	options: Partial<Parameters<typeof startServiceHttp>[0]>,
	run: (http: ServiceHttp) => Promise<void>,
): Promise<void> {
	const http = startServiceHttp({ port: 0, ready: () => true, ...options });
	try {
		await run(http);
	} finally {
		await http.stop();
	}
}

test("/metrics renders at most once per renderIntervalMs, however fast scrapes come", async () => {
	let renders = 0;
	const registry: MetricsSource = {
		contentType: "text/plain; version=0.0.4; charset=utf-8" as MetricsSource["contentType"],
		metrics: async () => `renders ${++renders}\n`,
	};
	await withHttp({ registry, renderIntervalMs: 60_000 }, async (http) => {
		const pages = await Promise.all(
			Array.from({ length: 20 }, () => fetch(`${http.url}/metrics`).then((r) => r.text())),
		);
		expect(new Set(pages)).toEqual(new Set(["renders 1\n"]));
		expect(await (await fetch(`${http.url}/metrics`)).text()).toBe("renders 1\n");
		expect(renders).toBe(1);
	});
	await withHttp({ registry, renderIntervalMs: 0 }, async (http) => {
		await fetch(`${http.url}/metrics`);
		await fetch(`${http.url}/metrics`);
		expect(renders).toBe(3);
	});
});
