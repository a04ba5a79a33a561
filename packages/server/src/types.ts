/**
 * Public types of @echokit/server.
 * @module
 */
import type { AnyPlugin, Framing } from "@echokit/core";

/**
 * How much the server logs; each level includes the ones before it.
 * @example
 * const level: LogLevel = "debug"; // adds stack traces to errors
 */
export type LogLevel = "silent" | "error" | "warn" | "info" | "debug" | "trace";

/**
 * A plugin as a config file lists it: a plugin object, a factory returning one, or a string
 * resolved like `--plugin` (a builtin name, a path relative to the config file, or a package).
 * @example
 * const plugins: PluginEntry[] = ["uppercase", reverse(), "./my-plugins/shout.ts"];
 */
export type PluginEntry = AnyPlugin | (() => AnyPlugin | Promise<AnyPlugin>) | string;

/**
 * The certificate and private key files of a TLS server, PEM-encoded. In a config file, relative
 * paths resolve from the file's folder.
 * @example
 * const tls: TlsFiles = { cert: "./certs/server.pem", key: "./certs/server-key.pem" };
 */
export interface TlsFiles {
	/** The certificate, or the chain with the server's certificate first. */
	cert: string;
	/** The private key of that certificate, unencrypted. */
	key: string;
}

/**
 * The contents of `echo.config.ts`. Every field is optional; a flag given on the command line
 * wins over the same field here, and `--plugin` replaces `plugins` as a whole.
 * @example
 * const config: EchoConfig = { port: 7000, framing: "lines", plugins: ["uppercase"] };
 */
export interface EchoConfig {
	/** Address to bind. Default `127.0.0.1`. */
	host?: string;
	/** Port to bind, `0` for a free one. Default `8888`. */
	port?: number;
	/** Listen on this Unix domain socket instead of `host:port` (relative to the config file). */
	unix?: string;
	/** `raw` (default): a message is one socket read. `lines`: one line. */
	framing?: Framing;
	/** Longest line accepted in `lines` framing, in bytes; a longer one closes that connection. Default 1 MiB. */
	maxMessageBytes?: number;
	/** @deprecated The old name of {@link EchoConfig.maxMessageBytes}. */
	maxLineBytes?: number;
	/**
	 * Connections served at once (per worker); one more is closed at once, with a warning. Default:
	 * the open-file limit (`ulimit -Hn`: Bun raises the soft limit to it) less 32 and 5 % of it
	 * kept free. `--log-level debug` prints the value in use.
	 */
	maxConnections?: number;
	/** Seconds without traffic before a connection is closed; `0` never; fractions allowed. Default 300. */
	idleTimeout?: number;
	/**
	 * With TLS: seconds from accept to the end of the TLS handshake before the connection is
	 * closed (and logged); `0` no limit. Until then it counts against `maxConnections`. Default 5.
	 */
	handshakeTimeout?: number;
	/**
	 * On SIGINT/SIGTERM: seconds to keep serving open connections (new ones are refused) before
	 * each is ended after the replies it is owed. Connections owed nothing are half-closed at
	 * once. Default 5.
	 */
	drainTimeout?: number;
	/** Queued reply bytes per connection above which the server stops reading from it. Default 1 MiB. */
	highWaterMark?: number;
	/** Serve TLS with these files. Default: plain TCP. */
	tls?: TlsFiles;
	/** Also serve UDP echo (RFC 862) on the same host and port. Default `false`. */
	udp?: boolean;
	/** Processes sharing the port, or `"auto"` for one per core. Default `1`. */
	workers?: number | "auto";
	/** Plugins in order. Default: none, which echoes every byte. */
	plugins?: PluginEntry[];
	/** Drop the per-connection and per-message lines. Default `false`. */
	quiet?: boolean;
	/** Default `info`. */
	logLevel?: LogLevel;
	/** One JSON object per log line. Default `false`. */
	json?: boolean;
}
