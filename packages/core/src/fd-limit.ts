import { readFileSync } from "node:fs";
import type { Logger } from "./types.ts";

/** Descriptors kept free for the listener, logs, plugin files and the like. */
const RESERVE = 32;

/**
 * Caps `maxConnections` below the process's open-file limit. Past that limit `accept` fails
 * with EMFILE, and Bun 1.4.5 retries it in a busy loop (a whole core) and logs nothing; below
 * it, the extra connection is turned away with a warning instead.
 */
export function capToOpenFileLimit(maxConnections: number, logger: Logger): number {
	const limit = openFileLimit();
	if (limit === undefined || maxConnections <= limit - RESERVE) return maxConnections;
	const capped = Math.max(1, limit - RESERVE);
	logger.warn(
		`maxConnections ${maxConnections} is above what the open-file limit (${limit}) allows; using ${capped} (raise it with ulimit -n)`,
	);
	return capped;
}

/** The soft limit on open files (Linux `/proc/self/limits`), if it can be read. */
function openFileLimit(): number | undefined {
	try {
		const match = readFileSync("/proc/self/limits", "utf8").match(/^Max open files\s+(\d+)/m);
		return match ? Number(match[1]) : undefined;
	} catch {
		return undefined;
	}
}
