/**
 * Checks for option values, shared by flags (strings) and the config file (typed values). Each
 * returns the value or throws {@link InvalidValue}; the caller says where the value came from.
 */

import type { Framing } from "@echokit/core";
import { bareHost } from "@echokit/core/cli";
import type { EchoConfig, LogLevel } from "./types.ts";

/** A value that does not fit; `expected` completes "expected …". */
export class InvalidValue extends Error {
	constructor(readonly expected: string) {
		super(`expected ${expected}`);
	}
}

export const LOG_LEVELS: readonly LogLevel[] = [
	"silent",
	"error",
	"warn",
	"info",
	"debug",
	"trace",
];

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
export function toSeconds(value: unknown): number {
	return seconds(value, "0 = never");
}

/** `--drain-timeout`: seconds, where 0 means no drain (end every connection at once). */
export function toDrainSeconds(value: unknown): number {
	return seconds(value, "0 = end connections at once");
}

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

export function toBoolean(value: unknown): boolean {
	if (typeof value === "boolean") return value;
	throw new InvalidValue("true or false");
}

/** A non-negative integer from a number or a string of digits (no signs, decimals or hex). */
function toInteger(value: unknown): number | undefined {
	if (typeof value === "number") return Number.isInteger(value) && value >= 0 ? value : undefined;
	if (typeof value === "string" && /^\d{1,15}$/.test(value)) return Number(value);
	return undefined;
}

/**
 * The check of each setting that both a flag and an `echo.config.ts` key set, by its key; the
 * flag is the key in kebab case (`maxConnections` is `--max-connections`). The one list both
 * parsers read, so a setting cannot be checked one way on the command line and another in a file.
 */
export const SETTING_CHECKS = {
	host: toHost,
	port: toPort,
	unix: toPath,
	framing: toFraming,
	maxMessageBytes: toPositiveInteger,
	maxConnections: toMaxConnections,
	idleTimeout: toSeconds,
	handshakeTimeout: toSeconds,
	drainTimeout: toDrainSeconds,
	highWaterMark: toPositiveInteger,
	workers: toWorkers,
	logLevel: toLogLevel,
} as const satisfies { [K in keyof EchoConfig]?: (value: unknown) => EchoConfig[K] };

export type SettingKey = keyof typeof SETTING_CHECKS;
