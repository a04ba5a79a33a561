/**
 * Opening many connections without overrunning the server's listen backlog.
 * @module
 */

/** Connects in flight at once while opening many connections (the listen backlog is finite). */
export const CONNECT_CONCURRENCY = 256;

/** Runs `task(0..count-1)` with at most `limit` running at once. */
export async function forEachLimited(
	count: number,
	limit: number,
	task: (index: number) => Promise<void>,
): Promise<void> {
	let next = 0;
	const worker = async () => {
		while (next < count) await task(next++);
	};
	await Promise.all(Array.from({ length: Math.min(limit, count) }, worker));
}
