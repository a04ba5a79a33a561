/**
 * Checks for setting values, shared by flags and environment variables (strings) and the config
 * file (typed values). Each returns the value or throws {@link InvalidValue}; the caller says
 * where the value came from. Imports nothing of this package, so the settings table
 * (setting-table.ts) and every reader of it can use these without a circle.
 */

import type { Framing } from "@echokit/core";
import { bareHost, parseRanges } from "@echokit/core/cli";

/** A value that does not fit; `expected` completes "expected …". */
export class InvalidValue extends Error {
	constructor(readonly expected: string) {
		super(`expected ${expected}`);
	}
}

/** The log levels, least first; each includes the ones before it. */
export const LOG_LEVELS = ["silent", "error", "warn", "info", "debug", "trace"] as const;

/**
 * How much the server logs; each level includes the ones before it.
 * @example
 * const level: LogLevel = "debug"; // adds stack traces to errors
 */
export type LogLevel = (typeof LOG_LEVELS)[number];

/** Whether `level` logs what `wanted` logs (`atLeast("debug", "info")` is true). */
export function atLeast(level: LogLevel, wanted: LogLevel): boolean {
	return LOG_LEVELS.indexOf(level) >= LOG_LEVELS.indexOf(wanted);
}

export function toPort(value: unknown): number {
	const port = toInteger(value);
	if (port === undefined || port > 65535) throw new InvalidValue("an integer from 0 to 65535");
	return port;
}

export function toPositiveInteger(value: unknown): number {
	const n = toInteger(value);
	if (n === undefined || n === 0 || !Number.isSafeInteger(n)) {
		throw new InvalidValue("a whole number of bytes above 0");
	}
	return n;
}

export function toMaxConnections(value: unknown): number {
	const n = toInteger(value);
	if (n === undefined || n === 0 || !Number.isSafeInteger(n)) {
		throw new InvalidValue("a whole number of connections above 0");
	}
	return n;
}

/** Seconds, fractions allowed (`0.5`), `0` for never. */
/**
 * `--proxy-from 10.0.0.0/8,::1`: CIDR ranges or single addresses, comma-separated (a list in
 * the config file), each checked as core will match it.
 */
export function toAddressRanges(value: unknown): string[] {
	const entries =
		typeof value === "string"
			? value.split(",").map((entry) => entry.trim())
			: Array.isArray(value)
				? value
				: [];
	const expected = "CIDR ranges or addresses, comma-separated (e.g. 10.0.0.0/8,::1)";
	if (entries.length === 0 || entries.some((entry) => typeof entry !== "string" || entry === "")) {
		throw new InvalidValue(expected);
	}
	const parsed = parseRanges(entries);
	if ("invalid" in parsed)
		throw new InvalidValue(`${expected}; ${JSON.stringify(parsed.invalid)} is not one`);
	return entries;
}

export function toSeconds(value: unknown): number {
	return seconds(value, "0 = never");
}

/** `--drain-timeout`: seconds, where 0 means no drain (end every connection at once). */
export function toDrainSeconds(value: unknown): number {
	return seconds(value, "0 = end connections at once");
}

/**
 * `--shutdown-delay`: seconds, where 0 means no delay (the graceful stop begins at once); at most
 * {@link MAX_DELAY_SECONDS}, the longest a timer can wait.
 */
export function toDelaySeconds(value: unknown): number {
	const delay = seconds(value, "0 = no delay");
	if (delay <= MAX_DELAY_SECONDS) return delay;
	throw new InvalidValue(`a number of seconds from 0 to ${MAX_DELAY_SECONDS} (0 = no delay)`);
}

/** The longest a JavaScript timer waits (2^31 − 1 ms, about 24.8 days), in whole seconds. */
export const MAX_DELAY_SECONDS = 2_147_483;

function seconds(value: unknown, zero: string): number {
	const seconds =
		typeof value === "string" && /^\d{1,15}(\.\d{1,9})?$/.test(value) ? Number(value) : value;
	if (typeof seconds === "number" && Number.isFinite(seconds) && seconds >= 0) return seconds;
	throw new InvalidValue(`a number of seconds, 0 or more (${zero}; fractions like 0.5 allowed)`);
}

/** Most worker processes accepted, so a typo (`--workers 1000`) cannot fork-bomb the host. */
export const MAX_WORKERS = 256;

export function toWorkers(value: unknown): number | "auto" {
	if (value === "auto") return value;
	const n = toInteger(value);
	if (n === undefined || n === 0 || n > MAX_WORKERS) {
		throw new InvalidValue(`a number of processes from 1 to ${MAX_WORKERS}, or auto`);
	}
	return n;
}

/** A file or socket path: any non-empty string. */
export function toPath(value: unknown): string {
	if (typeof value === "string" && value !== "") return value;
	throw new InvalidValue("a file path");
}

export function toFraming(value: unknown): Framing {
	if (value === "raw" || value === "lines") return value;
	throw new InvalidValue("raw or lines");
}

export function toLogLevel(value: unknown): LogLevel {
	if (LOG_LEVELS.includes(value as LogLevel)) return value as LogLevel;
	throw new InvalidValue(LOG_LEVELS.join(", "));
}

/** A host name or IP address; an IPv6 address may come in brackets (`[::1]`), as in URLs. */
export function toHost(value: unknown): string {
	if (typeof value === "string" && value.trim() !== "") {
		return bareHost(value.trim());
	}
	throw new InvalidValue("a hostname or IP address");
}

/** `true` or `false`, also as text (a flag's `--quiet=false`, an environment variable). */
export function toBoolean(value: unknown): boolean {
	if (typeof value === "boolean") return value;
	if (value === "true" || value === "false") return value === "true";
	throw new InvalidValue("true or false");
}

/** One `--plugin` value: a name, path or package, options after `:` (checked when it loads). */
export function toPluginSpec(value: unknown): string {
	if (typeof value === "string" && value !== "") return value;
	throw new InvalidValue("a plugin name, path or package");
}

/** A config file's `plugins`: shape only; each entry is loaded and checked like a `--plugin` later. */
export function toPluginList(value: unknown): unknown[] {
	const ok = (entry: unknown) =>
		typeof entry === "string" ||
		typeof entry === "function" ||
		(typeof entry === "object" && entry !== null);
	if (Array.isArray(value) && value.every(ok)) return value;
	throw new InvalidValue("an array of plugins, plugin factories or plugin names");
}

/** A config file's `tls`: `{ cert, key }`, two file paths, both required. */
export function toTlsFiles(value: unknown): { cert: string; key: string } {
	const { cert, key } = (value ?? {}) as { cert?: unknown; key?: unknown };
	const ok = (path: unknown) => typeof path === "string" && path !== "";
	if (typeof value === "object" && !Array.isArray(value) && ok(cert) && ok(key)) {
		return { cert: cert as string, key: key as string };
	}
	throw new InvalidValue('{ cert: "FILE", key: "FILE" } (both certificate and key paths)');
}

/** A non-negative integer from a number or a string of digits (no signs, decimals or hex). */
function toInteger(value: unknown): number | undefined {
	if (typeof value === "number") return Number.isInteger(value) && value >= 0 ? value : undefined;
	if (typeof value === "string" && /^\d{1,15}$/.test(value)) return Number(value);
	return undefined;
}
