/**
 * Issue 10, warnings that must not flood the log: a client that loops on malformed PROXY headers
 * makes the real `echo-server` print at most 10 warnings of that kind per 10 s and one summary
 * line with the count left out, while `/metrics` still counts every one.
 */
import { afterEach, expect, test } from "bun:test";
import { killAll, ServerProcess } from "./fixtures/server/harness.ts";

afterEach(killAll);

const CLIENTS = 500;

/** `count` connections one after another, each sending a malformed PROXY header; resolves when all closed. */
async function malformedHeaders(port: number, count: number): Promise<void> {
	for (let i = 0; i < count; i++) {
		await new Promise<void>((resolve) => {
			Bun.connect({
				hostname: "127.0.0.1",
				port,
				socket: {
					open: (socket) => void socket.write("PROXY BOGUS\r\n"),
					data() {},
					close: () => resolve(),
					error: () => resolve(),
					connectError: () => resolve(),
				},
			});
		});
	}
}

async function floodedServer(args: string[]) {
	const server = new ServerProcess([
		"--port",
		"0",
		"--proxy-protocol",
		"--metrics-port",
		"0",
		...args,
	]);
	const port = await server.listening();
	const url = (await server.waitFor(/Metrics on (http:\/\/127\.0\.0\.1:\d+)\/metrics/))[1];
	await malformedHeaders(port, CLIENTS);
	const page = await (await fetch(`${url}/metrics`)).text();
	const invalid = page
		.split("\n")
		.find((line) =>
			line.startsWith('echokit_proxy_header_failures_total{transport="tcp",reason="invalid"} '),
		);
	expect(invalid?.split(" ")[1]).toBe(`${CLIENTS}`);
	// The windows still open are reported at the stop.
	server.signal("SIGTERM");
	expect(await server.exited()).toBe(0);
	return server;
}

test("500 malformed PROXY headers: a bounded number of warning lines, summaries with the rest's count, /metrics says 500", async () => {
	const server = await floodedServer([]);
	const lines = server.stderr.split("\n");
	const warnings = lines.filter((line) => line.includes("malformed PROXY header"));
	const summaries = lines
		.map((line) =>
			line.match(
				/^echo-server: warning: (\d+) more proxy_header warnings suppressed in the last 10 s \(at most 10 of a kind are printed per 10 s; the metrics count every one\)$/,
			),
		)
		.filter((match) => match !== null);
	const suppressed = summaries.reduce((sum, match) => sum + Number(match[1]), 0);
	expect(summaries.length).toBeGreaterThan(0);
	expect(warnings.length + suppressed).toBe(CLIENTS);
	// At most 10 a window, and a window that left lines out ends with a summary.
	expect(warnings.length).toBeLessThanOrEqual(10 * (summaries.length + 1));
	expect(warnings.length).toBeLessThan(CLIENTS / 2);
});

test("--json: the same limit; the summary line has the event and a suppressed count", async () => {
	const server = await floodedServer(["--json"]);
	const lines = server.stderr
		.split("\n")
		.filter(Boolean)
		.map((line) => JSON.parse(line) as Record<string, unknown>);
	const warnings = lines.filter((line) => String(line.message).includes("malformed PROXY header"));
	const summaries = lines.filter((line) => typeof line.suppressed === "number");
	expect(warnings.every((line) => line.event === "proxy_header" && line.level === "warn")).toBe(
		true,
	);
	expect(summaries.length).toBeGreaterThan(0);
	for (const summary of summaries) {
		expect(summary).toMatchObject({ level: "warn", event: "proxy_header", windowSeconds: 10 });
	}
	const suppressed = summaries.reduce((sum, line) => sum + (line.suppressed as number), 0);
	expect(warnings.length + suppressed).toBe(CLIENTS);
	expect(warnings.length).toBeLessThanOrEqual(10 * (summaries.length + 1));
});
