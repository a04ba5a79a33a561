/**
 * Command-line flags, derived from the settings table (setting-table.ts). citty parses too, but
 * (0.2.2) keeps only the last of a repeated flag, accepts unknown flags silently and has no
 * number type. So this one walk over `rawArgs` is the single source of flag values: it keeps
 * every `--plugin` in order, rejects unknown flags by name, and checks each value with the
 * table's check. `ARGS` is the citty definition, for `--help`.
 */
import { type HelpArg, longFlag } from "@echokit/core/cli";
import leven from "leven";
import { CliError } from "./errors.ts";
import {
	SETTINGS,
	type SettingLayer,
	type SettingName,
	type SettingSpec,
} from "./setting-table.ts";
import { InvalidValue } from "./values.ts";

const TABLE = Object.entries(SETTINGS) as [SettingName, SettingSpec][];

/**
 * The flags of `echo-server`, as citty defines them (shown by `--help`): each with its help
 * text, the environment variable that sets it too, and its default.
 */
export const ARGS: Readonly<Record<string, HelpArg>> = Object.fromEntries(
	TABLE.map(([, spec]) => [
		spec.flag,
		{
			type: spec.type === "boolean" ? "boolean" : "string",
			...(spec.alias ? { alias: spec.alias } : {}),
			...(spec.valueHint ? { valueHint: spec.valueHint } : {}),
			description: spec.env ? `${spec.help} [env: ${spec.env}]` : spec.help,
			...(shownDefault(spec) === undefined ? {} : { default: shownDefault(spec) }),
		},
	]),
);

/** What the command line says: only the flags that were given, checked and typed. */
export interface CliFlags extends SettingLayer {
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
			const name = flag.slice(2);
			const setting = BY_FLAG.get(name);
			const negated = name.startsWith("no-") ? BY_FLAG.get(name.slice(3)) : undefined;
			if (setting && SETTINGS[setting].type === "boolean") {
				setValue(flags, setting, inline ?? "true", flag, "=");
			} else if (negated && SETTINGS[negated].type === "boolean" && inline === undefined) {
				setValue(flags, negated, "false", flag, "=");
			} else if (setting) {
				const value = inline ?? rawArgs[++i];
				if (value === undefined) throw usage(`missing value for ${flag}`);
				setValue(flags, setting, value, flag, " ");
			} else throw unknownFlag(flag);
		}
	}
	const clash = layerClash(flags, (name) => `--${SETTINGS[name].flag}`);
	if (clash) throw usage(clash);
	return flags;
}

/** Each long flag, and each old name still accepted, to its setting. */
const BY_FLAG = new Map<string, SettingName>(
	TABLE.flatMap(([name, spec]) => [
		[spec.flag, name] as const,
		...(spec.oldFlag ? [[spec.oldFlag, name] as const] : []),
	]),
);
/** `-p` → `--port`, …: where a flag may stand, never on a flag's value. */
const longForm = longFlag(ARGS);

/**
 * Checks one flag's value with the table's check and keeps it (appends it, for a `list`).
 * `joiner` is how the error shows flag and value: `--port "x"`, `--quiet=yes`.
 */
function setValue(
	flags: CliFlags,
	name: SettingName,
	value: string,
	flag: string,
	joiner: string,
): void {
	const spec: SettingSpec = SETTINGS[name];
	let checked: unknown;
	try {
		checked = spec.check(value);
	} catch (error) {
		if (!(error instanceof InvalidValue)) throw error;
		const shown = joiner === "=" ? `${flag}=${value}` : `${flag} ${JSON.stringify(value)}`;
		throw usage(`invalid ${shown}: ${error.message}`);
	}
	const layer = flags as Record<string, unknown>;
	layer[name] = spec.type === "list" ? [...((layer[name] as unknown[]) ?? []), checked] : checked;
}

/** The default as `--help` shows it: the table's words, else the value; none for a switch. */
function shownDefault(spec: SettingSpec): string | undefined {
	if (spec.shownDefault !== undefined) return spec.shownDefault;
	if (spec.type === "boolean" || spec.default === undefined) return undefined;
	return `${spec.default}`;
}

/**
 * Settings that make no sense together when one source — the command line, the environment —
 * gives both: the message, each setting named by `name` (`--unix`, `ECHO_SERVER_UNIX`).
 * @example
 * layerClash({ unix: "/s", port: 1 }, (name) => `--${name}`); // "--unix replaces --host and --port: …"
 */
export function layerClash(
	layer: SettingLayer,
	name: (setting: SettingName) => string,
): string | undefined {
	if ((layer.tlsCert === undefined) !== (layer.tlsKey === undefined)) {
		return `${name("tlsCert")} and ${name("tlsKey")} go together: give both or neither`;
	}
	if (layer.unix === undefined) return undefined;
	const unix = name("unix");
	if (layer.host !== undefined || layer.port !== undefined) {
		return `${unix} replaces ${name("host")} and ${name("port")}: give one or the other`;
	}
	if (layer.udp) return `${name("udp")} needs a port: it cannot be used with ${unix}`;
	if (layer.workers !== undefined && layer.workers !== 1) {
		return `${name("workers")} shares a TCP port: it cannot be used with ${unix}`;
	}
	return undefined;
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
