/**
 * `echo-server` given bad input: bad flags, plugins that cannot load, broken config files, a
 * port in use. Each is one line on stderr naming the problem and its code, no stack trace, and
 * a documented exit code. The real command in a child process.
 */
import { afterAll, afterEach, beforeAll, describe, expect, test } from "bun:test";
import { join } from "node:path";
import type { TCPSocketListener } from "bun";
import { killAll, ROOT, runServer, scratchDir } from "./fixtures/server/harness.ts";

afterEach(killAll);

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
