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

describe("bad input: one line on stderr, no stack trace, a documented exit code", () => {
	let scratch: ReturnType<typeof scratchDir>;
	let busy: TCPSocketListener;
	const path = (name: string) => `./${join(scratch.dir, name).slice(ROOT.length + 1)}`;
	beforeAll(() => {
		scratch = scratchDir();
		busy = Bun.listen({ hostname: "127.0.0.1", port: 0, socket: { data() {} } });
		scratch.write("syntax.ts", "export default {\n\tname: 'x',\n\ttransform( => 1\n");
		scratch.write("throws.ts", 'throw new Error("boom while loading");\n');
		scratch.write("nothing.ts", "export const notAPlugin = 1;\n");
		scratch.write("nameless.ts", "export default () => ({ transform: () => null });\n");
		scratch.write("nameless-object.ts", "export default { transform: () => null };\n");
		scratch.write(
			"factory-factory.ts",
			'function reverse() { return { name: "reverse" }; }\nexport default () => reverse;\n',
		);
		scratch.write("object.ts", 'export default { name: "object" };\n');
		scratch.write("a-class.ts", "export default class Shout { name = 'shout'; }\n");
		scratch.write("a-promise.ts", 'export default Promise.resolve({ name: "later" });\n');
		scratch.folder("empty-folder");
		scratch.write("bad-json/package.json", "{ main: ");
		scratch.write("missing-main/package.json", '{ "main": "./nope.ts" }');
		scratch.write("no-dot-export/package.json", '{ "exports": { "./x": "./x.ts" } }');
		scratch.write(
			"start-fails.ts",
			'export default { name: "grumpy", start() { throw new Error("no start today"); } };\n',
		);
		scratch.write("broken.config.ts", "export default { port: 1,, };\n");
		scratch.write("throwing.config.ts", 'throw new Error("config exploded");\n');
		scratch.write("bad-port.config.ts", "export default { port: 70000 };\n");
		scratch.write("typo.config.ts", "export default { prot: 9000 };\n");
	});
	afterAll(() => {
		busy.stop(true);
		scratch.remove();
	});

	const cases: [string, () => string[], number, RegExp][] = [
		["invalid port", () => ["--port", "70000"], 2, /invalid --port "70000".*0 to 65535/],
		["non-numeric port", () => ["--port=eighty"], 2, /invalid --port "eighty"/],
		["missing value", () => ["--port"], 2, /missing value for --port/],
		[
			"unknown flag",
			() => ["--prot", "9000"],
			2,
			/unknown flag "--prot" \(did you mean --port\?\)/,
		],
		["stray argument", () => ["9000"], 2, /unexpected argument "9000"/],
		[
			"bad --framing",
			() => ["--framing", "words"],
			2,
			/invalid --framing "words": expected raw or lines/,
		],
		["bad --log-level", () => ["--log-level", "loud"], 2, /invalid --log-level "loud"/],
		["unknown plugin name", () => ["--plugin", "uppercas"], 4, /unknown plugin "uppercas"/],
		[
			"missing plugin file",
			() => ["--plugin", "./nope.ts"],
			4,
			/plugin file not found: \.\/nope\.ts/,
		],
		[
			"plugin syntax error",
			() => ["--plugin", path("syntax.ts")],
			4,
			/syntax\.ts failed to load: syntax error: .* \(tests\/fixtures\/server\/tmp-\w+\/syntax\.ts:3:\d+\)/,
		],
		[
			"plugin throws",
			() => ["--plugin", path("throws.ts")],
			4,
			/throws\.ts failed to load: boom while loading \(tests\/fixtures\/server\/tmp-\w+\/throws\.ts:1:\d+\)/,
		],
		[
			"plugin exports nothing",
			() => ["--plugin", path("nothing.ts")],
			4,
			/nothing\.ts has no default export \(it exports notAPlugin\)/,
		],
		[
			"plugin without name",
			() => ["--plugin", path("nameless.ts")],
			4,
			/nameless\.ts: the object its factory returned has no "name"/,
		],
		[
			"plugin object without name",
			() => ["--plugin", path("nameless-object.ts")],
			4,
			/nameless-object\.ts: its default export has no "name"/,
		],
		[
			"a factory returning a factory (uncalled)",
			() => ["--plugin", path("factory-factory.ts")],
			4,
			/its factory returned a function \(reverse\), not a plugin .* Return reverse\(\) instead/,
		],
		[
			"options for a builtin that takes none",
			() => ["--plugin", "uppercase:loud=yes"],
			4,
			/plugin "uppercase": unknown option "loud" \(it takes no options\) \(E_PLUGIN_OPTIONS\)/,
		],
		[
			"an option value the plugin refuses",
			() => ["--plugin", "delay:ms=soon"],
			4,
			/plugin "delay": invalid option ms="soon": expected a number from 0 to 3600000/,
		],
		[
			"an option the plugin does not have",
			() => ["--plugin", "delay:msec=5"],
			4,
			/plugin "delay": unknown option "msec" \(known options: ms, jitter\)/,
		],
		[
			"malformed options",
			() => ["--plugin", "delay:ms=1,,jitter=2"],
			2,
			/invalid plugin options in "delay:ms=1,,jitter=2"/,
		],
		[
			"a class instead of a plugin",
			() => ["--plugin", path("a-class.ts")],
			4,
			/its default export is a class \(Shout\), not a plugin: .* export default \(\) => new Shout\(\)/,
		],
		[
			"a promise instead of a plugin",
			() => ["--plugin", path("a-promise.ts")],
			4,
			/its default export is a promise, not a plugin/,
		],
		[
			"a folder with nothing to load",
			() => ["--plugin", path("empty-folder")],
			4,
			/empty-folder is a folder, but it has no package\.json and there is no index file in it/,
		],
		[
			"a package folder whose package.json is not JSON",
			() => ["--plugin", path("bad-json")],
			4,
			/bad-json: its package\.json is not valid JSON/,
		],
		[
			"a package folder whose main does not exist",
			() => ["--plugin", path("missing-main")],
			4,
			/missing-main: its package\.json names \.\/nope\.ts as the entry, and there is no such file/,
		],
		[
			"a package folder that exports no '.'",
			() => ["--plugin", path("no-dot-export")],
			4,
			/no-dot-export: its package\.json exports no "\." entry to load/,
		],
		[
			"a package name that is a folder here",
			() => ["--plugin", "tests"],
			4,
			/unknown plugin "tests" \(did you mean \.\/tests\?\)/,
		],
		[
			"an option without a value",
			() => ["--plugin", "delay:ms"],
			2,
			/option "ms" has no value \(write NAME:key=value,key=value\)/,
		],
		[
			"options for a module that exports a plugin object",
			() => ["--plugin", `${path("object.ts")}:x=1`],
			4,
			/object\.ts takes no options: it exports a plugin object, not a factory/,
		],
		[
			"plugin start fails",
			() => ["--plugin", path("start-fails.ts")],
			4,
			/"grumpy" failed in start: no start today/,
		],
		[
			"config not found",
			() => ["--config", "nope.config.ts"],
			5,
			/config file not found: nope\.config\.ts/,
		],
		[
			"config syntax error",
			() => ["--config", path("broken.config.ts")],
			5,
			/cannot load config .*syntax error/,
		],
		["config throws", () => ["--config", path("throwing.config.ts")], 5, /config exploded/],
		[
			"config bad value",
			() => ["--config", path("bad-port.config.ts")],
			5,
			/invalid port 70000 in/,
		],
		["config unknown key", () => ["--config", path("typo.config.ts")], 5, /unknown key "prot"/],
	];

	test.each(cases)("%s", async (_, args, exitCode, message) => {
		const given = args();
		// Everything else on port 0, so no case binds 8888.
		const full = given.some((arg) => arg.startsWith("--port")) ? given : [...given, "--port", "0"];
		expectOneLineError(await runServer(full), exitCode, message);
	});

	test("port in use", async () => {
		const result = await runServer(["--port", `${busy.port}`]);
		const message = `port ${busy.port} on 127.0.0.1 is already in use (E_ADDR_IN_USE)`;
		expectOneLineError(result, 3, new RegExp(message.replace(/[()]/g, "\\$&")));
	});

	test("--log-level debug adds the stack trace", async () => {
		const args = ["--port", "0", "--plugin", path("throws.ts"), "--log-level", "debug"];
		const { code, stderr } = await runServer(args);
		expect(code).toBe(4);
		expect(stderr.split("\n")[0]).toMatch(/boom while loading/);
		expect(stderr).toMatch(/^\s+at /m);
	});

	test("--json reports the error as a JSON object with its code", async () => {
		const { code, stderr } = await runServer(["--json", "--port", "70000"]);
		expect(code).toBe(2);
		expect(JSON.parse(stderr)).toMatchObject({ level: "error", code: "E_USAGE", exitCode: 2 });
	});
});

function expectOneLineError(
	{ code, stdout, stderr }: { code: number; stdout: string; stderr: string },
	exitCode: number,
	message: RegExp,
): void {
	expect({ code, stderr }).toMatchObject({ code: exitCode });
	const lines = stderr.trimEnd().split("\n");
	expect(lines).toHaveLength(1);
	expect(lines[0]).toStartWith("echo-server: ");
	expect(lines[0]).toMatch(message);
	expect(lines[0]).toMatch(/\(E_[A-Z_]+\)$/);
	expect(stderr).not.toMatch(/^\s+at /m);
	expect(stdout).not.toContain("Listening on");
}

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
