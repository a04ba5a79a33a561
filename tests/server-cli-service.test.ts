/**
 * `echo-server` run as a service: `--metrics-port` (Prometheus `/metrics`, `/livez`, `/readyz`)
 * and `--shutdown-delay`, as Prometheus, a load balancer and Kubernetes meet them: the real
 * command in a child process, real HTTP requests on loopback.
 */
import { afterEach, describe, expect, test } from "bun:test";
import {
	client,
	decoder,
	exchange,
	killAll,
	runServer,
	ServerProcess,
} from "./fixtures/server/harness.ts";

afterEach(killAll);

/** Starts echo-server with a metrics listener; returns the echo port and the metrics URL. */
async function serviceServer(args: string[] = []) {
	const server = new ServerProcess(["--port", "0", "--metrics-port", "0", ...args]);
	const port = await server.listening();
	const match = await server.waitFor(/Metrics on (http:\/\/127\.0\.0\.1:\d+)\/metrics/);
	return { server, port, url: match[1] as string };
}

/** The value of one sample line (`name{labels} value`) of a Prometheus text page. */
function sample(page: string, series: string): number | undefined {
	const line = page.split("\n").find((l) => l.startsWith(`${series} `));
	return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

describe("--metrics-port", () => {
	test("/metrics counts what clients did, by transport; /livez and /readyz answer 200", async () => {
		const { server, port, url } = await serviceServer();
		expect(await exchange(port, "hello")).toBe("hello");
		expect(await exchange(port, "world!")).toBe("world!");
		const response = await fetch(`${url}/metrics`);
		expect(response.status).toBe(200);
		expect(response.headers.get("content-type")).toContain("text/plain");
		const page = await response.text();
		expect(sample(page, 'echokit_received_bytes_total{transport="tcp"}')).toBe(11);
		expect(sample(page, 'echokit_sent_bytes_total{transport="tcp"}')).toBe(11);
		expect(sample(page, 'echokit_connections_accepted_total{transport="tcp"}')).toBe(2);
		expect((await fetch(`${url}/livez`)).status).toBe(200);
		expect((await fetch(`${url}/readyz`)).status).toBe(200);
		// Health and metrics requests are not echo connections: only the two clients were logged.
		expect(server.lines.filter((line) => line.startsWith("Connected to"))).toHaveLength(2);
	});

	test("an idle server with metrics on is not woken 100 times a second (event-loop lag sampled once a second)", async () => {
		const { server, url } = await serviceServer();
		expect((await fetch(`${url}/metrics`)).status).toBe(200);
		// The main thread's voluntary context switches count its wake-ups. prom-client's default
		// 10 ms event-loop sampling made ~200 in 2 s; once a second makes a handful.
		const switches = async () => {
			const status = await Bun.file(`/proc/${server.proc.pid}/status`).text();
			return Number(/^voluntary_ctxt_switches:\s+(\d+)/m.exec(status)?.[1]);
		};
		const before = await switches();
		await Bun.sleep(2000);
		expect((await switches()) - before).toBeLessThan(50);
	});

	test("a metrics port in use: one line naming it, exit 3, and the echo port is not left bound", async () => {
		const held = Bun.listen({ hostname: "127.0.0.1", port: 0, socket: { data() {} } });
		try {
			const result = await runServer(["--port", "0", "--metrics-port", String(held.port)]);
			expect(result.code).toBe(3);
			expect(result.stderr.trim().split("\n")).toHaveLength(1);
			expect(result.stderr).toContain(
				`metrics listener (--metrics-port): port ${held.port} on 127.0.0.1 is already in use`,
			);
			expect(result.stderr).toContain("(E_ADDR_IN_USE)");
		} finally {
			held.stop(true);
		}
	});
});

describe("--metrics-port with --workers", () => {
	test("the one endpoint reports the sum over the workers", async () => {
		const { port, url } = await serviceServer(["--workers", "2", "--quiet"]);
		const texts = Array.from({ length: 20 }, (_, i) => `client ${i}`.padEnd(10, "."));
		const replies = await Promise.all(texts.map((text) => exchange(port, text)));
		expect(replies).toEqual(texts);
		const page = await (await fetch(`${url}/metrics`)).text();
		expect(sample(page, 'echokit_connections_accepted_total{transport="tcp"}')).toBe(20);
		expect(sample(page, 'echokit_received_bytes_total{transport="tcp"}')).toBe(200);
		expect(sample(page, 'echokit_sent_bytes_total{transport="tcp"}')).toBe(200);
		expect((await fetch(`${url}/readyz`)).status).toBe(200);
	});
});

/** `echo-server --workers 2 --json` with metrics: its Listening line (port, workers' pids), the metrics URL. */
async function workersWithMetrics() {
	const server = new ServerProcess([
		"--port",
		"0",
		"--metrics-port",
		"0",
		"--workers",
		"2",
		"--json",
	]);
	const listening = JSON.parse(
		(await server.waitFor(/^\{.*"Listening on [^\n]*$/m))[0] as string,
	) as { pids: number[]; port: number };
	const url = (
		await server.waitFor(/Metrics on (http:\/\/127\.0\.0\.1:\d+)\/metrics/)
	)[1] as string;
	return { server, listening, url };
}

test("--workers: a worker killed and replaced takes no counts with it; process_start_time_seconds is the primary's", async () => {
	const { server, listening, url } = await workersWithMetrics();
	const texts = Array.from({ length: 20 }, (_, i) => `client ${i}`.padEnd(10, "."));
	expect(await Promise.all(texts.map((text) => exchange(listening.port, text)))).toEqual(texts);
	const before = await (await fetch(`${url}/metrics`)).text();
	const accepted = 'echokit_connections_accepted_total{transport="tcp"}';
	const durations = 'echokit_connection_duration_seconds_count{transport="tcp"}';
	const received = 'echokit_received_bytes_total{transport="tcp"}';
	expect([sample(before, accepted), sample(before, durations)]).toEqual([20, 20]);
	const started = sample(before, "process_start_time_seconds");
	expect(started).toBeGreaterThan(0);
	expect(started).toBeLessThanOrEqual(Date.now() / 1000 + 1);

	// Kill a worker that served some of the 20 (its JSON Connected lines carry its pid): its
	// share would leave the sum with it.
	const victim = await server.waitUntil(() => {
		const line = server.stdout.match(/^\{.*"Connected to [^\n]*$/m)?.[0];
		return line === undefined ? undefined : (JSON.parse(line) as { pid: number }).pid;
	}, "a Connected line");
	expect(listening.pids).toContain(victim);
	process.kill(victim, "SIGKILL");
	await server.waitFor(/worker \d replaced by a new one/, "stderr");
	const after = await (await fetch(`${url}/metrics`)).text();
	expect(sample(after, accepted)).toBe(20);
	expect(sample(after, durations)).toBe(20);
	expect(sample(after, received)).toBe(200);
	expect(sample(after, "process_start_time_seconds")).toBe(started);
	// The dead worker's gauges are gone: nothing is open.
	expect(sample(after, 'echokit_connections_active{transport="tcp"}')).toBe(0);
	expect(await exchange(listening.port, "still served")).toBe("still served");
	const later = await (await fetch(`${url}/metrics`)).text();
	expect(sample(later, accepted)).toBeGreaterThanOrEqual(20);
});

test("--workers: a worker that does not answer fails the scrape (500) rather than lowering the sum", async () => {
	const { listening, url } = await workersWithMetrics();
	const stopped = listening.pids[0] as number;
	process.kill(stopped, "SIGSTOP");
	try {
		expect((await fetch(`${url}/metrics`)).status).toBe(500);
	} finally {
		process.kill(stopped, "SIGCONT");
	}
	await Bun.sleep(300); // past the page's reuse window
	expect((await fetch(`${url}/metrics`)).status).toBe(200);
});

describe("--shutdown-delay", () => {
	test("after SIGTERM /readyz is 503 at once while new clients are still served; then a graceful stop, exit 0", async () => {
		const { server, port, url } = await serviceServer(["--shutdown-delay", "1.5"]);
		const owed = await client(port);
		owed.write("owed across the stop");
		server.signal("SIGTERM");
		await server.waitFor(/SIGTERM: not ready, stopping in 1\.5 s/);
		expect((await fetch(`${url}/readyz`)).status).toBe(503);
		expect((await fetch(`${url}/livez`)).status).toBe(200);
		expect(await exchange(port, "still accepted")).toBe("still accepted");
		await owed.end();
		expect(decoder.decode(await owed.readAll())).toBe("owed across the stop");
		expect(await server.exited()).toBe(0);
	});
});

describe("--shutdown-delay with --proxy-protocol", () => {
	// What HAProxy's check-send-proxy checks look like (v1 UNKNOWN: the proxy speaks for itself),
	// and a proxied client.
	const check = "PROXY UNKNOWN\r\nechokit-health\n";
	const proxied = "PROXY TCP4 192.0.2.10 127.0.0.1 40001 8888\r\nstill served\n";
	/** What came back; nothing if the connection was closed (or reset) unanswered. */
	const answer = (port: number, text: string) => exchange(port, text).catch(() => "");

	test("after SIGTERM the proxy's health checks are closed unanswered while its clients are still served", async () => {
		const server = new ServerProcess([
			"--port",
			"0",
			"--proxy-protocol",
			"--shutdown-delay",
			"1.5",
			"--json",
		]);
		const port = await server.listening();
		expect(await answer(port, check)).toBe("echokit-health\n");
		server.signal("SIGTERM");
		await server.waitFor(/SIGTERM: not ready, stopping in 1\.5 s/);
		expect(await answer(port, check)).toBe("");
		expect(await answer(port, proxied)).toBe("still served\n");
		expect(await server.exited()).toBe(0);
		expect(server.lines.filter((l) => l.includes("Connected to"))).toEqual([
			expect.stringContaining('"remote":"192.0.2.10:40001"'),
		]);
		expect(server.stderr).toBe("");
	});
});
