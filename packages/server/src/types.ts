/**
 * Public types of @echokit/server.
 * @module
 */
import type { AnyPlugin } from "@echokit/core";
import type { PlainConfigKey, SettingValues } from "./setting-table.ts";

export type { LogLevel } from "./values.ts";

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
 * wins over the same field here, and so does its environment variable (`ECHO_SERVER_PORT`);
 * `--plugin` replaces `plugins` as a whole. The plain fields (`port`, `framing`, `idleTimeout`,
 * …) come from the settings table (setting-table.ts), with their documentation.
 * @example
 * const config: EchoConfig = { port: 7000, framing: "lines", plugins: ["uppercase"] };
 */
export interface EchoConfig extends Partial<Pick<SettingValues, PlainConfigKey>> {
	/** @deprecated The old name of {@link EchoConfig.maxMessageBytes}. */
	maxLineBytes?: number;
	/** Serve TLS with these files. Default: plain TCP. */
	tls?: TlsFiles;
	/** Plugins in order. Default: none, which echoes every byte. */
	plugins?: PluginEntry[];
}
