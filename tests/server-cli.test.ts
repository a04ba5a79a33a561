/**
 * `echo-server` as users run it: the real command in a child process, talked to over real
 * sockets. Every test starts on port 0 and kills what it started.
 */
import { afterAll, afterEach, beforeAll, describe, expect, test } from "bun:test";
import { realpathSync } from "node:fs";
import { join } from "node:path";
import type { TCPSocketListener } from "bun";
import { REPEAT_WINDOW_MS } from "../packages/server/src/signals.ts";
import {
	BIN,
	client,
	decoder,
	exchange,
	FIXTURES,
	killAll,
	ROOT,
	runServer,
	ServerProcess,
	scratchDir,
} from "./fixtures/server/harness.ts";

afterEach(killAll);

describe("start-up and the lab's transcript", () => {
	test("prints Listening on HOST:PORT with the real port, then Connected to / Data received", async () => {
		const server = new ServerProcess(["--port", "0"]);
		const port = await server.listening();
		expect(port).toBeGreaterThan(0);
		expect(server.lines[0]).toBe(`Listening on 127.0.0.1:${port}`);

		const c = await client(port);
		for (const message of ["Hi", "Hello", "123"]) {
			c.write(message);
			expect(decoder.decode((await c.read()) ?? undefined)).toBe(message);
			await server.waitFor(new RegExp(`Data received: ${message}\\n`));
		}
		const connected = server.lines[1] ?? "";
		expect(connected).toMatch(/^Connected to 127\.0\.0\.1:\d+$/);
		expect(server.lines.slice(2)).toEqual([
			"Data received: Hi",
			"Data received: Hello",
			"Data received: 123",
		]);
	});

	test("escapes non-printable bytes and shortens long messages with a byte count", async () => {
		const server = new ServerProcess(["--port", "0", "--framing", "lines"]);
		const port = await server.listening();
		const long = "x".repeat(70_000);
		expect(await exchange(port, `a\x00b\tc\x1b[31m\n${long}\n`)).toBe(
			`a\x00b\tc\x1b[31m\n${long}\n`,
		);
		await server.waitFor(/bytes\)\n/);
		expect(server.lines).toContain("Data received: a\\x00b\\tc\\x1b[31m");
		expect(server.lines).toContain(`Data received: ${"x".repeat(120)}… (70000 bytes)`);
	});

	test("--max-line-bytes reaches core: a longer line closes that connection, with a warning", async () => {
		const args = ["--port", "0", "--framing", "lines", "--max-line-bytes", "8", "--quiet"];
		const server = new ServerProcess(args);
		const port = await server.listening();
		expect(await exchange(port, "short\nmuch too long a line\n")).toBe("short\n");
		await server.waitFor(/longer than 8 bytes/, "stderr");
		expect(await exchange(port, "still up\n")).toBe("still up\n");
	});

	test("--quiet prints start-up but no per-connection or per-message lines", async () => {
		const server = new ServerProcess(["--port", "0", "--quiet"]);
		const port = await server.listening();
		expect(await exchange(port, "Hi")).toBe("Hi");
		server.signal("SIGTERM");
		expect(await server.exited()).toBe(0);
		expect(server.stdout).not.toContain("Connected to");
		expect(server.stdout).not.toContain("Data received");
		expect(server.lines[0]).toBe(`Listening on 127.0.0.1:${port}`);
	});

	test("--json prints one JSON object per line, with fields", async () => {
		const server = new ServerProcess(["--port", "0", "--json"]);
		const port = await server.listening();
		expect(await exchange(port, "Hi")).toBe("Hi");
		server.signal("SIGTERM");
		expect(await server.exited()).toBe(0);
		const lines = server.lines.map((line) => JSON.parse(line));
		expect(lines[0]).toMatchObject({
			level: "info",
			message: `Listening on 127.0.0.1:${port}`,
			port,
		});
		expect(lines[1].message).toMatch(/^Connected to 127\.0\.0\.1:\d+$/);
		expect(lines[2]).toMatchObject({ message: "Data received: Hi", bytes: 2 });
		for (const line of lines) expect(typeof line.time).toBe("string");
	});
});

describe("plugins", () => {
	let scratch: ReturnType<typeof scratchDir>;
	beforeAll(() => {
		scratch = scratchDir();
	});
	afterAll(() => scratch.remove());

	test("builtin by name, file by path and package by name run in the order given", async () => {
		const reversed = new ServerProcess([
			"--port=0",
			"--framing=lines",
			"--plugin",
			`${FIXTURES}/shout.ts`,
			"--plugin",
			"echokit-plugin-reverse",
		]);
		const shouted = new ServerProcess([
			"--port=0",
			"--framing=lines",
			"--plugin=echokit-plugin-reverse",
			"--plugin=uppercase",
			`--plugin=${FIXTURES}/shout.ts`,
		]);
		expect(await exchange(await reversed.listening(), "abc\n")).toBe("!cba\n");
		expect(await exchange(await shouted.listening(), "abc\n")).toBe("CBA!\n");
	});

	test("a plugin file written by a user: a factory importing definePlugin from @echokit/core", async () => {
		const file = scratch.write(
			"double.ts",
			`import { definePlugin } from "@echokit/core";
export default (options = { times: 2 }) =>
	definePlugin({ name: "double", transform: (m) => m.text().repeat(options.times) });
`,
		);
		const relative = `./${file.slice(ROOT.length + 1)}`;
		const server = new ServerProcess(["--port", "0", "--framing", "lines", "--plugin", relative]);
		expect(await exchange(await server.listening(), "ab\ncd\n")).toBe("abab\ncdcd\n");
	});

	test("log-only replies nothing", async () => {
		const server = new ServerProcess(["--port", "0", "--plugin", "log-only"]);
		const port = await server.listening();
		expect(await exchange(port, "into the void")).toBe("");
		await server.waitFor(/into the void/);
	});
});

describe("echo.config.ts", () => {
	let scratch: ReturnType<typeof scratchDir>;
	let busy: TCPSocketListener;
	beforeAll(() => {
		scratch = scratchDir();
		// The config asks for a port that is taken: only a `--port` flag can make it start.
		busy = Bun.listen({ hostname: "127.0.0.1", port: 0, socket: { data() {} } });
		scratch.write(
			"echo.config.ts",
			`import { definePlugin } from "@echokit/core";
import { defineConfig } from "@echokit/server";
const shout = definePlugin({ name: "shout", transform: (m) => \`\${m.text()}!\` });
export default defineConfig({
	port: ${busy.port},
	framing: "lines",
	quiet: true,
	plugins: ["uppercase", shout, "./tag.ts"],
});
`,
		);
		scratch.write(
			"tag.ts",
			`export default { name: "tag", transform: (m: { text(): string }) => \`<\${m.text()}>\` };\n`,
		);
	});
	afterAll(() => {
		busy.stop(true);
		scratch.remove();
	});

	test("is found in the working directory; its plugins run in order; flags override it", async () => {
		const server = new ServerProcess(["--port", "0"], { cwd: scratch.dir });
		expect(await exchange(await server.listening(), "hi\n")).toBe("<HI!>\n");
		expect(server.stdout).not.toContain("Data received"); // quiet: true, from the config
	});

	test("--config PATH loads it from elsewhere; relative plugin paths resolve from its folder", async () => {
		const config = join(scratch.dir, "echo.config.ts").slice(ROOT.length + 1);
		const server = new ServerProcess(["--config", config, "--port", "0", "--no-quiet"]);
		const port = await server.listening();
		expect(await exchange(port, "hi\n")).toBe("<HI!>\n");
		await server.waitFor(/Data received: hi\n/);
	});

	test("--plugin replaces the config's plugins, --framing its framing", async () => {
		const args = ["--port", "0", "--plugin", "echokit-plugin-reverse", "--framing", "raw"];
		const server = new ServerProcess(args, { cwd: scratch.dir });
		expect(await exchange(await server.listening(), "ab\n")).toBe("\nba");
	});
});

test("--help lists the flags, plugin options included, without colour codes when piped", async () => {
	const { code, stdout } = await runServer(["--help"]);
	expect(code).toBe(0);
	expect(stdout).toContain("--plugin=<NAME|PATH[:key=value,…]>");
	expect(stdout).toContain("hostname, delay");
	expect(stdout).not.toContain("\u001b[");
});

describe("signals", () => {
	test("SIGTERM with a client owed 1 MiB of replies: all of it arrives, then exit 0", async () => {
		const server = new ServerProcess(["--port", "0", "--json"]);
		const port = await server.listening();
		// A client that stops reading after 1 KiB: the replies wait in the kernel and the server's queue.
		const c = await client({ port, highWaterMark: 1024 });
		const payload = crypto.getRandomValues(new Uint8Array(1024 * 1024));
		c.write(payload);
		await server.waitUntil(
			() => (received(server) === payload.length ? true : undefined),
			"1 MiB read",
		);
		server.signal("SIGTERM");
		await server.waitFor(/SIGTERM: stopping/);
		const echoed = await c.readAll();
		expect(echoed.length).toBe(payload.length);
		expect(Buffer.from(echoed).equals(payload)).toBe(true);
		expect(await server.exited()).toBe(0);
	});

	test("SIGINT on an idle server exits 0", async () => {
		const server = new ServerProcess(["--port", "0"]);
		await server.listening();
		server.signal("SIGINT");
		expect(await server.exited()).toBe(0);
		expect(server.stdout).toContain("SIGINT: stopping");
	});

	test("a second signal exits at once, non-zero, while replies are still owed", async () => {
		const server = new ServerProcess(["--port", "0", "--plugin", `${FIXTURES}/hang.ts`]);
		const c = await client(await server.listening());
		c.write("never answered");
		await server.waitFor(/Data received: never answered/);
		server.signal("SIGTERM");
		await server.waitFor(/SIGTERM: stopping/);
		await Bun.sleep(REPEAT_WINDOW_MS + 100); // a repeat sooner is the same signal, twice
		server.signal("SIGTERM");
		expect(await server.exited()).toBe(143);
		expect(server.stderr).toContain("SIGTERM again");
	});

	test("one Ctrl-C seen twice (the terminal's and bunx's copy) still stops gracefully", async () => {
		const server = new ServerProcess(["--port", "0", "--plugin", "delay:ms=500"]);
		const c = await client(await server.listening());
		c.write("owed");
		await c.end();
		await server.waitFor(/Data received: owed/);
		server.signal("SIGINT");
		server.signal("SIGINT");
		expect(decoder.decode(await c.readAll())).toBe("owed");
		expect(await server.exited()).toBe(0);
		expect(server.stderr).not.toContain("again");
	});
});

describe("bunx echo-server", () => {
	test("node_modules/.bin/echo-server is this workspace's bin", () => {
		expect(realpathSync(join(ROOT, "node_modules/.bin/echo-server"))).toBe(realpathSync(BIN));
	});

	test("`bunx echo-server` from the repository root starts this server", async () => {
		const server = new ServerProcess(["--port", "0"], { command: ["bunx", "echo-server"] });
		const port = await server.listening();
		expect(await exchange(port, "via bunx")).toBe("via bunx");
		server.signal("SIGTERM");
		expect(await server.exited()).toBe(0);
	});
});

/** Bytes the server logged as read, from its `--json` Data received lines. */
function received(server: ServerProcess): number {
	let total = 0;
	for (const line of server.lines) {
		const entry = JSON.parse(line) as { message: string; bytes?: number };
		if (entry.message.startsWith("Data received")) total += entry.bytes ?? 0;
	}
	return total;
}
