/**
 * Warnings for loading that does not finish: a plugin or config module with a top-level `await`
 * that never settles, or a factory whose promise never does, would otherwise leave the server
 * silent before it listens (and Bun, with nothing else to wait for, spinning a core).
 */

/** The first warning comes after this long, in milliseconds. */
export const SLOW_LOAD_WARN_MS = 3000;
/** Later ones this far apart, while it still has not finished. */
const REPEAT_MS = 10_000;

/**
 * Resolves as `work` does; from {@link SLOW_LOAD_WARN_MS} on, and every 10 s after, calls
 * `warn` with the seconds waited so far. The timer also keeps the event loop idle rather than
 * spinning while `work` waits on nothing.
 * @example
 * await warnIfSlow(import(file), (s) => logger.warn(`still loading ${file} after ${s} s`));
 */
export async function warnIfSlow<T>(work: Promise<T>, warn: (seconds: number) => void): Promise<T> {
	const started = performance.now();
	const tell = () => warn(Math.round((performance.now() - started) / 1000));
	let repeat: ReturnType<typeof setInterval> | undefined;
	const first = setTimeout(() => {
		tell();
		repeat = setInterval(tell, REPEAT_MS);
	}, SLOW_LOAD_WARN_MS);
	try {
		return await work;
	} finally {
		clearTimeout(first);
		clearInterval(repeat);
	}
}
