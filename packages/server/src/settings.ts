/**
 * What the server runs with: defaults, overridden by the config file, overridden by flags.
 */
import type { Framing } from "@echokit/core";
import type { CliFlags } from "./args.ts";
import type { LoadedConfig } from "./config.ts";
import type { LogLevel, PluginEntry } from "./types.ts";

/** Everything `echo-server` needs to start, resolved. */
export interface Settings {
	host: string;
	port: number;
	framing: Framing;
	/** Absent: core's default (1 MiB). */
	maxLineBytes?: number;
	quiet: boolean;
	logLevel: LogLevel;
	json: boolean;
	/** Plugins in order, with the directory their relative paths and packages resolve from. */
	plugins: { entries: PluginEntry[]; base: string };
}

/** The defaults of every setting, as `--help` and the README state them. */
export const DEFAULTS = {
	host: "127.0.0.1",
	port: 8888,
	framing: "raw",
	quiet: false,
	logLevel: "info",
	json: false,
} as const satisfies Partial<Settings>;

/**
 * Merges flags over the config file over {@link DEFAULTS}. `--plugin` replaces the config's
 * `plugins` as a whole (a chain is one ordered list, not something to merge).
 * @example
 * resolveSettings({ port: 0 }, null, process.cwd()).port; // 0
 */
export function resolveSettings(
	flags: CliFlags,
	config: LoadedConfig | null,
	cwd: string,
): Settings {
	const file = config?.values ?? {};
	const plugins = flags.plugins
		? { entries: flags.plugins, base: cwd }
		: { entries: file.plugins ?? [], base: config?.dir ?? cwd };
	const maxLineBytes = flags.maxLineBytes ?? file.maxLineBytes;
	return {
		host: flags.host ?? file.host ?? DEFAULTS.host,
		port: flags.port ?? file.port ?? DEFAULTS.port,
		framing: flags.framing ?? file.framing ?? DEFAULTS.framing,
		...(maxLineBytes === undefined ? {} : { maxLineBytes }),
		quiet: flags.quiet ?? file.quiet ?? DEFAULTS.quiet,
		logLevel: flags.logLevel ?? file.logLevel ?? DEFAULTS.logLevel,
		json: flags.json ?? file.json ?? DEFAULTS.json,
		plugins,
	};
}
