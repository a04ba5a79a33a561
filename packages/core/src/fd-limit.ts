/**
 * `maxConnections` and the open-file limit. Each connection holds one file descriptor. Past the
 * limit `accept` fails with EMFILE, and Bun 1.4.5 retries it in a busy loop (a whole core) and
 * logs nothing; below it, the connection over `maxConnections` is turned away with a warning.
 *
 * Bun, like Node, raises the soft limit to the hard one when it starts (measured: `ulimit -S -n
 * 1024` with a hard limit of 20000 reads 20000 inside Bun), so the limit read here is the most
 * this process can have: the default takes it, as HAProxy derives `maxconn` from `ulimit -n`.
 * @module
 */
import { readFileSync } from "node:fs";
import type { Logger } from "./types.ts";

/**
 * Descriptors always kept free: the listeners (TCP, UDP), stdio, Bun's own (epoll, eventfd,
 * pipes: about a dozen at start), log files and the files plugins open.
 */
const RESERVE = 32;
/** The default also leaves this share of the limit free, for what grows with load. */
const HEADROOM = 1 / 20;
/** No default above this: Linux's default `fs.nr_open`, where Bun and Node cap their raise. */
const MAX_DEFAULT = 1 << 20;
/** The default where the limit cannot be read. */
const FALLBACK = 1024;

/** The `maxConnections` a server runs with, and why, for a debug line. */
export interface MaxConnections {
	value: number;
	/** E.g. `the default: the open-file limit 20000 less 1032 kept free`. */
	reason: string;
}

/**
 * Resolves `maxConnections`: a value given is used, but capped (with a warning) at the open-file
 * limit less {@link RESERVE}; without one, the default is the limit less the reserve and 5 %
 * headroom, at most 2^20 (1024 where the limit cannot be read). Per process: each of
 * `--workers` has its own limit, and so its own default.
 * @param requested a positive integer, already checked, or `undefined` for the default.
 * @param limit the open-file limit ({@link openFileLimit}), `undefined` when unknown.
 * @example
 * resolveMaxConnections(undefined, openFileLimit(), logger).value; // 18968 under `ulimit -n 20000`
 */
export function resolveMaxConnections(
	requested: number | undefined,
	limit: number | undefined,
	logger: Logger,
): MaxConnections {
	if (requested === undefined) return defaultMaxConnections(limit);
	if (limit === undefined || requested <= limit - RESERVE)
		return { value: requested, reason: "as set" };
	const capped = Math.max(1, limit - RESERVE);
	logger.warn(
		`maxConnections ${requested} is above what the open-file limit (${limit}) allows; using ${capped} (raise it with ulimit -n)`,
	);
	return { value: capped, reason: `capped by the open-file limit ${limit}` };
}

function defaultMaxConnections(limit: number | undefined): MaxConnections {
	if (limit === undefined) {
		return { value: FALLBACK, reason: "the default; the open-file limit could not be read" };
	}
	const value = Math.max(1, limit - RESERVE - Math.ceil(limit * HEADROOM));
	if (value > MAX_DEFAULT) {
		return { value: MAX_DEFAULT, reason: `the default's ceiling; the open-file limit is ${limit}` };
	}
	return {
		value,
		reason: `the default: the open-file limit ${limit} less ${limit - value} kept free`,
	};
}

/**
 * The soft limit on open files: `/proc/self/limits` on Linux, else what `ulimit -n` says in a
 * shell (a child has the same limits); `undefined` when neither tells (Windows, `unlimited`).
 * Read once per process: nothing here changes it, and a shell per server would add up in tests.
 */
export function openFileLimit(): number | undefined {
	if (known === null) known = { limit: readOpenFileLimit() };
	return known.limit;
}

let known: { limit: number | undefined } | null = null;

function readOpenFileLimit(): number | undefined {
	try {
		const match = readFileSync("/proc/self/limits", "utf8").match(/^Max open files\s+(\d+)/m);
		return match ? Number(match[1]) : undefined;
	} catch {
		if (process.platform === "win32") return undefined;
		try {
			const shell = Bun.spawnSync(["sh", "-c", "ulimit -n"], { stderr: "ignore" });
			const text = shell.stdout.toString().trim();
			return /^\d+$/.test(text) ? Number(text) : undefined;
		} catch {
			return undefined;
		}
	}
}
