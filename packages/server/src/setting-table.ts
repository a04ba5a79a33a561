/**
 * The one table of `echo-server`'s settings. Each entry says how the setting is given — its flag,
 * config key and environment variable — its type, default, check and help text; everything else
 * derives from here: the flag parser and `--help` (args.ts), the environment (env.ts), the config
 * file's check (config.ts), the defaults and the merge (settings.ts), and the types `Settings`
 * and `EchoConfig`. Adding a setting is one entry here, plus its use (in `serverOptions` when
 * core needs it).
 *
 * Imports nothing of this package but the pure checks of values.ts, so every reader can import
 * it without a circle.
 * @module
 */
import {
	LOG_LEVELS,
	MAX_WORKERS,
	toAddressRanges,
	toBoolean,
	toDelaySeconds,
	toDrainSeconds,
	toFraming,
	toHost,
	toLogLevel,
	toMaxConnections,
	toPath,
	toPluginList,
	toPluginSpec,
	toPort,
	toPositiveInteger,
	toSeconds,
	toTlsFiles,
	toWorkers,
} from "./values.ts";

/** One setting: how it is given, checked and shown. */
export interface SettingSpec {
	/** The long flag without its dashes: `max-connections` for `--max-connections`. */
	readonly flag: string;
	/** A one-letter short flag (`p` for `-p`). */
	readonly alias?: string;
	/** An old long flag still accepted, documented as an alias (`max-line-bytes`). */
	readonly oldFlag?: string;
	/**
	 * Its key in `echo.config.*`; absent for a setting the file cannot set (`--config`). Two
	 * entries may share one (`tls` holds `--tls-cert` and `--tls-key`); they then give `configCheck`.
	 */
	readonly key?: string;
	/** An old config key still accepted (`maxLineBytes`). */
	readonly oldKey?: string;
	/** The environment variable that sets it (below the flag, above the config file). */
	readonly env?: string;
	/**
	 * `string`: one value (a repeated flag: the last wins). `boolean`: a switch (`--quiet`,
	 * `--quiet=false`, `--no-quiet`; `true`/`false` in the environment). `list`: repeatable, in
	 * order; whitespace-separated in the environment.
	 */
	readonly type: "string" | "boolean" | "list";
	/** Shown as `--flag=<valueHint>` by `--help`. */
	readonly valueHint?: string;
	/** Used when neither flag, environment nor config file sets it; absent: the setting is optional. */
	readonly default?: unknown;
	/** The default as `--help` says it, when that is not the value itself (`from ulimit -n`). */
	readonly shownDefault?: string;
	/** Checks and converts a value, text (flag, environment) or typed (config file); throws `InvalidValue`. */
	readonly check: (value: unknown) => unknown;
	/** The config key's check, when the file gives the value in another shape (`tls: { cert, key }`). */
	readonly configCheck?: (value: unknown) => unknown;
	/** One line for `--help`. */
	readonly help: string;
}

/**
 * Every setting of `echo-server`, in `--help` order, by its name in `Settings` (the config key,
 * where the file sets it alone). The JSDoc of each entry is what `EchoConfig` users see.
 */
export const SETTINGS = {
	/** Address to bind. Default `127.0.0.1`. */
	host: {
		flag: "host",
		key: "host",
		env: "ECHO_SERVER_HOST",
		type: "string",
		default: "127.0.0.1",
		check: toHost,
		help: "Address to bind",
	},
	/** Port to bind, `0` for a free one. Default `8888`. */
	port: {
		flag: "port",
		alias: "p",
		key: "port",
		env: "ECHO_SERVER_PORT",
		type: "string",
		default: 8888,
		check: toPort,
		help: "Port to bind; 0 picks a free one",
	},
	/** Listen on this Unix domain socket instead of `host:port` (relative to the config file). */
	unix: {
		flag: "unix",
		alias: "U",
		key: "unix",
		env: "ECHO_SERVER_UNIX",
		type: "string",
		valueHint: "PATH",
		check: toPath,
		help: "Listen on this Unix domain socket instead of --host/--port",
	},
	tlsCert: {
		flag: "tls-cert",
		key: "tls",
		env: "ECHO_SERVER_TLS_CERT",
		type: "string",
		valueHint: "FILE",
		check: toPath,
		configCheck: toTlsFiles,
		help: "Serve TLS with this PEM certificate (chain); needs --tls-key",
	},
	tlsKey: {
		flag: "tls-key",
		key: "tls",
		env: "ECHO_SERVER_TLS_KEY",
		type: "string",
		valueHint: "FILE",
		check: toPath,
		configCheck: toTlsFiles,
		help: "PEM private key for --tls-cert",
	},
	/** Also serve UDP echo (RFC 862) on the same host and port. Default `false`. */
	udp: {
		flag: "udp",
		alias: "u",
		key: "udp",
		env: "ECHO_SERVER_UDP",
		type: "boolean",
		default: false,
		check: toBoolean,
		help: "Also serve UDP echo (RFC 862) on the same host and port",
	},
	/**
	 * Also serve WebSocket echo (RFC 6455) on the same host, on this port (`0`: a free one): each
	 * WebSocket message is one message through the plugins (`framing` does not apply).
	 */
	wsPort: {
		flag: "ws-port",
		key: "wsPort",
		env: "ECHO_SERVER_WS_PORT",
		type: "string",
		valueHint: "PORT",
		check: toPort,
		help: "Also serve WebSocket echo (RFC 6455) on the same host, this port; 0 picks a free one",
	},
	plugins: {
		flag: "plugin",
		key: "plugins",
		env: "ECHO_SERVER_PLUGINS",
		type: "list",
		valueHint: "NAME|PATH[:key=value,…]",
		check: toPluginSpec,
		configCheck: toPluginList,
		help: "echo, uppercase, log-only, hostname, delay, a file or a package, with options after ':' (delay:ms=200); repeatable, runs in order",
	},
	/** `raw` (default): a message is one socket read. `lines`: one line. */
	framing: {
		flag: "framing",
		key: "framing",
		env: "ECHO_SERVER_FRAMING",
		type: "string",
		valueHint: "raw|lines",
		default: "raw",
		check: toFraming,
		help: "Message framing",
	},
	/** Longest line accepted in `lines` framing, in bytes; a longer one closes that connection. Default 1 MiB. */
	maxMessageBytes: {
		flag: "max-message-bytes",
		oldFlag: "max-line-bytes",
		key: "maxMessageBytes",
		oldKey: "maxLineBytes",
		env: "ECHO_SERVER_MAX_MESSAGE_BYTES",
		type: "string",
		valueHint: "N",
		default: 1024 * 1024,
		check: toPositiveInteger,
		help: "Longest line in lines framing; a longer one closes that connection (alias --max-line-bytes)",
	},
	/**
	 * Connections served at once (per worker); one more is closed at once, with a warning. Default:
	 * the open-file limit (`ulimit -Hn`: Bun raises the soft limit to it) less 32 and 5 % of it
	 * kept free. `--log-level debug` prints the value in use.
	 */
	maxConnections: {
		flag: "max-connections",
		key: "maxConnections",
		env: "ECHO_SERVER_MAX_CONNECTIONS",
		type: "string",
		valueHint: "N",
		// No default here: core derives it from the open-file limit of the process that serves.
		shownDefault: "from ulimit -n",
		check: toMaxConnections,
		help: "Connections served at once (per worker); one more is closed at once, with a warning",
	},
	/** Seconds without traffic before a connection is closed; `0` never; fractions allowed. Default 300. */
	idleTimeout: {
		flag: "idle-timeout",
		key: "idleTimeout",
		env: "ECHO_SERVER_IDLE_TIMEOUT",
		type: "string",
		valueHint: "SECONDS",
		default: 300,
		check: toSeconds,
		help: "Close a connection idle this long; 0 = never; fractions allowed",
	},
	/**
	 * With TLS: seconds from accept to the end of the TLS handshake before the connection is
	 * closed (and logged); `0` no limit. Until then it counts against `maxConnections`. Default 5.
	 * With `--ws-port`, also that port's HTTP idle limit before an upgrade (whole seconds, 1–255).
	 */
	handshakeTimeout: {
		flag: "handshake-timeout",
		key: "handshakeTimeout",
		env: "ECHO_SERVER_HANDSHAKE_TIMEOUT",
		type: "string",
		valueHint: "SECONDS",
		default: 5,
		check: toSeconds,
		help: "With TLS: close a connection whose handshake is not done this long after accept; 0 = never",
	},
	/**
	 * On SIGINT/SIGTERM: seconds to keep serving open connections (new ones are refused) before
	 * each is ended after the replies it is owed. Connections owed nothing are half-closed at
	 * once. Default 5.
	 */
	drainTimeout: {
		flag: "drain-timeout",
		key: "drainTimeout",
		env: "ECHO_SERVER_DRAIN_TIMEOUT",
		type: "string",
		valueHint: "SECONDS",
		default: 5,
		check: toDrainSeconds,
		help: "On SIGINT/SIGTERM: keep serving open connections this long, then end each after its replies",
	},
	/**
	 * Each TCP or Unix connection must start with a PROXY protocol header (v1 or v2, as HAProxy's
	 * `send-proxy`/`send-proxy-v2` sends it): its source address is the client's, in logs and for
	 * plugins. A connection without one is closed and counted. Not with TLS (terminate TLS at the
	 * proxy). Default `false`.
	 */
	proxyProtocol: {
		flag: "proxy-protocol",
		key: "proxyProtocol",
		env: "ECHO_SERVER_PROXY_PROTOCOL",
		type: "boolean",
		default: false,
		check: toBoolean,
		help: "Each connection starts with a PROXY protocol v1/v2 header (HAProxy send-proxy): its address is the client's",
	},
	/**
	 * With `proxyProtocol`: only these peers (CIDR ranges or addresses) may connect; others are
	 * refused, with a warning. Default: any peer.
	 */
	proxyFrom: {
		flag: "proxy-from",
		key: "proxyFrom",
		env: "ECHO_SERVER_PROXY_FROM",
		type: "string",
		valueHint: "CIDR[,CIDR…]",
		check: toAddressRanges,
		help: "With --proxy-protocol: accept connections only from these proxies (CIDR ranges or addresses)",
	},
	/** With `proxyProtocol`: seconds a client's proxy has to send the whole header; `0` never. Default 3. */
	proxyHeaderTimeout: {
		flag: "proxy-header-timeout",
		key: "proxyHeaderTimeout",
		env: "ECHO_SERVER_PROXY_HEADER_TIMEOUT",
		type: "string",
		valueHint: "SECONDS",
		default: 3,
		check: toSeconds,
		help: "With --proxy-protocol: close a connection whose header is not complete this long after accept; 0 = never",
	},
	/**
	 * Serve `/metrics` (Prometheus), `/livez` and `/readyz` over HTTP on this port (`0` = a free
	 * one, shown at start-up). Default: off.
	 */
	metricsPort: {
		flag: "metrics-port",
		key: "metricsPort",
		env: "ECHO_SERVER_METRICS_PORT",
		type: "string",
		valueHint: "PORT",
		check: toPort,
		help: "Serve /metrics (Prometheus), /livez and /readyz over HTTP on this port; 0 = a free one",
	},
	/** Address the metrics and health listener binds. Default `127.0.0.1` (this machine only). */
	metricsHost: {
		flag: "metrics-host",
		key: "metricsHost",
		env: "ECHO_SERVER_METRICS_HOST",
		type: "string",
		default: "127.0.0.1",
		check: toHost,
		help: "Address for --metrics-port (0.0.0.0 or :: to let a scraper on another machine in)",
	},
	/**
	 * On SIGINT/SIGTERM: seconds to keep accepting while `/readyz` already answers 503 (and, with
	 * `--proxy-protocol`, the proxy's health checks on the echo port are closed unanswered), before
	 * the graceful stop begins, so a load balancer or Kubernetes stops sending clients first.
	 * Default 0.
	 */
	shutdownDelay: {
		flag: "shutdown-delay",
		key: "shutdownDelay",
		env: "ECHO_SERVER_SHUTDOWN_DELAY",
		type: "string",
		valueHint: "SECONDS",
		default: 0,
		check: toDelaySeconds,
		help: "On SIGINT/SIGTERM: keep accepting this long with /readyz at 503 and proxy health checks failing, then stop gracefully",
	},
	/** Queued reply bytes per connection above which the server stops reading from it. Default 1 MiB. */
	highWaterMark: {
		flag: "high-water-mark",
		key: "highWaterMark",
		env: "ECHO_SERVER_HIGH_WATER_MARK",
		type: "string",
		valueHint: "BYTES",
		default: 1024 * 1024,
		check: toPositiveInteger,
		help: "Replies queued for a client above which the server stops reading from it",
	},
	/** Processes sharing the port, or `"auto"` for one per core. Default `1`. */
	workers: {
		flag: "workers",
		key: "workers",
		env: "ECHO_SERVER_WORKERS",
		type: "string",
		valueHint: "N|auto",
		default: 1,
		check: toWorkers,
		help: `Processes sharing the port (reusePort), 1 to ${MAX_WORKERS}; auto = one per core`,
	},
	/** Drop the per-connection and per-message lines. Default `false`. */
	quiet: {
		flag: "quiet",
		alias: "q",
		key: "quiet",
		env: "ECHO_SERVER_QUIET",
		type: "boolean",
		default: false,
		check: toBoolean,
		help: "No per-connection or per-message lines",
	},
	/** Default `info`. */
	logLevel: {
		flag: "log-level",
		key: "logLevel",
		env: "ECHO_SERVER_LOG_LEVEL",
		type: "string",
		valueHint: LOG_LEVELS.join("|"),
		default: "info",
		check: toLogLevel,
		help: "How much to log",
	},
	/** One JSON object per log line. Default `false`. */
	json: {
		flag: "json",
		key: "json",
		env: "ECHO_SERVER_JSON",
		type: "boolean",
		default: false,
		check: toBoolean,
		help: "One JSON object per log line",
	},
	config: {
		flag: "config",
		env: "ECHO_SERVER_CONFIG",
		type: "string",
		valueHint: "PATH",
		shownDefault: "echo.config.*",
		check: toPath,
		help: "Config file",
	},
} as const satisfies Record<string, SettingSpec>;

/** The table's type. */
export type SettingTable = typeof SETTINGS;

/** A setting's name: its key in {@link SETTINGS}. */
export type SettingName = keyof SettingTable;

/** The checked value of setting `K`: what its check returns (a list of them for `list`). */
export type SettingValue<K extends SettingName> = SettingTable[K] extends {
	type: "list";
	check: (value: unknown) => infer T;
}
	? T[]
	: SettingTable[K] extends { check: (value: unknown) => infer T }
		? T
		: never;

/** Every setting, checked: what one source (the flags, the environment) gives, all present. */
export type SettingValues = { -readonly [K in SettingName]: SettingValue<K> };

/**
 * What one source says — the command line or the environment: only the settings it gives,
 * checked and typed, by setting name.
 */
export type SettingLayer = Partial<SettingValues>;

/** Settings the config file sets under their own name, in the shape the flag takes. */
export type PlainConfigKey = {
	[K in SettingName]: SettingTable[K] extends { key: K }
		? SettingTable[K] extends { configCheck: unknown }
			? never
			: K
		: never;
}[SettingName];

/** Settings with a default: always present once resolved. */
export type DefaultedName = {
	[K in SettingName]: SettingTable[K] extends { default: unknown } ? K : never;
}[SettingName];

/**
 * The defaults of every setting that has one, by name, as `--help` and the README state them.
 * @example
 * DEFAULTS.port; // 8888
 */
export const DEFAULTS = Object.fromEntries(
	Object.entries(SETTINGS as Record<string, SettingSpec>)
		.filter(([, spec]) => spec.default !== undefined)
		.map(([name, spec]) => [name, spec.default]),
) as { readonly [K in DefaultedName]: SettingTable[K] extends { default: infer D } ? D : never };
