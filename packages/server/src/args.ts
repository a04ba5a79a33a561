/**
 * Command-line flags. citty parses too, but (0.2.2) keeps only the last of a repeated flag,
 * accepts unknown flags silently and has no number type. So this one walk over `rawArgs` is the
 * single source of flag values: it keeps every `--plugin` in order, rejects unknown flags by
 * name, and checks each value. `ARGS` stays the citty definition, for `--help`.
 */
import { longFlag } from "@echokit/core/cli";
import type { ArgsDef } from "citty";
import leven from "leven";
import { CliError } from "./errors.ts";
import { DEFAULTS, type Settings } from "./settings.ts";
import {
	InvalidValue,
	LOG_LEVELS,
	MAX_WORKERS,
	SETTING_CHECKS,
	type SettingKey,
	toPath,
} from "./values.ts";

/** The flags of `echo-server`, as citty defines them (shown by `--help`). */
export const ARGS = {
	host: { type: "string", description: "Address to bind", default: DEFAULTS.host },
	port: {
		type: "string",
		alias: "p",
		description: "Port to bind; 0 picks a free one",
		default: `${DEFAULTS.port}`,
	},
	plugin: {
		type: "string",
		valueHint: "NAME|PATH[:key=value,…]",
		description:
			"echo, uppercase, log-only, hostname, delay, a file or a package, with options after ':' (delay:ms=200); repeatable, runs in order",
	},
	framing: {
		type: "string",
		valueHint: "raw|lines",
		description: "Message framing",
		default: "raw",
	},
	"max-message-bytes": {
		type: "string",
		valueHint: "N",
		description:
			"Longest line in lines framing; a longer one closes that connection (alias --max-line-bytes)",
		default: `${DEFAULTS.maxMessageBytes}`,
	},
	"max-connections": {
		type: "string",
		valueHint: "N",
		description:
			"Connections served at once (per worker); one more is closed at once, with a warning (Default: from ulimit -n)",
	},
	"idle-timeout": {
		type: "string",
		valueHint: "SECONDS",
		description: "Close a connection idle this long; 0 = never; fractions allowed",
		default: `${DEFAULTS.idleTimeout}`,
	},
	"handshake-timeout": {
		type: "string",
		valueHint: "SECONDS",
		description:
			"With TLS: close a connection whose handshake is not done this long after accept; 0 = never",
		default: `${DEFAULTS.handshakeTimeout}`,
	},
	"drain-timeout": {
		type: "string",
		valueHint: "SECONDS",
		description:
			"On SIGINT/SIGTERM: keep serving open connections this long, then end each after its replies",
		default: `${DEFAULTS.drainTimeout}`,
	},
	"high-water-mark": {
		type: "string",
		valueHint: "BYTES",
		description: "Replies queued for a client above which the server stops reading from it",
		default: `${DEFAULTS.highWaterMark}`,
	},
	"tls-cert": {
		type: "string",
		valueHint: "FILE",
		description: "Serve TLS with this PEM certificate (chain); needs --tls-key",
	},
	"tls-key": { type: "string", valueHint: "FILE", description: "PEM private key for --tls-cert" },
	unix: {
		type: "string",
		alias: "U",
		valueHint: "PATH",
		description: "Listen on this Unix domain socket instead of --host/--port",
	},
	udp: {
		type: "boolean",
		alias: "u",
		description: "Also serve UDP echo (RFC 862) on the same host and port",
	},
	workers: {
		type: "string",
		valueHint: `N|auto`,
		description: `Processes sharing the port (reusePort), 1 to ${MAX_WORKERS}; auto = one per core`,
		default: `${DEFAULTS.workers}`,
	},
	quiet: { type: "boolean", alias: "q", description: "No per-connection or per-message lines" },
	"log-level": {
		type: "string",
		valueHint: LOG_LEVELS.join("|"),
		description: "How much to log",
		default: DEFAULTS.logLevel,
	},
	json: { type: "boolean", description: "One JSON object per log line" },
	config: {
		type: "string",
		valueHint: "PATH",
		description: "Config file (default: echo.config.*)",
	},
} as const satisfies ArgsDef;

/** What the command line says: only the flags that were given, checked and typed. */
export interface CliFlags extends Partial<Omit<Settings, "plugins" | "tls" | "workers">> {
	/** Every `--plugin`, in order; absent when none was given. */
	plugins?: string[];
	/** `--tls-cert` and `--tls-key`: both or neither (checked by {@link parseFlags}). */
	tlsCert?: string;
	tlsKey?: string;
	/** `auto` is resolved to the number of cores by `resolveSettings`. */
	workers?: number | "auto";
	config?: string;
	help?: boolean;
	version?: boolean;
}

/**
 * Parses `echo-server`'s arguments. Accepts `--flag value` and `--flag=value`, the short flags
 * of `ARGS` (`-p 9000`, `-q`; `-h`, `-v`), and `--no-quiet` / `--quiet=false` for booleans.
 * Throws `E_USAGE`.
 * @example
 * parseFlags(["--port", "0", "--plugin", "uppercase", "--plugin=./reverse.ts"]);
 * // { port: 0, plugins: ["uppercase", "./reverse.ts"] }
 */
export function parseFlags(rawArgs: readonly string[]): CliFlags {
	const flags: CliFlags = {};
	for (let i = 0; i < rawArgs.length; i++) {
		const token = longForm(rawArgs[i] as string);
		if (token === "--help") flags.help = true;
		else if (token === "--version") flags.version = true;
		else if (token === "--") {
			if (i + 1 < rawArgs.length) throw unexpected(rawArgs[i + 1] as string);
		} else if (!token.startsWith("--")) {
			throw token.startsWith("-") && token !== "-" ? unknownFlag(token) : unexpected(token);
		} else {
			const eq = token.indexOf("=");
			const flag = eq === -1 ? token : token.slice(0, eq);
			const inline = eq === -1 ? undefined : token.slice(eq + 1);
			const name = ALIASES.get(flag.slice(2)) ?? flag.slice(2);
			if (BOOLEANS.has(name)) setBoolean(flags, name, flag, inline ?? "true");
			else if (name.startsWith("no-") && BOOLEANS.has(name.slice(3)) && inline === undefined) {
				setBoolean(flags, name.slice(3), flag, "false");
			} else if (Object.hasOwn(ARGS, name)) {
				const value = inline ?? rawArgs[++i];
				if (value === undefined) throw usage(`missing value for ${flag}`);
				setString(flags, name, value, flag);
			} else throw unknownFlag(flag);
		}
	}
	checkCombinations(flags);
	return flags;
}

const BOOLEANS = new Set(["quiet", "json", "udp"]);
/** `-p` → `--port`, …: where a flag may stand, never on a flag's value. */
const longForm = longFlag(ARGS);
/** Old names still accepted, documented as aliases. */
const ALIASES = new Map([["max-line-bytes", "max-message-bytes"]]);

function setBoolean(flags: CliFlags, name: string, flag: string, value: string): void {
	if (value !== "true" && value !== "false") {
		throw usage(`invalid ${flag}=${value}: expected true or false`);
	}
	const on = value === "true";
	if (name === "quiet") flags.quiet = on;
	else if (name === "udp") flags.udp = on;
	else flags.json = on;
}

/** Flags that make no sense together, given on the same command line. */
function checkCombinations(flags: CliFlags): void {
	if ((flags.tlsCert === undefined) !== (flags.tlsKey === undefined)) {
		throw usage("--tls-cert and --tls-key go together: give both or neither");
	}
	if (flags.unix === undefined) return;
	if (flags.host !== undefined || flags.port !== undefined) {
		throw usage("--unix replaces --host and --port: give one or the other");
	}
	if (flags.udp) throw usage("--udp needs a port: it cannot be used with --unix");
	if (flags.workers !== undefined && flags.workers !== 1) {
		throw usage("--workers shares a TCP port: it cannot be used with --unix");
	}
}

function setString(flags: CliFlags, name: string, value: string, flag: string): void {
	const key = name.replace(/-([a-z])/g, (_, letter: string) => letter.toUpperCase());
	try {
		if (Object.hasOwn(SETTING_CHECKS, key)) setSetting(flags, key as SettingKey, value);
		else if (name === "plugin") {
			if (value === "") throw new InvalidValue("a plugin name, path or package");
			flags.plugins = [...(flags.plugins ?? []), value];
		} else if (name === "tls-cert") flags.tlsCert = toPath(value);
		else if (name === "tls-key") flags.tlsKey = toPath(value);
		else if (name === "config") flags.config = toNonEmpty(value);
	} catch (error) {
		if (!(error instanceof InvalidValue)) throw error;
		throw usage(`invalid ${flag} ${JSON.stringify(value)}: ${error.message}`);
	}
}

/** A flag that sets a setting the config file sets too, checked the same way. */
function setSetting<K extends SettingKey>(flags: CliFlags, key: K, value: string): void {
	flags[key] = SETTING_CHECKS[key](value) as CliFlags[K];
}

function toNonEmpty(value: string): string {
	if (value === "") throw new InvalidValue("a file path");
	return value;
}

function unknownFlag(token: string): CliError {
	const flag = token.split("=")[0] as string;
	const known = [...Object.keys(ARGS), "help", "version"].map((name) => `--${name}`);
	const guess = known.find((candidate) => leven(candidate, flag) <= 2);
	return usage(`unknown flag "${flag}"${guess ? ` (did you mean ${guess}?)` : ""}; see --help`);
}

function unexpected(argument: string): CliError {
	return usage(`unexpected argument "${argument}" (echo-server takes only flags; see --help)`);
}

function usage(message: string): CliError {
	return new CliError("E_USAGE", message);
}
