/**
 * Turns `--plugin` values and config entries into plugin objects: a builtin name, a file path
 * (relative to the base directory), or an installed package resolved from it — each optionally
 * with options (`delay:ms=200`, see plugin-spec.ts) passed to the module's factory.
 */
import { existsSync, readFileSync } from "node:fs";
import { isAbsolute, join, resolve } from "node:path";
import { type AnyPlugin, PluginError } from "@echokit/core";
import { exports } from "resolve.exports";
import { CliError, describeError, describeLoadError } from "./errors.ts";
import { parsePluginSpec } from "./plugin-spec.ts";
import type { PluginEntry } from "./types.ts";

/** The plugins `--plugin NAME` knows without a path, loaded only when named. */
const BUILTINS: Record<string, () => Promise<{ default?: unknown }>> = {
	echo: () => import("@echokit/plugin-echo"),
	uppercase: () => import("@echokit/plugin-uppercase"),
	"log-only": () => import("@echokit/plugin-log-only"),
	hostname: () => import("@echokit/plugin-hostname"),
	delay: () => import("@echokit/plugin-delay"),
};

/** The builtin names, for help and error messages. */
export const BUILTIN_PLUGINS = Object.keys(BUILTINS);

/**
 * Loads every entry, in order. Throws a {@link CliError}, naming the entry: `E_USAGE`
 * (malformed options), `E_PLUGIN_NOT_FOUND`, `E_PLUGIN_LOAD` (syntax error with
 * file:line:column, a throw while loading, a factory that throws), `E_PLUGIN_INVALID` (no
 * default export, no `name`, a factory returning a function, a hook that is not a function) or
 * `E_PLUGIN_OPTIONS` (options the plugin refuses, or options for a plugin without a factory).
 * @example
 * const plugins = await loadPlugins(["uppercase", "delay:ms=200", "./my-plugin.ts"], process.cwd());
 */
export async function loadPlugins(
	entries: readonly PluginEntry[],
	base: string,
): Promise<AnyPlugin[]> {
	const plugins: AnyPlugin[] = [];
	for (const entry of entries) {
		if (typeof entry === "string") plugins.push(await loadByName(entry, base));
		else plugins.push(await toPlugin(entry, "a plugin in the config", undefined));
	}
	return plugins;
}

async function loadByName(spec: string, base: string): Promise<AnyPlugin> {
	const { target, options } = parsePluginSpec(spec);
	const builtin = BUILTINS[target];
	if (builtin) return toPlugin((await builtin()).default, `plugin "${target}"`, options);
	const file = isPath(target) ? resolveFile(target, base) : resolvePackage(target, base);
	let module: Record<string, unknown>;
	try {
		module = await import(file);
	} catch (error) {
		throw new CliError(
			"E_PLUGIN_LOAD",
			`plugin ${target} failed to load: ${describeLoadError(error, base)}`,
			{ cause: error },
		);
	}
	if (module.default === undefined) {
		const named = Object.keys(module);
		const exports = named.length ? `it exports ${named.join(", ")}` : "it exports nothing";
		throw new CliError(
			"E_PLUGIN_INVALID",
			`plugin ${target} has no default export (${exports}): export the plugin, or a factory returning it, as default`,
		);
	}
	return toPlugin(module.default, `plugin ${target}`, options);
}

/**
 * A plugin module's default export (or a config entry): a plugin object, or a factory that is
 * called with the options (`undefined` without any) and returns one, maybe asynchronously.
 */
async function toPlugin(
	exported: unknown,
	shown: string,
	options: Record<string, string> | undefined,
): Promise<AnyPlugin> {
	if (typeof exported !== "function") {
		if (options) {
			throw new CliError(
				"E_PLUGIN_OPTIONS",
				`${shown} takes no options: it exports a plugin object, not a factory`,
			);
		}
		return checkPlugin(exported, shown, "its default export");
	}
	let made: unknown;
	try {
		made = await exported(options);
	} catch (error) {
		if (error instanceof PluginError && error.code === "E_PLUGIN_OPTIONS") {
			throw new CliError("E_PLUGIN_OPTIONS", error.message, { cause: error });
		}
		throw new CliError("E_PLUGIN_LOAD", `${shown} failed to initialize: ${describeError(error)}`, {
			cause: error,
		});
	}
	if (typeof made === "function") {
		const name = made.name || "it";
		throw new CliError(
			"E_PLUGIN_INVALID",
			`${shown}: its factory returned a function (${name}), not a plugin — a factory passed uncalled? Return ${name}() instead`,
		);
	}
	return checkPlugin(made, shown, "the object its factory returned");
}

/** An object with a non-empty string `name` and functions for hooks, or a one-line error. */
function checkPlugin(value: unknown, shown: string, what: string): AnyPlugin {
	if (typeof value !== "object" || value === null) {
		throw new CliError(
			"E_PLUGIN_INVALID",
			`${shown}: ${what} is ${value === null ? "null" : typeof value}, not a plugin (an object with a "name", e.g. definePlugin({ name: "x", … }))`,
		);
	}
	const name = (value as { name?: unknown }).name;
	if (typeof name !== "string" || name === "") {
		const has = name === undefined ? "has no" : "has an empty or non-string";
		throw new CliError(
			"E_PLUGIN_INVALID",
			`${shown}: ${what} ${has} "name" (a plugin needs one for logs and errors, e.g. definePlugin({ name: "reverse", … }))`,
		);
	}
	for (const hook of HOOKS) {
		const hookValue = (value as Record<string, unknown>)[hook];
		if (hookValue !== undefined && typeof hookValue !== "function") {
			throw new CliError("E_PLUGIN_INVALID", `${shown} ("${name}"): ${hook} is not a function`);
		}
	}
	return value as AnyPlugin;
}

const HOOKS = ["start", "stop", "open", "greet", "transform", "close"] as const;

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

/**
 * Bun's resolver, so `./plugin` finds `./plugin.ts` or a folder's `index`; a folder with a
 * `package.json` loads its entry as an import of the package by name would (its `exports`,
 * then `main`), since Bun, like Node, reads only `main` for a folder given by path.
 */
function resolveFile(spec: string, base: string): string {
	const path = resolve(base, spec);
	try {
		return packageEntry(path) ?? Bun.resolveSync(path, base);
	} catch (error) {
		throw new CliError(
			"E_PLUGIN_NOT_FOUND",
			`plugin file not found: ${spec} (looked for ${path})`,
			{ cause: error },
		);
	}
}

/** The entry of the package in folder `dir`, or `undefined` when it has no `package.json`. */
function packageEntry(dir: string): string | undefined {
	const manifest = join(dir, "package.json");
	if (!existsSync(manifest)) return undefined;
	const pkg = JSON.parse(readFileSync(manifest, "utf8")) as { exports?: unknown; main?: string };
	const exported =
		pkg.exports === undefined ? undefined : exports(pkg, ".", { conditions: ["bun"] });
	const entry = exported?.[0] ?? pkg.main;
	return entry ? Bun.resolveSync(join(dir, entry), dir) : undefined;
}

function resolvePackage(spec: string, base: string): string {
	try {
		return Bun.resolveSync(spec, base);
	} catch (error) {
		throw new CliError(
			"E_PLUGIN_NOT_FOUND",
			`unknown plugin "${spec}": not a builtin (${BUILTIN_PLUGINS.join(", ")}), a file path, or a package installed in ${base}`,
			{ cause: error },
		);
	}
}
