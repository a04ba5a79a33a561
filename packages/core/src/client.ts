import type { Socket } from "bun";
import { EchoError } from "./errors.ts";
import { OutboundQueue } from "./outbound-queue.ts";

/**
 * A connection to an echo server. Writes are queued and sent as the kernel takes them (Bun's
 * writes are unbuffered); received bytes wait in order until read, and reading pauses while more
 * than `highWaterMark` bytes are unread, so a slow reader pushes back on the server.
 * Get one from {@link connect}.
 * @example
 * const client = await connect({ port: 8888 });
 * client.write("hello");
 * await client.end();                  // half-close: "I am done sending"
 * console.log(new TextDecoder().decode(await client.readAll())); // "hello"
 */
export class EchoClient implements AsyncIterable<Uint8Array> {
	/** Resolves when the connection is fully closed. */
	readonly closed: Promise<void>;
	private readonly out = new OutboundQueue();
	private readonly received: Uint8Array[] = [];
	private receivedBytes = 0;
	private eof = false;
	private error: Error | null = null;
	private paused = false;
	private ending = false;
	private waitingReader: (() => void) | null = null;
	private drainWaiters: { resolve: () => void; reject: (error: Error) => void }[] = [];
	/** The socket closed while written bytes were still unsent: they are lost. */
	private unsent = false;
	private resolveClosed!: () => void;
	private socket!: Socket<EchoClient>;

	/** @internal Use {@link connect}. */
	constructor(private readonly highWaterMark: number) {
		this.closed = new Promise((resolve) => {
			this.resolveClosed = resolve;
		});
	}

	/** @internal */
	attach(socket: Socket<EchoClient>): void {
		this.socket = socket;
	}

	/** Bytes written but not yet taken by the kernel. */
	get pendingBytes(): number {
		return this.out.bytes;
	}

	/**
	 * Queues bytes (or UTF-8 text) for sending. Never loses data.
	 * @returns true when the kernel took everything now; false when some waits (see {@link drained}).
	 */
	write(data: string | Uint8Array): boolean {
		if (this.ending || this.eof) throw new EchoError("E_CLOSED", "write after end or close");
		if (!this.out.send(this.socket, typeof data === "string" ? Buffer.from(data) : data)) {
			// Bun's write returned -1: the socket is closed (often a reset not reported yet).
			this.unsent = true;
			throw unsentError();
		}
		return this.out.isEmpty;
	}

	/** Resolves once everything written so far is in the kernel's hands. */
	drained(): Promise<void> {
		if (this.unsent) return Promise.reject(unsentError());
		if (this.out.isEmpty || this.eof) return Promise.resolve();
		return new Promise((resolve, reject) => this.drainWaiters.push({ resolve, reject }));
	}

	/** Writes and waits until the kernel took it: the await is the backpressure. */
	async send(data: string | Uint8Array): Promise<void> {
		if (!this.write(data)) await this.drained();
	}

	/**
	 * The next bytes received, in order, or `null` once the server closed and all was read.
	 * Rejects if the connection failed.
	 */
	async read(): Promise<Uint8Array | null> {
		while (this.received.length === 0) {
			if (this.error) throw this.error;
			if (this.eof) return null;
			await new Promise<void>((resolve) => {
				this.waitingReader = resolve;
			});
		}
		const chunk = this.received.shift() as Uint8Array;
		this.receivedBytes -= chunk.byteLength;
		if (this.paused && this.receivedBytes <= this.highWaterMark / 4) {
			this.paused = false;
			this.socket.resume();
		}
		return chunk;
	}

	/** Reads until the server closes and returns every byte, joined. */
	async readAll(): Promise<Uint8Array> {
		const chunks: Uint8Array[] = [];
		for await (const chunk of this) chunks.push(chunk);
		return Buffer.concat(chunks);
	}

	/** Reads exactly `length` bytes (fewer only if the server closed first). */
	async readBytes(length: number): Promise<Uint8Array> {
		const chunks: Uint8Array[] = [];
		let have = 0;
		while (have < length) {
			const chunk = await this.read();
			if (!chunk) break;
			const take = Math.min(chunk.byteLength, length - have);
			if (take < chunk.byteLength) this.unread(chunk.subarray(take));
			chunks.push(take < chunk.byteLength ? chunk.subarray(0, take) : chunk);
			have += take;
		}
		return Buffer.concat(chunks);
	}

	async *[Symbol.asyncIterator](): AsyncIterator<Uint8Array> {
		for (let chunk = await this.read(); chunk; chunk = await this.read()) yield chunk;
	}

	/** Half-close: sends everything queued, then FIN. Replies can still be read. */
	async end(): Promise<void> {
		if (this.ending) return;
		await this.drained();
		this.ending = true;
		this.socket.shutdown();
	}

	/** Closes both directions now; unsent bytes are dropped. */
	close(): void {
		this.socket.end();
	}

	/** @internal Socket handlers. */
	onData(chunk: Uint8Array): void {
		this.received.push(chunk);
		this.receivedBytes += chunk.byteLength;
		if (!this.paused && this.receivedBytes > this.highWaterMark) {
			this.paused = true;
			this.socket.pause();
		}
		this.wakeReader();
	}
	/** @internal */
	onDrain(): void {
		if (!this.out.flush(this.socket)) this.unsent = true;
		if (this.out.isEmpty || this.unsent) this.releaseDrainWaiters();
	}
	/** @internal */
	onClose(error?: Error): void {
		this.eof = true;
		if (!this.out.isEmpty) this.unsent = true;
		if (error)
			this.error = new EchoError("E_CLOSED", `connection lost: ${error.message}`, { cause: error });
		this.out.clear();
		this.releaseDrainWaiters();
		this.wakeReader();
		this.resolveClosed();
	}

	private unread(chunk: Uint8Array): void {
		this.received.unshift(chunk);
		this.receivedBytes += chunk.byteLength;
	}

	private wakeReader(): void {
		const wake = this.waitingReader;
		this.waitingReader = null;
		wake?.();
	}

	private releaseDrainWaiters(): void {
		const waiters = this.drainWaiters;
		this.drainWaiters = [];
		for (const waiter of waiters) {
			if (this.unsent) waiter.reject(unsentError());
			else waiter.resolve();
		}
	}
}

function unsentError(): EchoError {
	return new EchoError("E_CLOSED", "the connection closed before all written bytes were sent");
}
