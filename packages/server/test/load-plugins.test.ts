import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { CliError } from "../src/errors.ts";
import { loadPlugins } from "../src/load-plugins.ts";

let dir: string;
beforeAll(() => {
	dir = mkdtempSync(join(import.meta.dir, "tmp-"));
	writeFileSync(join(dir, "object.ts"), 'export default { name: "object" };\n');
	writeFileSync(
		join(dir, "factory.ts"),
		'export default (o = { n: "factory" }) => ({ name: o.n });\n',
	);
	writeFileSync(join(dir, "async.ts"), 'export default async () => ({ name: "async" });\n');
	// A plugin package folder that declares its entry only in `exports`, as the example does.
	mkdirSync(join(dir, "folder-package/src"), { recursive: true });
	writeFileSync(
		join(dir, "folder-package/package.json"),
		JSON.stringify({ name: "folder-package", exports: { ".": "./src/entry.ts" } }),
	);
	writeFileSync(join(dir, "folder-package/src/entry.ts"), 'export default { name: "folder" };\n');
	writeFileSync(join(dir, "bad-hook.ts"), 'export default { name: "bad", transform: "yes" };\n');
	writeFileSync(
		join(dir, "factory-throws.ts"),
		'export default () => { throw new Error("no"); };\n',
	);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function loadError(entries: Parameters<typeof loadPlugins>[0]): Promise<CliError> {
	try {
		await loadPlugins(entries, dir);
	} catch (error) {
		expect(error).toBeInstanceOf(CliError);
		expect((error as CliError).exitCode).toBe(4);
		return error as CliError;
	}
	throw new Error("no error");
}

describe("loadPlugins", () => {
	test("builtins by name, in order", async () => {
		const names = ["uppercase", "echo", "log-only", "hostname", "delay"];
		const plugins = await loadPlugins(names, dir);
		expect(plugins.map((plugin) => plugin.name)).toEqual(names);
	});

	test("options after ':' go to the factory as strings; the plugin converts them", async () => {
		const plugins = await loadPlugins(["delay:ms=0", "./factory.ts:n=named"], dir);
		expect(plugins[0]?.transform).toBeUndefined(); // ms=0 is plain echo
		expect(plugins[1]?.name).toBe("named");
	});

	test("the same string works in a config's plugins", async () => {
		const [plugin] = await loadPlugins(["delay:ms=5,jitter=1"], dir);
		expect(plugin?.transform).toBeFunction();
	});

	test("files: an object, a factory (called without options), an async factory", async () => {
		const plugins = await loadPlugins(["./object.ts", "./factory.ts", "./async"], dir);
		expect(plugins.map((plugin) => plugin.name)).toEqual(["object", "factory", "async"]);
	});

	test("a package folder by path loads the entry its exports name", async () => {
		const [plugin] = await loadPlugins(["./folder-package"], dir);
		expect(plugin?.name).toBe("folder");
	});

	test("a package by name, resolved from the base directory", async () => {
		const [plugin] = await loadPlugins(["echokit-plugin-reverse"], dir);
		expect(plugin?.name).toBe("reverse");
	});

	test("config entries: plugin objects and factories as they are", async () => {
		const object = { name: "inline" };
		const plugins = await loadPlugins([object, () => ({ name: "made" })], dir);
		expect(plugins[0]).toBe(object);
		expect(plugins[1]?.name).toBe("made");
	});

	test("errors name the entry and the problem", async () => {
		expect((await loadError(["nope-plugin"])).code).toBe("E_PLUGIN_NOT_FOUND");
		expect((await loadError(["./nope.ts"])).message).toContain("plugin file not found: ./nope.ts");
		expect((await loadError(["./bad-hook.ts"])).message).toContain("transform is not a function");
		const thrown = await loadError(["./factory-throws.ts"]);
		expect(thrown.message).toBe("plugin ./factory-throws.ts failed to initialize: no");
		expect((await loadError([{ nom: "x" } as never])).code).toBe("E_PLUGIN_INVALID");
	});
});
