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
	/** `raw` (default): a message is one socket read. `lines`: one line. */
	framing?: Framing;
	/** Longest line accepted in `lines` framing, in bytes. Default 1 MiB. */
	maxLineBytes?: number;
	/** Plugins in order. Default: none, which echoes every byte. */
	plugins?: PluginEntry[];
	/** Drop the per-connection and per-message lines. Default `false`. */
	quiet?: boolean;
	/** Default `info`. */
	logLevel?: LogLevel;
	/** One JSON object per log line. Default `false`. */
	json?: boolean;
}
