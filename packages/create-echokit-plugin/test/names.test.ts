import { describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { CliError } from "../src/errors.ts";
import { checkPackageName, factoryName, pluginName } from "../src/names.ts";
import { renderFiles } from "../src/template.ts";
import { coreVersion, TOOLCHAIN } from "../src/versions.ts";
import { ROOT } from "./helpers.ts";

/** The `E_NAME` message for `name`, or `undefined` when it is accepted. */
function refusal(name: string): string | undefined {
	try {
		checkPackageName(name, "--name");
		return undefined;
	} catch (error) {
		expect(error).toBeInstanceOf(CliError);
		expect((error as CliError).code).toBe("E_NAME");
		return (error as CliError).message;
	}
}

describe("package names: npm's rules for new packages", () => {
	test.each(["my-plugin", "echokit-plugin-shout", "@me/echokit-plugin-shout", "x.y_z", "a1"])(
		"accepts %p",
		(name) => {
			expect(refusal(name)).toBeUndefined();
		},
	);

	test.each([
		["My-Plugin", /capital letters/],
		["my plugin", /URL-friendly characters \(not " "\)/],
		["a#b", /URL-friendly characters \(not "#"\)/],
		[".hidden", /cannot start with a period/],
		["_private", /cannot start with an underscore/],
		["-dash", /cannot start with a hyphen/],
		["it's", /special characters/],
		["node_modules", /not a valid package name/],
		["fs", /core module name/],
		["x".repeat(215), /more than 214 characters/],
		["@echokit/core", /one of its own dependencies/],
		["typescript", /one of its own dependencies/],
	])("refuses %p, saying why", (name, why) => {
		expect(refusal(name)).toMatch(why);
	});

	test("gives every reason at once, on one line", () => {
		const message = refusal("My Plugin") ?? "";
		expect(message).toContain("capital letters");
		expect(message).toContain("URL-friendly");
		expect(message).not.toContain("\n");
	});
});

describe("the plugin's name and the factory's identifier", () => {
	test.each([
		["my-plugin", "my-plugin"],
		["echokit-plugin-shout", "shout"],
		["@me/echokit-plugin-shout", "shout"],
		["@me/shout", "shout"],
		["echokit-plugin-", "echokit-plugin-"],
		["echokit-plugin", "echokit-plugin"],
	])("package %p → plugin %p", (pkg, plugin) => {
		expect(pluginName(pkg)).toBe(plugin);
	});

	test.each([
		["my-plugin", "myPlugin"],
		["shout", "shout"],
		["x.y_z", "xYZ"],
		["2fa", "plugin2fa"],
		["new", "newPlugin"],
		["define-plugin", "definePluginPlugin"],
		["test", "testFactory"],
		["-", "plugin"],
		["a-very-long-name-that-goes-on-and-on", "aVeryLongNameThat"],
	])("plugin %p → factory %p", (plugin, factory) => {
		expect(factoryName(plugin)).toBe(factory);
		expect(factory.length).toBeLessThanOrEqual(26);
	});
});

describe("versions the generated package.json pins", () => {
	const readJson = (path: string) => JSON.parse(readFileSync(join(ROOT, path), "utf8"));
	const root = readJson("package.json");
	const files = renderFiles({
		packageName: "my-plugin",
		plugin: "my-plugin",
		factory: "myPlugin",
		folder: "my-plugin",
		coreVersion: coreVersion(),
		toolchain: TOOLCHAIN,
	});
	const generated = JSON.parse(files.find((file) => file.path === "package.json")?.text ?? "");

	test("bun-types and typescript: exactly the repository root's pins", () => {
		expect(generated.devDependencies).toEqual({
			"bun-types": root.devDependencies["bun-types"],
			typescript: root.devDependencies.typescript,
		});
	});

	test("@echokit/core: a caret range on this repository's core version", () => {
		const core = readJson("packages/core/package.json");
		expect(generated.dependencies).toEqual({ "@echokit/core": `^${core.version}` });
	});
});
