/**
 * SIGINT and SIGTERM, as `echo-server` hears them. One Ctrl-C in a terminal often arrives
 * twice: the terminal signals its whole foreground process group — `bunx` and the server it
 * started — and `bunx` forwards its own copy to the server. A repeat within
 * {@link REPEAT_WINDOW_MS} of the first signal is that same keypress, not a second request.
 */

/** The signals that stop the server, with their numbers: a second one exits with 128 + it. */
export const SIGNAL_NUMBERS = { SIGINT: 2, SIGTERM: 15 } as const;

export type StopSignal = keyof typeof SIGNAL_NUMBERS;

/** Repeats closer than this to the first signal are one signal delivered twice. */
export const REPEAT_WINDOW_MS = 300;

/**
 * Calls `handle(signal, false)` on the first SIGINT/SIGTERM and `handle(signal, true)` on any
 * later one, except repeats within {@link REPEAT_WINDOW_MS} of the first, which are ignored.
 * @example
 * onStopSignals((signal, again) => (again ? process.exit(130) : server.stop()));
 */
export function onStopSignals(handle: (signal: StopSignal, again: boolean) => void): void {
	let first: number | undefined;
	const listener = (signal: StopSignal) => {
		const now = performance.now();
		if (first === undefined) {
			first = now;
			handle(signal, false);
		} else if (now - first >= REPEAT_WINDOW_MS) handle(signal, true);
	};
	process.on("SIGINT", listener);
	process.on("SIGTERM", listener);
}
