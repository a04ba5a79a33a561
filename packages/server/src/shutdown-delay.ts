/**
 * `--shutdown-delay`: between the stop signal and the graceful stop, a window in which the
 * server still accepts and serves but `/readyz` already answers 503, so a load balancer or
 * Kubernetes (whose endpoints update a little after the pod is told to stop) takes it out of
 * rotation before the listener closes, and no client arriving meanwhile is refused.
 * @module
 */

/** What {@link stopAfterDelay} does at each step. */
export interface DelayedStopSteps {
	/** Called at once: readiness turns false (`/readyz` 503). */
	notReady(): void;
	/** The normal graceful stop (core's `server.stop`), called when the delay is over. */
	stop(): Promise<void>;
}

/** A stop under way. */
export interface DelayedStop {
	/** Settles as `stop()` does, after the delay. */
	readonly done: Promise<void>;
	/** Ends the delay now (e.g. on a second signal): the graceful stop starts at once. */
	skipDelay(): void;
}

/**
 * Begins a stop: readiness off now, keep accepting for `delayMs` milliseconds, then `stop()`.
 * With `delayMs` 0 the stop starts at once (readiness is still turned off first).
 * @example
 * let ready = true;
 * const { done } = stopAfterDelay(settings.shutdownDelay * 1000, {
 *   notReady: () => (ready = false),
 *   stop: () => server.stop({ drainTimeoutMs }),
 * });
 * await done;
 */
export function stopAfterDelay(delayMs: number, steps: DelayedStopSteps): DelayedStop {
	steps.notReady();
	const waited = Promise.withResolvers<void>();
	const timer = setTimeout(waited.resolve, Math.max(0, delayMs));
	const done = waited.promise.then(() => steps.stop());
	return {
		done,
		skipDelay() {
			clearTimeout(timer);
			waited.resolve();
		},
	};
}
