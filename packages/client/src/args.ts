/**
 * The command line: flag definitions for citty, and the checks citty 0.2.2 does not do. citty
 * keeps only the last value of a repeated flag, accepts unknown flags silently and has no number
 * type, so `--message` is collected from the raw arguments in order, unknown flags and stray
 * arguments are usage errors, and numbers are parsed here.
 * @module
 */
import type { Framing } from "@echokit/core";
import type { ArgsDef } from "citty";
import { CliError } from "./errors.ts";

/** The flags of `echo-client`, as citty takes them (also rendered by `--help`). */
export const clientArgs = {
	host: { type: "string", default: "127.0.0.1", description: "Server address" },
	port: { type: "string", default: "8888", valueHint: "1-65535", description: "Server port" },
	framing: {
		type: "string",
		default: "raw",
		valueHint: "raw|lines",
		description: "lines: append a newline to every message sent",
	},
	timeout: {
		type: "string",
		default: "10",
		valueHint: "seconds",
		description:
			"Connect timeout, and how long to wait for the server to finish after end of input",
	},
	message: {
		type: "string",
		valueHint: "text",
		description: "Send this message (repeatable, in order), half-close, print the replies, exit",
	},
} as const satisfies ArgsDef;

/** What the command line asks for, validated. */
export interface ClientArgs {
	host: string;
	port: number;
	framing: Framing;
	timeoutMs: number;
	/** The `--message` values in the order given; empty when none. */
	messages: string[];
}

/** What a scan of the raw arguments found besides the single-valued flags. */
export interface ScannedArgs {
	help: boolean;
	version: boolean;
	messages: string[];
}

const valueFlags = new Set(Object.keys(clientArgs));
const helpFlags = new Set(["--help", "-h"]);
const versionFlags = new Set(["--version", "-v"]);

/**
 * Walks the raw arguments the way citty does (a value flag takes the next argument, whatever it
 * looks like, or its `=value`). Throws `E_USAGE` naming every unknown flag, a stray argument or
 * a flag without its value. `--help` wins over any such error.
 */
export function scanArgs(rawArgs: readonly string[]): ScannedArgs {
	const found: ScannedArgs = { help: false, version: false, messages: [] };
	const unknown: string[] = [];
	const problems: string[] = [];
	for (let i = 0; i < rawArgs.length; i++) {
		const arg = rawArgs[i]!;
		if (helpFlags.has(arg)) found.help = true;
		else if (versionFlags.has(arg)) found.version = true;
		else if (arg === "--") {
			if (i + 1 < rawArgs.length) problems.push(`unexpected argument ${quote(rawArgs[i + 1]!)}`);
			break;
		} else if (arg.startsWith("--") && valueFlags.has(flagName(arg))) {
			const name = flagName(arg);
			const inline = arg.includes("=") ? arg.slice(arg.indexOf("=") + 1) : undefined;
			const value = inline ?? rawArgs[++i];
			if (value === undefined) problems.push(`--${name} needs a value`);
			else if (name === "message") found.messages.push(value);
		} else if (arg.startsWith("-") && arg !== "-") unknown.push(arg.split("=")[0]!);
		else problems.push(`unexpected argument ${quote(arg)}`);
	}
	if (found.help) return found;
	// After an unknown flag we cannot tell its value from a stray argument: name the flags only.
	if (unknown.length > 0) {
		throw usage(`unknown option${unknown.length > 1 ? "s" : ""} ${unknown.join(", ")}`);
	}
	if (problems.length > 0) throw usage(problems.join("; "));
	return found;
}

/** Validates citty's parsed values (strings) and adds the scanned messages. Throws `E_USAGE`. */
export function resolveArgs(
	parsed: Partial<Record<keyof typeof clientArgs, unknown>>,
	scanned: ScannedArgs,
): ClientArgs {
	const host = String(parsed.host ?? clientArgs.host.default);
	if (host === "") throw usage("--host must not be empty");
	return {
		host,
		port: parsePort(String(parsed.port ?? clientArgs.port.default)),
		framing: parseFraming(String(parsed.framing ?? clientArgs.framing.default)),
		timeoutMs: parseTimeout(String(parsed.timeout ?? clientArgs.timeout.default)),
		messages: scanned.messages,
	};
}

/** `1`..`65535`, decimal digits only (`0x50`, `80.0` and `8e3` are refused). */
export function parsePort(text: string): number {
	const port = /^\d{1,5}$/.test(text) ? Number(text) : Number.NaN;
	if (!(port >= 1 && port <= 65535)) {
		throw usage(`invalid --port ${quote(text)}: expected an integer from 1 to 65535`);
	}
	return port;
}

/** Seconds, decimals allowed, more than 0 and at most 24 days (what a timer can wait); returns ms. */
export function parseTimeout(text: string): number {
	const ms = /^\d+(\.\d+)?$/.test(text) ? Math.round(Number(text) * 1000) : Number.NaN;
	if (!(ms >= 1 && ms <= 2_073_600_000)) {
		throw usage(`invalid --timeout ${quote(text)}: expected seconds, more than 0 (e.g. 10 or 0.5)`);
	}
	return ms;
}

/** `raw` or `lines`. */
export function parseFraming(text: string): Framing {
	if (text === "raw" || text === "lines") return text;
	throw usage(`invalid --framing ${quote(text)}: expected raw or lines`);
}

function flagName(arg: string): string {
	const end = arg.indexOf("=");
	return arg.slice(2, end === -1 ? undefined : end);
}

function quote(text: string): string {
	return JSON.stringify(text);
}

function usage(problem: string): CliError {
	return new CliError("E_USAGE", `${problem} (see echo-client --help)`);
}
