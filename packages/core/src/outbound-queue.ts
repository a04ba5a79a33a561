/** The part of a Bun socket the queue writes to. */
export interface Writable {
	write(data: Uint8Array): number;
}

/**
 * Bytes the kernel has not taken yet, for one socket. Bun's `socket.write` is unbuffered: it
 * returns how many bytes the kernel accepted and forgets the rest, so everything past that
 * count is kept here, in order, until the `drain` handler calls {@link flush}.
 */
export class OutboundQueue {
	/** Bytes waiting, summed over `chunks`. */
	bytes = 0;
	/** The most bytes that ever waited at once. */
	peak = 0;
	/** Allocated at the first partial write: most connections never need it. */
	private chunks: Uint8Array[] | null = null;
	private head = 0;

	/**
	 * @param counter where the bytes the kernel took are added up (a transport's counters), one
	 * addition per write.
	 */
	constructor(private readonly counter: { bytesSent: number } = { bytesSent: 0 }) {}

	get isEmpty(): boolean {
		return this.bytes === 0;
	}

	/**
	 * Sends `data` now if nothing is waiting, queuing whatever the kernel does not take.
	 * @returns false when the socket is closed (nothing more will be sent).
	 */
	send(socket: Writable, data: Uint8Array): boolean {
		if (this.bytes > 0) {
			this.enqueue(data);
			return true;
		}
		const written = socket.write(data);
		if (written < 0) return false;
		this.counter.bytesSent += written;
		// The common case: the kernel took it all, nothing is allocated or kept.
		// Whole when nothing was taken: a message transport's message keeps its identity (text).
		if (written < data.byteLength) this.enqueue(written === 0 ? data : data.subarray(written));
		return true;
	}

	/**
	 * Writes queued bytes until the kernel stops taking them.
	 * @returns false when the socket is closed.
	 */
	flush(socket: Writable): boolean {
		const chunks = this.chunks;
		if (chunks === null) return true;
		while (this.head < chunks.length) {
			const chunk = chunks[this.head] as Uint8Array;
			const written = socket.write(chunk);
			if (written < 0) return false;
			this.counter.bytesSent += written;
			this.bytes -= Math.max(0, written);
			if (written < chunk.byteLength) {
				chunks[this.head] = chunk.subarray(written);
				return true;
			}
			this.head++;
		}
		chunks.length = 0;
		this.head = 0;
		return true;
	}

	/** Forgets everything queued (the peer is gone). */
	clear(): void {
		this.chunks = null;
		this.head = 0;
		this.bytes = 0;
	}

	private enqueue(data: Uint8Array): void {
		this.chunks ??= [];
		this.chunks.push(data);
		this.bytes += data.byteLength;
		if (this.bytes > this.peak) this.peak = this.bytes;
	}
}
