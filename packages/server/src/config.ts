/**
 * `echo.config.ts`: the `defineConfig` helper, and loading the file with c12.
 */
import { existsSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { PluginError } from "@echokit/core";
import type { LoadConfigOptions, loadConfig } from "c12";
import { CliError, describeError } from "./errors.ts";
import { SETTINGS, type SettingSpec } from "./setting-table.ts";
import type { EchoConfig } from "./types.ts";
import { InvalidValue } from "./values.ts";

/**
 * Types an `echo.config.ts`. Identity at runtime; flags given on the command line win over it.
 * @example
 * // echo.config.ts
 * import { defineConfig } from "@echokit/server";
 * import reverse from "./my-plugins/reverse.ts";
 * export default defineConfig({ port: 7000, framing: "lines", plugins: ["uppercase", reverse] });
 */
export function defineConfig(config: EchoConfig): EchoConfig {
	return config;
}

/** A config file, loaded and checked. */
export interface LoadedConfig {
	/** Absolute path of the file. */
	file: string;
	/** Its directory: relative plugin paths in it resolve from here. */
	dir: string;
	values: EchoConfig;
}

/**
 * Loads `path` (relative to `cwd`), or else `echo.config.{ts,js,mjs,json,…}` in `cwd` if there is
 * one. Resolves `null` when no path was given and no file exists. Throws `E_CONFIG`.
 * @example
 * const config = await loadConfigFile(undefined, process.cwd());
 */
export async function loadConfigFile(
	path: string | undefined,
	cwd: string,
): Promise<LoadedConfig | null> {
	// Loaded here, not at start-up: c12 brings jiti, which probes the terminal's colours as it
	// loads (and may print a runtime warning), and `--help` or a usage error need neither.
	const c12 = await import("c12");
	let loaded: Awaited<ReturnType<typeof loadConfig>>;
	try {
		loaded = await c12.loadConfig({
			name: "echo",
			cwd,
			...(path ? { configFile: path } : {}),
			// Only the config file: no rc files, package.json key, .env, env-specific or remote layers.
			rcFile: false,
			globalRc: false,
			packageJson: false,
			dotenv: false,
			envName: false,
			extend: false,
			giget: false,
			jiti: nativeImporter,
		});
	} catch (error) {
		const shown = path ?? defaultFile(cwd, c12.SUPPORTED_EXTENSIONS) ?? "echo.config";
		if (error instanceof PluginError && error.code === "E_PLUGIN_OPTIONS") {
			// `delay({ ms: -1 })` in the file: the same code as `--plugin delay:ms=-1`.
			throw new CliError("E_PLUGIN_OPTIONS", `${error.message} (in ${shown})`, { cause: error });
		}
		throw new CliError("E_CONFIG", `cannot load config ${shown}: ${describeError(error)}`, {
			cause: error,
		});
	}
	const file = loaded._configFile;
	if (!file) {
		if (path) throw new CliError("E_CONFIG", `config file not found: ${path}`);
		return null;
	}
	return {
		file,
		dir: dirname(file),
		values: checkConfig(loaded.config, relative(cwd, file) || file),
	};
}

/**
 * c12 loads through jiti, which under Bun tries a native import and, when that throws, runs the
 * file a second time through its own transpiler (a throwing config ran twice, and a syntax error
 * came back in babel's words). Bun imports TypeScript itself: let it, once.
 */
const nativeImporter = {
	async import(id: string, options?: { default?: boolean }) {
		const module = await import(id);
		return options?.default ? (module.default ?? module) : module;
	},
} as unknown as LoadConfigOptions["jiti"];

/** The file c12 picks in `cwd` when no path is given, to name it in errors. */
function defaultFile(cwd: string, extensions: readonly string[]): string | undefined {
	return extensions.map((ext) => `echo.config${ext}`).find((name) => existsSync(join(cwd, name)));
}

/**
 * The check of every key, from the settings table: each setting's config key (and old key) with
 * the check its flag uses, or the file's own shape (`tls: { cert, key }`, `plugins`).
 */
const CHECKS: Record<string, (value: unknown) => unknown> = Object.fromEntries(
	(Object.values(SETTINGS) as SettingSpec[]).flatMap((spec) => {
		const check = spec.configCheck ?? spec.check;
		return [spec.key, spec.oldKey].flatMap((key) => (key === undefined ? [] : [[key, check]]));
	}),
);

/**
 * Checks a config file's exports: every key known to the settings table, every value by its
 * setting's check. `shown` names the file in errors. Throws `E_CONFIG`.
 * @example
 * checkConfig({ port: 7000 }, "echo.config.ts"); // { port: 7000 }
 */
export function checkConfig(config: unknown, shown: string): EchoConfig {
	if (typeof config !== "object" || config === null || Array.isArray(config)) {
		throw new CliError("E_CONFIG", `${shown} exports no config object (use defineConfig({...}))`);
	}
	const values: Record<string, unknown> = {};
	for (const [key, value] of Object.entries(config)) {
		if (key.startsWith("$") || value === undefined) continue; // c12's own keys
		const check = CHECKS[key];
		if (!check) {
			const known = Object.keys(CHECKS).join(", ");
			throw new CliError("E_CONFIG", `unknown key "${key}" in ${shown} (known: ${known})`);
		}
		try {
			values[key] = check(value);
		} catch (error) {
			if (!(error instanceof InvalidValue)) throw error;
			const shownValue = typeof value === "function" ? "a function" : JSON.stringify(value);
			throw new CliError("E_CONFIG", `invalid ${key} ${shownValue} in ${shown}: ${error.message}`);
		}
	}
	checkCombinations(values, shown);
	return values as EchoConfig;
}

/** Keys that make no sense together in one file (the same rules as for flags). */
function checkCombinations(values: EchoConfig, shown: string): void {
	const clash = (message: string) => new CliError("E_CONFIG", `${message} in ${shown}`);
	if (values.maxLineBytes !== undefined && values.maxMessageBytes !== undefined) {
		throw clash("maxLineBytes is the old name of maxMessageBytes: set only maxMessageBytes");
	}
	if (values.unix === undefined) return;
	if (values.host !== undefined || values.port !== undefined) {
		throw clash("unix replaces host and port: set one or the other");
	}
	if (values.udp) throw clash("udp needs a port: it cannot be used with unix");
	if (values.workers !== undefined && values.workers !== 1) {
		throw clash("workers share a TCP port: they cannot be used with unix");
	}
}
