/**
 * `echo-server`'s limits as users set them: --max-connections, --idle-timeout,
 * --max-message-bytes, --high-water-mark, from flags and from echo.config.ts, on the real command.
 */
import { afterAll, afterEach, beforeAll, describe, expect, test } from "bun:test";
import type { EchoClient } from "@echokit/core";
import {
	client,
	decoder,
	eventually,
	killAll,
	runServer,
	ServerProcess,
	scratchDir,
} from "./fixtures/server/harness.ts";

afterEach(killAll);

/** Writes `text` and reads the same number of bytes back. */
async function roundTrip(c: EchoClient, text: string): Promise<string> {
	c.write(text);
	return decoder.decode(await c.readBytes(Buffer.byteLength(text)));
}

describe("--max-connections", () => {
	test("the connection over the limit is closed at once, with a warning; a freed slot is reused", async () => {
		const server = new ServerProcess(["--port", "0", "--max-connections", "2", "--quiet"]);
		const port = await server.listening();
		const first = await client(port);
		const second = await client(port);
		// A round trip on each: both are surely counted before the third arrives.
		expect(await roundTrip(first, "one")).toBe("one");
		expect(await roundTrip(second, "two")).toBe("two");

		const third = await client(port);
		expect(await third.readAll()).toHaveLength(0);
		await server.waitFor(/warning: refusing .*2 connections open \(maxConnections\)/, "stderr");
		expect(await roundTrip(first, "still served")).toBe("still served");

		first.close();
		// The slot frees when the server has seen the close: retry until a new client is served.
		const served = await eventually(async () => {
			const c = await client(port);
			c.write("x");
			await c.end();
			return decoder.decode(await c.readAll()) === "x" ? true : undefined;
		}, "a freed slot");
		expect(served).toBe(true);
	});
});

describe("--idle-timeout", () => {
	test("0.3 s: an idle client is closed and the reason logged; the server goes on", async () => {
		const server = new ServerProcess(["--port", "0", "--idle-timeout", "0.3", "--quiet"]);
		const port = await server.listening();
		const idle = await client(port);
		expect(await roundTrip(idle, "hello")).toBe("hello");
		// Nothing more is sent: the server closes it (the wait is bounded by the harness).
		expect(await idle.readAll()).toHaveLength(0);
		await server.waitFor(/closing connection #1 .*idle for 300 ms \(idle timeout\)/, "stderr");
		const next = await client(port);
		expect(await roundTrip(next, "still up")).toBe("still up");
	});
});

describe("--max-message-bytes", () => {
	test("100 with lines: a 200-byte line closes that connection with a reason; others unaffected", async () => {
		const args = ["--port", "0", "--framing", "lines", "--max-message-bytes", "100", "--quiet"];
		const server = new ServerProcess(args);
		const port = await server.listening();
		const bystander = await client(port);
		expect(await roundTrip(bystander, "before\n")).toBe("before\n");

		const offender = await client(port);
		offender.write(`fits\n${"x".repeat(200)}\n`);
		await offender.end();
		expect(decoder.decode(await offender.readAll())).toBe("fits\n");
		await server.waitFor(/closing connection #2 .*line longer than 100 bytes/, "stderr");

		expect(await roundTrip(bystander, `${"y".repeat(100)}\n`)).toBe(`${"y".repeat(100)}\n`);
	});
});

describe("echo.config.ts keys, and flags over them", () => {
	let scratch: ReturnType<typeof scratchDir>;
	beforeAll(() => {
		scratch = scratchDir();
		scratch.write(
			"echo.config.ts",
			`import { defineConfig } from "@echokit/server";
export default defineConfig({
	framing: "lines",
	maxConnections: 1,
	idleTimeout: 0,
	maxMessageBytes: 10,
	highWaterMark: 4096,
	quiet: true,
});
`,
		);
	});
	afterAll(() => scratch.remove());

	test("maxConnections and maxMessageBytes from the file apply", async () => {
		const server = new ServerProcess(["--port", "0"], { cwd: scratch.dir });
		const port = await server.listening();
		const only = await client(port);
		expect(await roundTrip(only, "short\n")).toBe("short\n");
		const over = await client(port);
		expect(await over.readAll()).toHaveLength(0);
		await server.waitFor(/1 connection open \(maxConnections\)/, "stderr");
		only.write("far more than ten bytes\n");
		expect(await only.readAll()).toHaveLength(0);
		await server.waitFor(/line longer than 10 bytes/, "stderr");
	});

	test("flags win: --max-connections 2 --max-message-bytes 100", async () => {
		const args = ["--port", "0", "--max-connections", "2", "--max-message-bytes", "100"];
		const server = new ServerProcess(args, { cwd: scratch.dir });
		const port = await server.listening();
		const line = `${"z".repeat(50)}\n`;
		const [a, b] = [await client(port), await client(port)];
		expect(await roundTrip(a, line)).toBe(line);
		expect(await roundTrip(b, line)).toBe(line);
		expect(server.stderr).toBe("");
	});
});

describe("bad values: exit 2 with one line on stderr", () => {
	const cases: [string[], RegExp][] = [
		[["--max-connections", "0"], /invalid --max-connections "0": expected a whole number/],
		[["--idle-timeout", "-1"], /invalid --idle-timeout "-1": expected a number of seconds/],
		[["--idle-timeout", "soon"], /invalid --idle-timeout "soon"/],
		[["--max-message-bytes", "1.5"], /invalid --max-message-bytes "1\.5"/],
		[["--high-water-mark", "1MB"], /invalid --high-water-mark "1MB"/],
		[["--workers", "0"], /invalid --workers "0"/],
		[["--tls-cert", "cert.pem"], /--tls-cert and --tls-key go together/],
		[["--unix", "/tmp/x.sock", "--udp"], /--udp needs a port/],
		[["--unix", "/tmp/x.sock", "--workers", "2"], /--workers shares a TCP port/],
	];

	test("each flag is checked, by the real command", async () => {
		const results = await Promise.all(cases.map(([args]) => runServer(args)));
		results.forEach(({ code, stdout, stderr }, i) => {
			const [args, message] = cases[i] as [string[], RegExp];
			expect({ args, code }).toEqual({ args, code: 2 });
			const lines = stderr.trimEnd().split("\n");
			expect(lines).toHaveLength(1);
			expect(lines[0]).toMatch(message);
			expect(lines[0]).toEndWith("(E_USAGE)");
			expect(stdout).toBe("");
		});
	});

	test("a bad value in echo.config.ts: exit 5", async () => {
		const scratch = scratchDir();
		try {
			scratch.write("bad.config.json", JSON.stringify({ idleTimeout: "5 minutes" }));
			const { code, stderr } = await runServer(["--config", `${scratch.dir}/bad.config.json`]);
			expect(code).toBe(5);
			expect(stderr).toMatch(/^echo-server: invalid idleTimeout "5 minutes" in .*\(E_CONFIG\)\n$/);
		} finally {
			scratch.remove();
		}
	});
});
