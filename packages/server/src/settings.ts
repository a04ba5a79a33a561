/**
 * What the server runs with: defaults, overridden by the config file, overridden by flags.
 */
import { availableParallelism } from "node:os";
import { isAbsolute, relative, resolve } from "node:path";
import type { Framing } from "@echokit/core";
import type { CliFlags } from "./args.ts";
import type { LoadedConfig } from "./config.ts";
import { CliError } from "./errors.ts";
import type { LogLevel, PluginEntry, TlsFiles } from "./types.ts";
import { MAX_WORKERS } from "./values.ts";

/** Everything `echo-server` needs to start, resolved. */
export interface Settings {
	host: string;
	port: number;
	/** Listen on this Unix domain socket instead of `host:port`. */
	unix?: string;
	framing: Framing;
	/** Longest line in `lines` framing, in bytes. */
	maxMessageBytes: number;
	/** Connections served at once, per process; absent: core derives it from the open-file limit. */
	maxConnections?: number;
	/** Seconds without traffic before a connection is closed; `0` = never. */
	idleTimeout: number;
	/** With TLS: seconds a connection may take to finish its handshake; `0` = no limit. */
	handshakeTimeout: number;
	/** Seconds a stop keeps serving open connections before ending them. */
	drainTimeout: number;
	/** Queued reply bytes per connection above which the server stops reading from it. */
	highWaterMark: number;
	/** Certificate and key files, when serving TLS. */
	tls?: TlsFiles;
	udp: boolean;
	/** Processes sharing the port; `1` = this process alone. */
	workers: number;
	quiet: boolean;
	logLevel: LogLevel;
	json: boolean;
	/** Plugins in order, with the directory their relative paths and packages resolve from. */
	plugins: {
		entries: PluginEntry[];
		base: string;
		/** The config file they come from, as errors name it; absent for `--plugin`. */
		file?: string;
	};
}

/** The defaults of every setting, as `--help` and the README state them. */
export const DEFAULTS = {
	host: "127.0.0.1",
	port: 8888,
	framing: "raw",
	maxMessageBytes: 1024 * 1024,
	idleTimeout: 300,
	handshakeTimeout: 5,
	drainTimeout: 5,
	highWaterMark: 1024 * 1024,
	udp: false,
	workers: 1,
	quiet: false,
	logLevel: "info",
	json: false,
} as const satisfies Partial<Settings>;

/**
 * Merges flags over the config file over {@link DEFAULTS}. `--plugin` replaces the config's
 * `plugins` as a whole (a chain is one ordered list, not something to merge); `--tls-cert` and
 * `--tls-key` replace its `tls`; `--unix` replaces its `host`/`port`, and `--host`/`--port`
 * its `unix`. Relative paths in the file resolve from its folder. Throws `E_USAGE` when a flag
 * and the file ask for things that do not go together (`--udp` with the file's `unix`).
 * @example
 * resolveSettings({ port: 0 }, null, process.cwd()).port; // 0
 */
export function resolveSettings(
	flags: CliFlags,
	config: LoadedConfig | null,
	cwd: string,
): Settings {
	const file = config?.values ?? {};
	const dir = config?.dir ?? cwd;
	const fromFile = (path: string) => (isAbsolute(path) ? path : resolve(dir, path));
	const plugins = flags.plugins
		? { entries: flags.plugins, base: cwd }
		: {
				entries: file.plugins ?? [],
				base: dir,
				...(config ? { file: relative(cwd, config.file) || config.file } : {}),
			};
	const tcpFlag = flags.host !== undefined || flags.port !== undefined;
	const unix = flags.unix ?? (tcpFlag || file.unix === undefined ? undefined : fromFile(file.unix));
	const tls =
		flags.tlsCert !== undefined && flags.tlsKey !== undefined
			? { cert: flags.tlsCert, key: flags.tlsKey }
			: file.tls && { cert: fromFile(file.tls.cert), key: fromFile(file.tls.key) };
	const workers = resolveWorkers(flags.workers ?? file.workers ?? DEFAULTS.workers);
	// No default here: core derives it from the open-file limit of the process that serves.
	const maxConnections = flags.maxConnections ?? file.maxConnections;
	const settings: Settings = {
		host: flags.host ?? file.host ?? DEFAULTS.host,
		port: flags.port ?? file.port ?? DEFAULTS.port,
		...(unix === undefined ? {} : { unix }),
		framing: flags.framing ?? file.framing ?? DEFAULTS.framing,
		maxMessageBytes:
			flags.maxMessageBytes ??
			file.maxMessageBytes ??
			file.maxLineBytes ??
			DEFAULTS.maxMessageBytes,
		...(maxConnections === undefined ? {} : { maxConnections }),
		idleTimeout: flags.idleTimeout ?? file.idleTimeout ?? DEFAULTS.idleTimeout,
		handshakeTimeout: flags.handshakeTimeout ?? file.handshakeTimeout ?? DEFAULTS.handshakeTimeout,
		drainTimeout: flags.drainTimeout ?? file.drainTimeout ?? DEFAULTS.drainTimeout,
		highWaterMark: flags.highWaterMark ?? file.highWaterMark ?? DEFAULTS.highWaterMark,
		...(tls ? { tls } : {}),
		udp: flags.udp ?? file.udp ?? DEFAULTS.udp,
		workers,
		quiet: flags.quiet ?? file.quiet ?? DEFAULTS.quiet,
		logLevel: flags.logLevel ?? file.logLevel ?? DEFAULTS.logLevel,
		json: flags.json ?? file.json ?? DEFAULTS.json,
		plugins,
	};
	if (settings.unix !== undefined) {
		// Same-source clashes were caught by parseFlags and the config check: this one is mixed.
		const shown = config ? relative(cwd, config.file) || config.file : "the config";
		const from = (flag: string, key: string, value: unknown) =>
			value !== undefined ? flag : `${key} in ${shown}`;
		const unixFrom = from("--unix", "unix", flags.unix);
		if (settings.udp) {
			throw new CliError(
				"E_USAGE",
				`${from("--udp", "udp", flags.udp)} needs a port: it cannot be used with ${unixFrom}`,
			);
		}
		if (settings.workers > 1) {
			const workersFrom = from("--workers", "workers", flags.workers);
			throw new CliError(
				"E_USAGE",
				`${workersFrom} shares a TCP port: it cannot be used with ${unixFrom}`,
			);
		}
	}
	return settings;
}

/** `auto`: one process per core this process may use. */
function resolveWorkers(workers: number | "auto"): number {
	return workers === "auto" ? Math.min(MAX_WORKERS, Math.max(1, availableParallelism())) : workers;
}
