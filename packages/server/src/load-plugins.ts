/**
 * Turns `--plugin` values and config entries into plugin objects: a builtin name, a file path
 * (relative to the base directory), or an installed package resolved from it — each optionally
 * with options (`delay:ms=200`, see plugin-spec.ts) passed to the module's factory.
 */
import { type AnyPlugin, type Logger, PLUGIN_HOOKS, PluginError } from "@echokit/core";
import { CliError, describeError, describeLoadError } from "./errors.ts";
import { parsePluginSpec } from "./plugin-spec.ts";
import { isExistingPath, resolvePlugin } from "./resolve-plugin.ts";
import { warnIfSlow } from "./slow.ts";
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
 * A plugin still loading after a few seconds is reported through `logger.warn`, again every 10 s.
 * @example
 * const plugins = await loadPlugins(["uppercase", "delay:ms=200", "./my-plugin.ts"], process.cwd());
 */
export async function loadPlugins(
	entries: readonly PluginEntry[],
	base: string,
	logger: Pick<Logger, "warn"> = { warn() {} },
): Promise<AnyPlugin[]> {
	const plugins: AnyPlugin[] = [];
	for (const entry of entries) {
		const shown = typeof entry === "string" ? entry : "a plugin in the config";
		const loading =
			typeof entry === "string" ? loadByName(entry, base) : toPlugin(entry, shown, undefined);
		plugins.push(
			await warnIfSlow(loading, (seconds) =>
				logger.warn(
					`still loading plugin ${shown} after ${seconds} s: does a top-level await or its factory never settle?`,
				),
			),
		);
	}
	return plugins;
}

async function loadByName(spec: string, base: string): Promise<AnyPlugin> {
	// A file whose name holds a `:` is that file, not a target with options.
	const { target, options } = isExistingPath(spec, base)
		? { target: spec, options: undefined }
		: parsePluginSpec(spec);
	const builtin = BUILTINS[target];
	if (builtin) return toPlugin((await builtin()).default, `plugin "${target}"`, options);
	const file = resolvePlugin(target, base, BUILTIN_PLUGINS);
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
	if (isThenable(exported)) {
		throw new CliError(
			"E_PLUGIN_INVALID",
			`${shown}: its default export is a promise, not a plugin (export an async factory instead, or await in the module)`,
		);
	}
	if (
		typeof exported === "function" &&
		/^class\b/.test(Function.prototype.toString.call(exported))
	) {
		throw new CliError(
			"E_PLUGIN_INVALID",
			`${shown}: its default export is a class (${exported.name || "anonymous"}), not a plugin: export an instance or a factory, e.g. export default () => new ${exported.name || "MyPlugin"}()`,
		);
	}
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
	for (const hook of PLUGIN_HOOKS) {
		const hookValue = (value as Record<string, unknown>)[hook];
		if (hookValue !== undefined && typeof hookValue !== "function") {
			throw new CliError("E_PLUGIN_INVALID", `${shown} ("${name}"): ${hook} is not a function`);
		}
	}
	return value as AnyPlugin;
}

function isThenable(value: unknown): boolean {
	return (
		typeof value === "object" &&
		value !== null &&
		typeof (value as { then?: unknown }).then === "function"
	);
}
