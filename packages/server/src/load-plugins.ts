/**
 * Turns `--plugin` values and config entries into plugin objects: a builtin name, a file path
 * (relative to the base directory), or an installed package resolved from it.
 */
import { isAbsolute, resolve } from "node:path";
import type { AnyPlugin } from "@echokit/core";
import { CliError, describeError } from "./errors.ts";
import type { PluginEntry } from "./types.ts";

/** The plugins `--plugin NAME` knows without a path, loaded only when named. */
const BUILTINS: Record<string, () => Promise<{ default?: unknown }>> = {
	echo: () => import("@echokit/plugin-echo"),
	uppercase: () => import("@echokit/plugin-uppercase"),
	"log-only": () => import("@echokit/plugin-log-only"),
};

/**
 * Loads every entry, in order. Throws `E_PLUGIN_NOT_FOUND`, `E_PLUGIN_LOAD` or
 * `E_PLUGIN_INVALID`, naming the entry.
 * @example
 * const plugins = await loadPlugins(["uppercase", "./my-plugin.ts"], process.cwd());
 */
export async function loadPlugins(
	entries: readonly PluginEntry[],
	base: string,
): Promise<AnyPlugin[]> {
	const plugins: AnyPlugin[] = [];
	for (const entry of entries) {
		if (typeof entry === "string") plugins.push(await loadByName(entry, base));
		else plugins.push(await toPlugin(entry, "a plugin in the config"));
	}
	return plugins;
}

async function loadByName(spec: string, base: string): Promise<AnyPlugin> {
	const builtin = BUILTINS[spec];
	if (builtin) return toPlugin((await builtin()).default, `plugin "${spec}"`);
	const file = isPath(spec) ? resolveFile(spec, base) : resolvePackage(spec, base);
	let module: { default?: unknown };
	try {
		module = await import(file);
	} catch (error) {
		throw new CliError("E_PLUGIN_LOAD", `plugin ${spec} failed to load: ${describeError(error)}`, {
			cause: error,
		});
	}
	return toPlugin(module.default, `plugin ${spec}`);
}

/** A plugin module's default export: a plugin object, or a factory called without options. */
async function toPlugin(exported: unknown, shown: string): Promise<AnyPlugin> {
	let plugin = exported;
	if (typeof exported === "function") {
		try {
			plugin = await exported();
		} catch (error) {
			throw new CliError(
				"E_PLUGIN_LOAD",
				`${shown} failed to initialize: ${describeError(error)}`,
				{
					cause: error,
				},
			);
		}
	}
	const name = (plugin as { name?: unknown } | null)?.name;
	if (typeof plugin !== "object" || plugin === null || typeof name !== "string" || name === "") {
		throw new CliError(
			"E_PLUGIN_INVALID",
			`${shown} exports no plugin (expected a default export: an object with a string "name", or a factory returning one)`,
		);
	}
	for (const hook of HOOKS) {
		const value = (plugin as Record<string, unknown>)[hook];
		if (value !== undefined && typeof value !== "function") {
			throw new CliError("E_PLUGIN_INVALID", `${shown} ("${name}"): ${hook} is not a function`);
		}
	}
	return plugin as AnyPlugin;
}

const HOOKS = ["start", "stop", "open", "close", "transform"] as const;

/** `./x.ts`, `../x`, `/abs/x.ts` or a bare `x.ts` are files; anything else names a package. */
function isPath(spec: string): boolean {
	return (
		spec === "." ||
		spec === ".." ||
		spec.startsWith("./") ||
		spec.startsWith("../") ||
		isAbsolute(spec) ||
		/\.[cm]?[jt]sx?$/.test(spec)
	);
}

/** Bun's resolver, so `./plugin` finds `./plugin.ts` or a directory's package entry too. */
function resolveFile(spec: string, base: string): string {
	const path = resolve(base, spec);
	try {
		return Bun.resolveSync(path, base);
	} catch (error) {
		throw new CliError(
			"E_PLUGIN_NOT_FOUND",
			`plugin file not found: ${spec} (looked for ${path})`,
			{
				cause: error,
			},
		);
	}
}

function resolvePackage(spec: string, base: string): string {
	try {
		return Bun.resolveSync(spec, base);
	} catch (error) {
		const names = Object.keys(BUILTINS).join(", ");
		throw new CliError(
			"E_PLUGIN_NOT_FOUND",
			`unknown plugin "${spec}": not a builtin (${names}), a file path, or a package installed in ${base}`,
			{ cause: error },
		);
	}
}
