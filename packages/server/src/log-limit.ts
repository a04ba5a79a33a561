/**
 * Rate limits for the server's per-event warnings: a client or scanner that loops (malformed or
 * missing PROXY headers, failing TLS handshakes, connections over `--max-connections`, a plugin
 * that throws on every message) must not turn the log into a flood. Lines of one kind (core's
 * `event` field, see `LogEvent`) are printed up to {@link LOG_LIMIT}`.lines` per window of
 * {@link LOG_LIMIT}`.windowMs`; the rest are counted, and one summary line says how many were
 * left out when the window ends. The metrics count every event regardless.
 * @module
 */

/** At most `lines` lines of a kind in a window of `windowMs`, from the first line of the kind. */
export const LOG_LIMIT = { lines: 10, windowMs: 10_000 } as const;

/** What {@link LogLimiter} reports when a window in which lines were left out ends. */
export interface Suppressed<T> {
	/** The kind's key (an event, or `plugin_error:NAME` for one plugin's errors). */
	key: string;
	/** How many lines of the kind were left out in the window. */
	count: number;
	/** The window's length, in seconds. */
	windowSeconds: number;
	/** The first line left out, whose level and fields the summary takes. */
	first: T;
}

/**
 * Counts lines by kind in fixed windows. A window starts at the first line of its kind; the
 * first `lines` lines in it pass, the rest are left out and counted. A timer runs only while a
 * window has left something out (armed at the first line left out, unref'd), so a quiet or
 * lightly warning server never wakes up for it; it reports the count through `report` as the
 * window ends. {@link flush} reports the windows still open (at exit).
 * @example
 * const limiter = new LogLimiter<string>((s) => console.warn(`${s.count} more ${s.key}`));
 * if (limiter.allow("proxy_header", line)) console.warn(line);
 */
export class LogLimiter<T> {
	private readonly windows = new Map<string, Window<T>>();

	constructor(
		private readonly report: (suppressed: Suppressed<T>) => void,
		private readonly limit: { lines: number; windowMs: number } = LOG_LIMIT,
		private readonly now: () => number = performance.now.bind(performance),
	) {}

	/** Whether a line of kind `key` may be printed now; if not, it is counted (`line` kept if first). */
	allow(key: string, line: T): boolean {
		const now = this.now();
		let window = this.windows.get(key);
		if (window === undefined || now - window.start >= this.limit.windowMs) {
			if (window) this.end(key, window); // its timer has not run yet: report before the new one
			window = { start: now, printed: 0, suppressed: 0, first: null, timer: null };
			this.windows.set(key, window);
		}
		if (window.printed < this.limit.lines) {
			window.printed++;
			return true;
		}
		if (window.suppressed++ === 0) {
			window.first = line;
			const current = window;
			const timer = setTimeout(
				() => this.end(key, current),
				window.start + this.limit.windowMs - now,
			);
			timer.unref();
			window.timer = timer;
		}
		return false;
	}

	/** Reports every window that left lines out, now (before the process exits). */
	flush(): void {
		for (const [key, window] of this.windows) this.end(key, window);
	}

	private end(key: string, window: Window<T>): void {
		if (this.windows.get(key) === window) this.windows.delete(key);
		if (window.timer) clearTimeout(window.timer);
		window.timer = null;
		if (window.suppressed === 0 || window.first === null) return;
		const { suppressed: count, first } = window;
		window.suppressed = 0;
		this.report({ key, count, windowSeconds: this.limit.windowMs / 1000, first });
	}
}

interface Window<T> {
	start: number;
	printed: number;
	suppressed: number;
	first: T | null;
	timer: ReturnType<typeof setTimeout> | null;
}
