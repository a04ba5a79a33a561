import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { defineConfig, loadConfigFile } from "../src/config.ts";
import { CliError } from "../src/errors.ts";
import { DEFAULTS, resolveSettings } from "../src/settings.ts";

let dir: string;
const write = (name: string, text: string) => writeFileSync(join(dir, name), text);

beforeAll(() => {
	// Inside the repository, so `@echokit/*` imports in the files resolve.
	dir = mkdtempSync(join(import.meta.dir, "tmp-"));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function configError(path: string): Promise<string> {
	try {
		await loadConfigFile(path, dir);
	} catch (error) {
		expect(error).toBeInstanceOf(CliError);
		expect((error as CliError).exitCode).toBe(5);
		return (error as CliError).message;
	}
	throw new Error(`no error for ${path}`);
}

test("defineConfig is the identity", () => {
	const config = { port: 7000, plugins: ["uppercase"] };
	expect(defineConfig(config)).toBe(config);
});

describe("loadConfigFile", () => {
	test("no path and no echo.config.* in the directory: null", async () => {
		expect(await loadConfigFile(undefined, dir)).toBeNull();
	});

	test("finds echo.config.ts, keeps plugin objects as they are", async () => {
		const sub = mkdtempSync(join(dir, "found-"));
		writeFileSync(
			join(sub, "echo.config.ts"),
			`import { defineConfig } from "@echokit/server";
export const shout = { name: "shout", transform: () => "!" };
export default defineConfig({ port: 7000, framing: "lines", plugins: [shout, "uppercase"] });
`,
		);
		const loaded = await loadConfigFile(undefined, sub);
		expect(loaded?.file).toBe(join(sub, "echo.config.ts"));
		expect(loaded?.dir).toBe(sub);
		expect(loaded?.values.port).toBe(7000);
		const [shout, name] = loaded?.values.plugins ?? [];
		expect(typeof (shout as { transform?: unknown }).transform).toBe("function");
		expect(name).toBe("uppercase");
	});

	test("a JSON config by path", async () => {
		write("echo.json", JSON.stringify({ host: "0.0.0.0", quiet: true, logLevel: "warn" }));
		const loaded = await loadConfigFile("echo.json", dir);
		expect(loaded?.values).toEqual({ host: "0.0.0.0", quiet: true, logLevel: "warn" });
	});

	test("runs the file once, even when it throws", async () => {
		write(
			"count.config.ts",
			"globalThis.__loads = (globalThis.__loads ?? 0) + 1;\nthrow new Error('nope');\n",
		);
		expect(await configError("count.config.ts")).toContain(
			"cannot load config count.config.ts: nope",
		);
		expect((globalThis as { __loads?: number }).__loads).toBe(1);
	});

	test.each([
		["missing.config.ts", "", "config file not found: missing.config.ts"],
		["syntax.config.ts", "export default { port: 1,, };", "syntax error"],
		["array.config.ts", "export default [1];", "exports no config object"],
		["port.config.ts", "export default { port: 70000 };", "invalid port 70000 in port.config.ts"],
		["port2.config.ts", 'export default { port: "x" };', 'invalid port "x"'],
		["framing.config.ts", 'export default { framing: "words" };', "expected raw or lines"],
		["plugins.config.ts", 'export default { plugins: "uppercase" };', "invalid plugins"],
		["plugins2.config.ts", "export default { plugins: [42] };", "invalid plugins"],
		["key.config.ts", "export default { prot: 1 };", 'unknown key "prot"'],
		["mc.config.ts", "export default { maxConnections: 0 };", "invalid maxConnections 0"],
		["mc2.config.ts", 'export default { maxConnections: "x" };', 'invalid maxConnections "x"'],
		["idle.config.ts", "export default { idleTimeout: -1 };", "invalid idleTimeout -1"],
		["idle2.config.ts", 'export default { idleTimeout: "5m" };', 'invalid idleTimeout "5m"'],
		["mmb.config.ts", "export default { maxMessageBytes: 1.5 };", "invalid maxMessageBytes 1.5"],
		["hwm.config.ts", "export default { highWaterMark: 0 };", "invalid highWaterMark 0"],
		["udp.config.ts", 'export default { udp: "yes" };', 'invalid udp "yes"'],
		["w.config.ts", "export default { workers: 0 };", "invalid workers 0"],
		["w2.config.ts", 'export default { workers: "all" };', 'invalid workers "all"'],
		["unix.config.ts", 'export default { unix: "" };', 'invalid unix ""'],
		["tls.config.ts", 'export default { tls: { cert: "c.pem" } };', "invalid tls"],
		["tls2.config.ts", 'export default { tls: "c.pem" };', "expected { cert"],
		[
			"both.config.ts",
			"export default { maxLineBytes: 1, maxMessageBytes: 2 };",
			"maxLineBytes is the old name of maxMessageBytes",
		],
		[
			"unixport.config.ts",
			'export default { unix: "/s", port: 1 };',
			"unix replaces host and port: set one or the other in unixport.config.ts",
		],
		["unixudp.config.ts", 'export default { unix: "/s", udp: true };', "udp needs a port"],
		["unixw.config.ts", 'export default { unix: "/s", workers: "auto" };', "workers share"],
	])("%s is a config error", async (name, text, message) => {
		if (text) write(name, text);
		expect(await configError(name)).toContain(message);
	});
});

test("every limit, transport and workers key, checked and kept", async () => {
	const values = {
		maxConnections: 2,
		idleTimeout: 0.5,
		maxMessageBytes: 100,
		highWaterMark: 65536,
		tls: { cert: "c.pem", key: "k.pem" },
		udp: true,
		workers: "auto",
	};
	write("all.config.json", JSON.stringify(values));
	expect((await loadConfigFile("all.config.json", dir))?.values).toEqual(values as never);
	write("unix.config.json", JSON.stringify({ unix: "/tmp/e.sock", workers: 1 }));
	expect((await loadConfigFile("unix.config.json", dir))?.values).toEqual({
		unix: "/tmp/e.sock",
		workers: 1,
	});
});

describe("resolveSettings", () => {
	const config = {
		file: "/x/echo.config.ts",
		dir: "/x",
		values: { port: 7000, framing: "lines" as const, plugins: ["uppercase"], quiet: true },
	};

	test("defaults when nothing is given", () => {
		expect(resolveSettings({}, null, "/cwd")).toEqual({
			...DEFAULTS,
			plugins: { entries: [], base: "/cwd" },
		});
	});

	test("the config over defaults; its plugin paths resolve from its folder", () => {
		const settings = resolveSettings({}, config, "/cwd");
		expect(settings).toMatchObject({
			port: 7000,
			framing: "lines",
			quiet: true,
			host: "127.0.0.1",
		});
		expect(settings.plugins).toEqual({
			entries: ["uppercase"],
			base: "/x",
			file: "../x/echo.config.ts",
		});
	});

	test("flags over the config; --plugin replaces its list, from the working directory", () => {
		const flags = { port: 0, quiet: false, plugins: ["./a.ts"] };
		const settings = resolveSettings(flags, config, "/cwd");
		expect(settings).toMatchObject({ port: 0, quiet: false, framing: "lines" });
		expect(settings.plugins).toEqual({ entries: ["./a.ts"], base: "/cwd" });
	});
});
