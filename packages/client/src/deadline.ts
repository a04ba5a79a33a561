/**
 * How long we wait for the server to finish once we have nothing more to send.
 * @module
 */

/**
 * A deadline for the server's next move after our half-close: it expires when the server sends
 * nothing and does not close for `ms`. Time spent writing to our own stdout does not count, so
 * a slow reader of our output (`| less`) is not blamed on the server.
 */
export class ReplyDeadline {
	/** Rejects with `onExpire()`'s error when the deadline passes; never resolves. */
	readonly expired: Promise<never>;
	private reject!: (error: Error) => void;
	private timer: Timer | undefined;
	private started = false;
	private held = false;

	constructor(
		private readonly ms: number,
		private readonly onExpire: () => Error,
	) {
		this.expired = new Promise<never>((_, reject) => {
			this.reject = reject;
		});
		// Nobody may be listening when it fires after the exchange ended; that is fine.
		this.expired.catch(() => {});
	}

	/** Starts counting: we half-closed and wait for the server. */
	start(): void {
		this.started = true;
		this.arm();
	}

	/** Pauses counting while a received chunk is written out. */
	hold(): void {
		this.held = true;
		clearTimeout(this.timer);
	}

	/** Counts again, from zero, after a chunk was written out. */
	release(): void {
		this.held = false;
		this.arm();
	}

	/** Stops for good. */
	stop(): void {
		this.started = false;
		clearTimeout(this.timer);
	}

	private arm(): void {
		clearTimeout(this.timer);
		if (!this.started || this.held) return;
		this.timer = setTimeout(() => this.reject(this.onExpire()), this.ms);
	}
}
