/**
 * Request/response load over WebSocket (`echo-client bench --ws`): each connection keeps
 * `pipeline` binary messages of `size` bytes in flight (closed loop) or sends on a fixed clock
 * (open loop, `rate`). Each reply is one message and must be exactly the message sent, in order;
 * every byte is checked against the connection's pattern stream, as over TCP.
 *
 * Message `i` of a connection is stream bytes `[i * size, (i + 1) * size)` of its pattern
 * (see pattern.ts): a view of the shared buffer when `size` fits in one period, else a copy
 * into one scratch buffer per connection (Bun's `send` copies what it does not send at once).
 * Backpressure: no more is sent while `bufferedAmount` is above a mark; the closed loop bounds
 * it anyway (`pipeline × size`), and the open loop's 1 ms clock looks again.
 * @module
 */
import type { TLSOptions } from "bun";
import { Schedule } from "./pace.ts";
import { type Pattern, PERIOD, streamBase } from "./pattern.ts";
import type { RrSettings } from "./rr.ts";

/** Stop sending while the socket holds more than this many unsent bytes (1 MiB). */
const HIGH_WATER = 1 << 20;

/** One WebSocket bench connection. */
export class WsRrConnection {
	/** Resolves when the WebSocket is closed. */
	readonly closed: Promise<void>;
	private ws: WebSocket | null = null;
	private readonly base: number;
	private readonly schedule: Schedule;
	private readonly scratch: Buffer | null;
	/** Messages handed to the socket. */
	private sent = 0;
	/** Replies received. */
	private completed = 0;
	private stopped = false;
	private failed = false;
	private resolveClosed!: () => void;
	private drained: (() => void) | null = null;

	constructor(
		index: number,
		private readonly settings: RrSettings,
	) {
		this.base = streamBase(index);
		this.schedule = new Schedule(settings.intervalMs, settings.pipeline);
		this.scratch = settings.size > PERIOD ? Buffer.allocUnsafe(settings.size) : null;
		this.closed = new Promise((resolve) => {
			this.resolveClosed = resolve;
		});
	}

	/**
	 * Takes an open WebSocket (`binaryType` `nodebuffer`) and listens to it at once, so a close
	 * before {@link start} (a server over `--max-connections` sends 1013 right after the
	 * handshake) counts as a connection error and resolves {@link closed}.
	 */
	attach(ws: WebSocket): void {
		this.ws = ws;
		ws.onmessage = (event) => this.onMessage(event.data as Buffer | string);
		ws.onclose = () => this.onClose();
		ws.onerror = () => this.fail();
	}

	/** Starts the load on the {@link attach}ed WebSocket; nothing if it has already closed. */
	start(now: number): void {
		if (this.stopped || this.ws === null) return;
		this.schedule.begin(now);
		this.pump();
	}

	/** Open loop: issues every message scheduled at or before `now`, and sends what it can. */
	tick(now: number): void {
		if (this.stopped || this.ws === null) return;
		this.schedule.due(now);
		this.pump();
	}

	/**
	 * Stops sending, waits for the replies in flight, then closes with 1000; the connection is
	 * cut if all that takes more than `graceMs`.
	 */
	async stop(graceMs: number): Promise<void> {
		this.stopped = true;
		const ws = this.ws;
		if (ws === null) return;
		const timer = setTimeout(() => ws.terminate(), graceMs);
		if (this.completed < this.sent && !this.failed) {
			await Promise.race([new Promise<void>((resolve) => (this.drained = resolve)), this.closed]);
		}
		if (ws.readyState === WebSocket.OPEN) ws.close(1000);
		await this.closed;
		clearTimeout(timer);
	}

	private onMessage(data: Buffer | string): void {
		const { size, pattern, stats } = this.settings;
		const reply = typeof data === "string" ? Buffer.from(data) : data;
		stats.receivedBytes += reply.byteLength;
		if (this.completed >= this.sent) {
			// A reply to nothing: not an echo.
			this.fail();
			return;
		}
		const message = this.completed++;
		if (this.stopped) {
			if (this.completed >= this.sent) this.drained?.();
			return;
		}
		if (reply.byteLength !== size || !pattern.matches(this.base, message * size, reply, 0, size)) {
			stats.mismatches++;
		}
		stats.complete(this.schedule.complete(message, performance.now()));
		this.pump();
	}

	private onClose(): void {
		if (!this.stopped) this.fail();
		this.resolveClosed();
	}

	private pump(): void {
		const ws = this.ws;
		if (this.stopped || ws === null) return;
		const { size, pattern, stats } = this.settings;
		while (this.sent < this.schedule.issued && ws.bufferedAmount <= HIGH_WATER) {
			ws.send(this.message(pattern, this.sent));
			this.sent++;
			stats.sentBytes += size;
		}
	}

	/** The bytes of message `index`. */
	private message(pattern: Pattern, index: number): Uint8Array {
		const { size } = this.settings;
		const start = (this.base + index * size) % PERIOD;
		if (this.scratch === null) return pattern.bytes.subarray(start, start + size);
		for (let filled = 0; filled < size; ) {
			const from = (start + filled) % PERIOD;
			const length = Math.min(size - filled, PERIOD);
			pattern.bytes.copy(this.scratch, filled, from, from + length);
			filled += length;
		}
		return this.scratch;
	}

	private fail(): void {
		if (this.failed || this.stopped) return;
		this.failed = true;
		this.stopped = true;
		this.settings.stats.errors++;
		this.ws?.terminate();
	}
}

/**
 * Opens a WebSocket to `url` and resolves once the handshake is done, having handed it to
 * `connection` ({@link WsRrConnection.attach}) in the `open` event itself, so no later event is
 * missed; rejects with the `error` event's error (or a `ETIMEDOUT` one after `timeoutMs`).
 */
export function openBenchSocket(
	url: string,
	tls: TLSOptions | undefined,
	timeoutMs: number,
	connection: WsRrConnection,
): Promise<WebSocket> {
	const ws = new WebSocket(url, tls ? { tls } : {});
	ws.binaryType = "nodebuffer";
	return new Promise((resolve, reject) => {
		let failure: unknown = new Error("closed during the handshake");
		const timer = setTimeout(() => {
			ws.onopen = ws.onerror = ws.onclose = null;
			ws.terminate();
			reject(Object.assign(new Error(`timed out after ${timeoutMs} ms`), { code: "ETIMEDOUT" }));
		}, timeoutMs);
		ws.onerror = (event) => {
			failure = (event as ErrorEvent).error ?? new Error((event as ErrorEvent).message);
		};
		ws.onclose = () => {
			clearTimeout(timer);
			reject(failure);
		};
		ws.onopen = () => {
			clearTimeout(timer);
			ws.onopen = null;
			connection.attach(ws);
			resolve(ws);
		};
	});
}
