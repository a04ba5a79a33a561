/**
 * The command line. citty renders `--help`, but (0.2.2) accepts unknown flags silently, so this
 * one walk over the raw arguments is where values come from: a typo like `--nmae x` is a usage
 * error, not a folder called `x`.
 * @module
 */
import type { ArgsDef } from "citty";
import leven from "leven";
import { CliError } from "./errors.ts";

/** The arguments of `create-echokit-plugin`, as citty defines them (shown by `--help`). */
export const ARGS = {
	dir: {
		type: "positional",
		required: true,
		description: "Folder to create the plugin package in (new, or empty)",
	},
	name: {
		type: "string",
		valueHint: "package-name",
		description: "npm package name, when it is not the folder's name (e.g. @me/echokit-plugin-x)",
	},
} as const satisfies ArgsDef;

/** What the command line asks for. */
export interface ParsedArgs {
	/** The target folder as given (relative to the working directory, or absolute). */
	dir?: string;
	/** `--name`, when given. */
	name?: string;
	help?: boolean;
	version?: boolean;
}

/**
 * Parses the arguments: one folder, `--name NAME` or `--name=NAME`, `--help`/`-h`,
 * `--version`/`-v`.
 * After `--` everything is a folder, so `-- -odd-name` works. Throws `E_USAGE`; a missing
 * folder is reported by {@link requireDir}, so `--help` alone is not an error.
 * @example
 * parseArgs(["my-plugin", "--name", "@me/echokit-plugin-my"]);
 * // { dir: "my-plugin", name: "@me/echokit-plugin-my" }
 */
export function parseArgs(rawArgs: readonly string[]): ParsedArgs {
	const parsed: ParsedArgs = {};
	let flagsDone = false;
	for (let i = 0; i < rawArgs.length; i++) {
		const token = rawArgs[i] as string;
		if (flagsDone || !token.startsWith("-") || token === "-") {
			setDir(parsed, token);
		} else if (token === "--") {
			flagsDone = true;
		} else if (token === "-h" || token === "--help") {
			parsed.help = true;
		} else if (token === "-v" || token === "--version") {
			parsed.version = true;
		} else if (token === "--name" || token.startsWith("--name=")) {
			const value = token === "--name" ? rawArgs[++i] : token.slice("--name=".length);
			if (value === undefined || value === "") throw usage("missing value for --name");
			if (parsed.name !== undefined) throw usage("--name given twice");
			parsed.name = value;
		} else {
			throw unknownFlag(token);
		}
	}
	return parsed;
}

/** The folder, or `E_USAGE` saying how to give one. */
export function requireDir(parsed: ParsedArgs): string {
	if (parsed.dir === undefined) {
		throw usage("missing the folder to create: create-echokit-plugin <dir> (see --help)");
	}
	return parsed.dir;
}

function setDir(parsed: ParsedArgs, value: string): void {
	if (value === "") throw usage("the folder name is empty");
	if (parsed.dir !== undefined) {
		throw usage(
			`unexpected argument "${value}": one folder at a time (already have "${parsed.dir}")`,
		);
	}
	parsed.dir = value;
}

const KNOWN = ["--name", "--help", "--version"];

function unknownFlag(token: string): CliError {
	const flag = token.split("=")[0] as string;
	const guess = KNOWN.find((known) => leven(known, flag) <= 2);
	// Bun drops a leading `--` before the program sees it, so `./-x` is the way to say a folder
	// (and npm names cannot start with `-`: it needs a --name).
	const hint = guess
		? ` (did you mean ${guess}?)`
		: ` (a folder named ${token}? write ./${token} --name PACKAGE_NAME)`;
	return usage(`unknown flag "${flag}"${hint}; see --help`);
}

function usage(message: string): CliError {
	return new CliError("E_USAGE", message);
}
