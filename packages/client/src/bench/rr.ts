/**
 * Request/response load on raw TCP: each connection keeps `pipeline` messages in flight (closed
 * loop) or sends on a fixed clock (open loop, `rate`), counts returned bytes, and checks them.
 *
 * Echo is a byte stream, so a message is complete when its `size` bytes are back, however the
 * reads cut them. Sending is a counter over the connection's pattern stream (see pattern.ts):
 * `pump` writes stream bytes up to `issued * size` and stops when the kernel stops taking
 * them; `drain` resumes. Nothing is queued or copied, so backpressure costs no memory.
 * @module
 */
import type { Socket, SocketHandler } from "bun";
import { Schedule } from "./pace.ts";
import { type Pattern, streamBase } from "./pattern.ts";
import type { BenchStats } from "./stats.ts";

/** What every connection of one run shares. */
export interface RrSettings {
	readonly size: number;
	readonly pipeline: number;
	/** Open loop: milliseconds between one connection's sends; 0 for a closed loop. */
	readonly intervalMs: number;
	readonly pattern: Pattern;
	readonly stats: BenchStats;
}

/** One bench connection's state; it is the Bun socket's `data`. */
export class RrConnection {
	/** Resolves when the socket is closed. */
	readonly closed: Promise<void>;
	private socket: Socket<RrConnection> | null = null;
	private readonly base: number;
	private readonly schedule: Schedule;
	/** Stream bytes the kernel took. */
	private sent = 0;
	/** Stream bytes that came back. */
	private received = 0;
	/** Messages whose bytes all came back. */
	private completed = 0;
	/** The last message counted as mismatched, so one message counts once. */
	private lastBad = -1;
	private blocked = false;
	private stopped = false;
	private failed = false;
	private resolveClosed!: () => void;
	/** Set by {@link stop} while it waits for the replies in flight. */
	private drained: (() => void) | null = null;

	constructor(
		index: number,
		private readonly settings: RrSettings,
	) {
		this.base = streamBase(index);
		this.schedule = new Schedule(settings.intervalMs, settings.pipeline);
		this.closed = new Promise((resolve) => {
			this.resolveClosed = resolve;
		});
	}

	/** Starts the load on a connected socket. */
	start(socket: Socket<RrConnection>, now: number): void {
		this.socket = socket;
		this.schedule.begin(now);
		this.pump();
	}

	/** Open loop: issues every message scheduled at or before `now`. */
	tick(now: number): void {
		if (this.stopped || this.socket === null) return;
		if (this.schedule.due(now)) this.pump();
	}

	/**
	 * Stops sending, waits for the replies still in flight, then closes politely; the socket is
	 * cut if all that takes more than `graceMs`. Waiting first because bytes that arrive after
	 * our `end()` may never be read: the bench's own byte count (set beside the server's metrics)
	 * would then fall short of what the server sent.
	 */
	async stop(graceMs: number): Promise<void> {
		this.stopped = true;
		const socket = this.socket;
		if (socket === null) return;
		const timer = setTimeout(() => socket.terminate(), graceMs);
		if (this.received < this.sent && !this.failed) {
			await Promise.race([new Promise<void>((resolve) => (this.drained = resolve)), this.closed]);
		}
		socket.end();
		await this.closed;
		clearTimeout(timer);
	}

	/** Bun `data`. */
	onData(chunk: Uint8Array): void {
		const { size, pattern, stats, intervalMs } = this.settings;
		stats.receivedBytes += chunk.byteLength;
		if (this.stopped) {
			// Stopping: the replies still owed are only counted (the window is over).
			this.received += chunk.byteLength;
			if (this.received >= this.sent) this.drained?.();
			return;
		}
		const now = performance.now();
		const length = chunk.byteLength;
		if (this.received + length > this.sent) {
			// More bytes than were sent: not an echo.
			this.fail();
			return;
		}
		if (!pattern.matches(this.base, this.received, chunk, 0, length)) this.countMismatches(chunk);
		this.received += length;
		const done = Math.floor(this.received / size);
		for (; this.completed < done; this.completed++) {
			stats.complete(this.schedule.complete(this.completed, now));
		}
		// Closed loop: the replies freed slots; the open loop sends on its ticks.
		if (intervalMs === 0) this.pump();
	}

	/** Bun `drain`. */
	onDrain(): void {
		this.blocked = false;
		this.pump();
	}

	/** Bun `end`: the server closed its side while we were still sending. */
	onEnd(): void {
		if (!this.stopped) this.fail();
		else this.socket?.end();
	}

	/** Bun `close` (also after `error`). */
	onClose(): void {
		if (!this.stopped) this.fail();
		this.resolveClosed();
	}

	/** Bun `error`. */
	onError(): void {
		this.fail();
	}

	private pump(): void {
		const socket = this.socket;
		if (this.blocked || this.stopped || socket === null) return;
		const target = this.schedule.issued * this.settings.size;
		if (this.sent >= target) return;
		const written = this.settings.pattern.write(socket, this.base, this.sent, target);
		if (written < 0) return;
		this.sent += written;
		this.settings.stats.sentBytes += written;
		this.blocked = this.sent < target;
	}

	/** Finds which messages in `chunk` differ from what was sent; counts each once. */
	private countMismatches(chunk: Uint8Array): void {
		const { size, pattern, stats } = this.settings;
		let position = this.received;
		let start = 0;
		while (start < chunk.byteLength) {
			const message = Math.floor(position / size);
			const end = Math.min(chunk.byteLength, start + (message + 1) * size - position);
			if (message !== this.lastBad && !pattern.matches(this.base, position, chunk, start, end)) {
				this.lastBad = message;
				stats.mismatches++;
			}
			position += end - start;
			start = end;
		}
	}

	private fail(): void {
		if (this.failed || this.stopped) return;
		this.failed = true;
		this.stopped = true;
		this.settings.stats.errors++;
		this.socket?.terminate();
	}
}

/** Bun socket handlers shared by every {@link RrConnection}. */
export const rrHandlers: SocketHandler<RrConnection> = {
	data: (socket, chunk) => socket.data.onData(chunk),
	drain: (socket) => socket.data.onDrain(),
	end: (socket) => socket.data.onEnd(),
	close: (socket) => socket.data.onClose(),
	error: (socket) => socket.data.onError(),
};
