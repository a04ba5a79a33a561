/**
 * Plugins as `echo-server` users meet them: the `hostname` greeting, `delay` with options from
 * the command line and the config file, `uppercase` for a client that ends lines with CRLF, and a
 * user's plugin that breaks the contract at run time. The real command in a child process, on
 * port 0.
 */
import { afterAll, afterEach, beforeAll, describe, expect, test } from "bun:test";
import { hostname as osHostname } from "node:os";
import { run as runClient } from "./fixtures/client/harness.ts";
import {
	client,
	decoder,
	exchange,
	killAll,
	ROOT,
	ServerProcess,
	scratchDir,
} from "./fixtures/server/harness.ts";

afterEach(killAll);

let scratch: ReturnType<typeof scratchDir>;
beforeAll(() => {
	scratch = scratchDir();
});
afterAll(() => scratch.remove());

/** A path from the repository root, as a user would type it there. */
const fromRoot = (path: string) => `./${path.slice(ROOT.length + 1)}`;

describe("--plugin hostname", () => {
	test("every connection first gets the server's host name, then its echo", async () => {
		const server = new ServerProcess(["--port", "0", "--quiet", "--plugin", "hostname"]);
		const port = await server.listening();
		expect(await exchange(port, "hi")).toBe(`${osHostname()}\nhi`);
		expect(await exchange(port, "again")).toBe(`${osHostname()}\nagain`);
	});

	test("the greeting is not transformed by later plugins; replies are", async () => {
		const args = [
			"--port",
			"0",
			"--framing",
			"lines",
			"--plugin",
			"hostname",
			"--plugin",
			"uppercase",
		];
		const server = new ServerProcess(args);
		expect(await exchange(await server.listening(), "hi\n")).toBe(`${osHostname()}\nHI\n`);
	});

	test("a client that says nothing still learns which instance answered", async () => {
		const server = new ServerProcess(["--port", "0", "--plugin", "hostname"]);
		const c = await client(await server.listening());
		expect(decoder.decode((await c.read()) ?? new Uint8Array())).toBe(`${osHostname()}\n`);
	});
});

describe("--plugin delay:…", () => {
	test("delay:ms=100 delays each reply and keeps their order", async () => {
		const args = ["--port", "0", "--quiet", "--framing", "lines", "--plugin", "delay:ms=100"];
		const server = new ServerProcess(args);
		const port = await server.listening();
		const started = performance.now();
		const lines = ["one", "two", "three", "four"];
		expect(await exchange(port, lines.map((line) => `${line}\n`).join(""))).toBe(
			"one\ntwo\nthree\nfour\n",
		);
		// From below only: a busy machine makes replies later, never earlier.
		expect(performance.now() - started).toBeGreaterThanOrEqual(lines.length * 100 - 5);
	});

	test("with jitter, behind another plugin, and from a config string", async () => {
		scratch.write(
			"echo.config.ts",
			`import { defineConfig } from "@echokit/server";
export default defineConfig({ framing: "lines", quiet: true, plugins: ["uppercase", "delay:ms=30,jitter=20"] });
`,
		);
		const server = new ServerProcess(["--port", "0"], { cwd: scratch.dir });
		const port = await server.listening();
		const started = performance.now();
		expect(await exchange(port, "a\nb\nc\n")).toBe("A\nB\nC\n");
		expect(performance.now() - started).toBeGreaterThanOrEqual(3 * 10 - 5);
	});
});

describe("--plugin uppercase, a client that ends lines with CRLF", () => {
	test("each line is uppercased without its \\r and answered with the terminator it came with", async () => {
		const args = ["--port", "0", "--framing", "lines", "--plugin", "uppercase"];
		const server = new ServerProcess(args);
		const port = await server.listening();
		// echo-client piping a Windows-style text: stdin goes out as is, replies come back to stdout.
		const input = "ping\r\nmixed LF\nlast\r\n";
		const piped = await runClient(["--port", String(port)], Buffer.from(input));
		expect(piped).toEqual({
			code: 0,
			stdout: Buffer.from("PING\r\nMIXED LF\nLAST\r\n"),
			stderr: "",
		});
		// The message the plugins saw, as the transcript shows it: without the \r (shown as `\r`).
		await server.waitFor(/Data received: last/);
		expect(server.stdout).toContain(
			"Data received: ping\nData received: mixed LF\nData received: last\n",
		);
		// A telnet client's \r and \n in separate segments are still one terminator.
		const c = await client(port);
		c.write("split\r");
		await Bun.sleep(10);
		c.write("\nend");
		await c.end();
		expect(decoder.decode(await c.readAll())).toBe("SPLIT\r\nEND");
	});
});

describe("a user's plugin that breaks the contract at run time", () => {
	test("a transform returning undefined: logged with the plugin's name and value, only its connection closes", async () => {
		const file = scratch.write(
			"forgetful.ts",
			`import { definePlugin } from "@echokit/core";
export default definePlugin({
	name: "forgetful",
	// @ts-expect-error the forgotten return this test is about
	transform(message) {
		if (message.text() !== "bad") return null;
	},
});
`,
		);
		const args = ["--port", "0", "--quiet", "--framing", "lines", "--plugin", fromRoot(file)];
		const server = new ServerProcess(args);
		const port = await server.listening();
		const healthy = await client(port);
		await healthy.send("before\n");
		expect(decoder.decode((await healthy.read()) ?? new Uint8Array())).toBe("before\n");

		// The replies due before the bad message go out; then that connection closes.
		expect(await exchange(port, "ok\nbad\nnever\n")).toBe("ok\n");
		await server.waitFor(
			/plugin "forgetful" failed in transform: returned undefined; .* is a return missing\? \(E_PLUGIN_RESULT, connection #2 127\.0\.0\.1:\d+\)/,
			"stderr",
		);
		// Logged once, and everyone else goes on.
		expect(server.stderr.match(/returned undefined/g)).toHaveLength(1);
		await healthy.send("after\n");
		expect(decoder.decode((await healthy.read()) ?? new Uint8Array())).toBe("after\n");
		expect(await exchange(port, "fresh\n")).toBe("fresh\n");
	});
});

test("a plugin that never finishes loading is reported, not a silent hang", async () => {
	const file = scratch.write(
		"never.ts",
		'await new Promise(() => {});\nexport default { name: "never" };\n',
	);
	const server = new ServerProcess(["--port", "0", "--plugin", fromRoot(file)]);
	await server.waitFor(
		/warning: still loading plugin .*never\.ts after 3 s: does a top-level await or its factory never settle\?/,
		"stderr",
	);
	expect(server.stdout).not.toContain("Listening on");
});

test("a file whose name holds a ':' is that file, not options", async () => {
	const file = scratch.write("odd:name=1.ts", 'export default { name: "odd" };\n');
	const server = new ServerProcess(["--port", "0", "--quiet", "--plugin", fromRoot(file)]);
	expect(await exchange(await server.listening(), "x")).toBe("x");
});

test("--json: a plugin failure carries its code, plugin, hook and connection as fields", async () => {
	const file = scratch.write(
		"parse.ts",
		'export default { name: "parse", transform(m: { text(): string }) { throw new Error("not a number: " + m.text()); } };\n',
	);
	const args = [
		"--port",
		"0",
		"--json",
		"--quiet",
		"--framing",
		"lines",
		"--plugin",
		fromRoot(file),
	];
	const server = new ServerProcess(args);
	const port = await server.listening();
	expect(await exchange(port, "abc\n")).toBe("");
	await server.waitFor(/"level":"error"/, "stderr");
	const line = JSON.parse(server.stderr.split("\n").find((l) => l.includes('"error"')) ?? "{}");
	expect(line).toMatchObject({
		level: "error",
		message: expect.stringMatching(
			/^plugin "parse" failed in transform: not a number: abc \(E_PLUGIN, connection #1 /,
		),
		code: "E_PLUGIN",
		plugin: "parse",
		hook: "transform",
		connection: 1,
		remote: expect.stringMatching(/^127\.0\.0\.1:\d+$/),
	});
});

test("a start hook that never settles is reported, not a silent half-start", async () => {
	const file = scratch.write(
		"never-starts.ts",
		'export default { name: "never-starts", start: () => new Promise(() => {}) };\n',
	);
	const server = new ServerProcess(["--port", "0", "--plugin", fromRoot(file)]);
	await server.waitFor(
		/warning: still starting after 3 s: does a plugin's start hook never settle\?/,
		"stderr",
	);
	expect(server.stdout).not.toContain("Listening on");
});
