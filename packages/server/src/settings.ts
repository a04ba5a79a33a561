/**
 * What the server runs with: the defaults, overridden by the config file, overridden by the
 * environment, overridden by flags. Which settings exist, and their defaults, is the table's
 * business (setting-table.ts); this file only merges.
 */
import { availableParallelism } from "node:os";
import { isAbsolute, relative, resolve } from "node:path";
import type { LoadedConfig } from "./config.ts";
import { CliError } from "./errors.ts";
import {
	DEFAULTS,
	type DefaultedName,
	SETTINGS,
	type SettingLayer,
	type SettingName,
	type SettingSpec,
	type SettingValue,
} from "./setting-table.ts";
import type { PluginEntry, TlsFiles } from "./types.ts";
import { MAX_WORKERS } from "./values.ts";

export { DEFAULTS };

/** Settings merged by their own rules below, not by plain precedence. */
type Special = "unix" | "tlsCert" | "tlsKey" | "plugins" | "workers" | "config";

/**
 * Everything `echo-server` needs to start, resolved: every setting of the table, present when
 * it has a default (optional otherwise: `maxConnections`, `unix`), plus `tls`, `workers` and
 * `plugins` in their resolved shapes.
 */
export type Settings = { [K in Exclude<DefaultedName, Special>]: SettingValue<K> } & {
	[K in Exclude<SettingName, DefaultedName | Special>]?: SettingValue<K>;
} & {
	/** Listen on this Unix domain socket instead of `host:port`. */
	unix?: string;
	/** Certificate and key files, when serving TLS. */
	tls?: TlsFiles;
	/** Processes sharing the port; `1` = this process alone. */
	workers: number;
	/** Plugins in order, with the directory their relative paths and packages resolve from. */
	plugins: {
		entries: PluginEntry[];
		base: string;
		/** The config file they come from, as errors name it; absent for `--plugin`. */
		file?: string;
	};
};

/**
 * Merges flags over the environment over the config file over {@link DEFAULTS}. `--plugin`
 * replaces the config's `plugins` as a whole (a chain is one ordered list, not something to
 * merge); `--tls-cert` and `--tls-key` replace its `tls`; `--unix` replaces its `host`/`port`,
 * and `--host`/`--port` its `unix` — and so do their environment variables over the file, and
 * flags over the environment. Relative paths in the file resolve from its folder. Throws
 * `E_USAGE` when two sources ask for things that do not go together (`--udp` with the file's
 * `unix`).
 * @example
 * resolveSettings({ port: 0 }, null, process.cwd()).port; // 0
 */
export function resolveSettings(
	flags: SettingLayer,
	config: LoadedConfig | null,
	cwd: string,
	env: SettingLayer = {},
): Settings {
	const file = config?.values ?? {};
	const dir = config?.dir ?? cwd;
	const shown = config ? relative(cwd, config.file) || config.file : "the config";
	const fromFile = (path: string) => (isAbsolute(path) ? path : resolve(dir, path));
	const fileLayer = fileValues(config);
	/** Highest first; each with how an error names a setting it gave. */
	const sources = [
		{ layer: flags, name: (name: SettingName) => `--${SETTINGS[name].flag}` },
		{ layer: env, name: (name: SettingName) => SETTINGS[name].env },
		{ layer: fileLayer, name: (name: SettingName) => `${configKey(name)} in ${shown}` },
	];
	const pick = <K extends SettingName>(name: K): SettingValue<K> | undefined =>
		sources.map(({ layer }) => layer[name]).find((value) => value !== undefined);
	const from = (name: SettingName) =>
		sources.find(({ layer }) => layer[name] !== undefined)?.name(name) ?? name;

	const values: Record<string, unknown> = {};
	for (const [name, spec] of Object.entries(SETTINGS) as [SettingName, SettingSpec][]) {
		if (SPECIAL.has(name)) continue;
		const value = pick(name) ?? spec.default;
		if (value !== undefined) values[name] = value;
	}
	// The highest source that names an address decides between a Unix socket and host/port.
	const address = sources.find(
		({ layer }) => layer.unix !== undefined || layer.host !== undefined || layer.port !== undefined,
	);
	const unix =
		address?.layer === fileLayer ? file.unix && fromFile(file.unix) : address?.layer.unix;
	const tlsFlags = [flags, env].find((layer) => layer.tlsCert !== undefined);
	const tls = tlsFlags
		? { cert: tlsFlags.tlsCert as string, key: tlsFlags.tlsKey as string }
		: file.tls && { cert: fromFile(file.tls.cert), key: fromFile(file.tls.key) };
	const pluginList = flags.plugins ?? env.plugins;
	const plugins = pluginList
		? { entries: pluginList, base: cwd }
		: {
				entries: file.plugins ?? [],
				base: dir,
				...(config ? { file: shown } : {}),
			};
	const settings = {
		...values,
		...(unix === undefined ? {} : { unix }),
		...(tls ? { tls } : {}),
		workers: resolveWorkers(pick("workers") ?? DEFAULTS.workers),
		plugins,
	} as Settings;
	if (settings.unix !== undefined) {
		// Same-source clashes were caught where each source was read: this one is mixed.
		const unixFrom = from("unix");
		if (settings.udp) {
			throw new CliError(
				"E_USAGE",
				`${from("udp")} needs a port: it cannot be used with ${unixFrom}`,
			);
		}
		if (settings.workers > 1) {
			throw new CliError(
				"E_USAGE",
				`${from("workers")} shares a TCP port: it cannot be used with ${unixFrom}`,
			);
		}
	}
	if (settings.wsPort !== undefined && settings.workers > 1) {
		throw new CliError(
			"E_USAGE",
			`${from("wsPort")} cannot be used with ${from("workers")} yet: one process serves WebSocket`,
		);
	}
	checkProxySettings(settings, from, tlsFlags ? from("tlsCert") : `tls in ${shown}`);
	const clash = portClash(settings, from);
	if (clash) throw new CliError("E_USAGE", clash);
	return settings;
}

/**
 * Two of the server's own TCP listeners (echo, WebSocket, metrics) given one fixed port on
 * addresses that overlap: the second bind would fail as "already in use", blaming a listener
 * of its own. Port 0 (the kernel's pick) never clashes; UDP shares the echo port by design.
 */
function portClash(settings: Settings, from: (name: SettingName) => string): string | undefined {
	const wildcard = (host: string) => host === "0.0.0.0" || host === "::";
	const overlap = (a: string, b: string) => a === b || wildcard(a) || wildcard(b);
	const listeners: { name: SettingName; port: number | undefined; host: string }[] = [
		{
			name: "port",
			port: settings.unix === undefined ? settings.port : undefined,
			host: settings.host,
		},
		{ name: "wsPort", port: settings.wsPort, host: settings.host },
		{ name: "metricsPort", port: settings.metricsPort, host: settings.metricsHost },
	];
	for (const [i, a] of listeners.entries()) {
		for (const b of listeners.slice(i + 1)) {
			if (a.port && a.port === b.port && overlap(a.host, b.host)) {
				return `${from(a.name)} and ${from(b.name)} are both port ${a.port}: each listener needs a port of its own`;
			}
		}
	}
	return undefined;
}

/**
 * The PROXY protocol settings that do not go together, named as they were given (flag,
 * variable or config key), before core would refuse them in its own option names.
 */
function checkProxySettings(
	settings: Settings,
	from: (name: SettingName) => string,
	tlsFrom: string,
): void {
	const usage = (message: string) => new CliError("E_USAGE", message);
	if (settings.proxyFrom !== undefined && !settings.proxyProtocol) {
		throw usage(
			`${from("proxyFrom")} lists the proxies trusted to send a PROXY header: it needs --proxy-protocol`,
		);
	}
	if (!settings.proxyProtocol) return;
	if (settings.tls) {
		throw usage(
			`${from("proxyProtocol")} cannot be used with TLS (${tlsFrom}): the PROXY header comes before the TLS handshake; terminate TLS at the proxy`,
		);
	}
	if (settings.proxyFrom !== undefined && settings.unix !== undefined) {
		throw usage(
			`${from("proxyFrom")} cannot be used with ${from("unix")}: a Unix socket's peers have no address (the file's permissions decide who connects)`,
		);
	}
}

/**
 * The start-up warning when `--proxy-from` leaves listeners open to any peer: its allow-list
 * covers the TCP port only; the WebSocket port (`--ws-port`) and UDP take no PROXY header and
 * check no peer (see the README's PROXY protocol section). Null when nothing is left out.
 * @example
 * proxyFromGaps({ proxyFrom: ["10.0.0.0/8"], wsPort: 8080, udp: false, ... });
 * // "--proxy-from applies to the TCP port only: the WebSocket port (--ws-port) accepts any peer"
 */
export function proxyFromGaps(
	settings: Pick<Settings, "proxyFrom" | "wsPort" | "udp">,
): string | null {
	if (settings.proxyFrom === undefined) return null;
	const open = [
		...(settings.wsPort === undefined ? [] : ["the WebSocket port (--ws-port)"]),
		...(settings.udp ? ["UDP (--udp)"] : []),
	];
	if (open.length === 0) return null;
	const verb = open.length === 1 ? "accepts" : "accept";
	return `--proxy-from applies to the TCP port only: ${open.join(" and ")} ${verb} any peer`;
}

const SPECIAL = new Set<SettingName>(["unix", "tlsCert", "tlsKey", "plugins", "workers", "config"]);

/** The config file's plain values by setting name (`maxLineBytes` counted as `maxMessageBytes`). */
function fileValues(config: LoadedConfig | null): SettingLayer {
	const file = (config?.values ?? {}) as Record<string, unknown>;
	const layer: Record<string, unknown> = {};
	for (const [name, spec] of Object.entries(SETTINGS) as [SettingName, SettingSpec][]) {
		if (spec.key === undefined || spec.configCheck) continue;
		const value = file[spec.key] ?? (spec.oldKey === undefined ? undefined : file[spec.oldKey]);
		if (value !== undefined) layer[name] = value;
	}
	return layer;
}

/** How the config file names a setting (`maxLineBytes` is not told apart: rare and deprecated). */
function configKey(name: SettingName): string {
	const spec: SettingSpec = SETTINGS[name];
	return spec.key ?? name;
}

/** `auto`: one process per core this process may use. */
function resolveWorkers(workers: number | "auto"): number {
	return workers === "auto" ? Math.min(MAX_WORKERS, Math.max(1, availableParallelism())) : workers;
}
