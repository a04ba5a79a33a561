/**
 * The path of a byte, socket to socket. For one connection:
 *
 *   data → framing (raw | lines) → plugin chain → outbound queue → socket.write
 *
 * `onData`, `onDrain`, `onEnd` and `onClose` are Bun's socket handlers for this connection.
 * With no transforms the chunk goes straight to the outbound queue: no allocation, copy or
 * promise per message. Bun does not await async handlers, so when a transform returns a promise
 * the connection is marked busy and later chunks wait in `inbox` until it settles: replies
 * leave in arrival order.
 */
import { EchoError } from "./errors.ts";
import { LineBuffer } from "./line-buffer.ts";
import { OutboundQueue } from "./outbound-queue.ts";
import { NO_REPLY } from "./plugin.ts";
import type { ConnectionSettings, SocketLike, Transform } from "./settings.ts";
import type { ConnectionInfo, Message, PluginContext, TransformResult } from "./types.ts";

type Outcome = Uint8Array | typeof NO_REPLY;

export class Connection implements ConnectionInfo {
	readonly id: number;
	readonly remoteAddress: string;
	readonly remotePort: number;
	readonly out = new OutboundQueue();
	/** One context per plugin whose `open` hook ran, in plugin order. */
	private contexts: PluginContext<unknown>[] = [];
	private readonly message = new ReusedMessage();
	private readonly lines: LineBuffer | null;
	/** Chunks that arrived while an async transform was running, in order. */
	private inbox: Uint8Array[] = [];
	private inboxBytes = 0;
	/** Replies produced from one chunk, written with one syscall. */
	private batch: Uint8Array[] = [];
	/** Bytes since the last `\n`, for the line limit when no transform needs lines cut. */
	private openLineBytes = 0;
	/** Index of the transform running now, to name the plugin when it throws. */
	private current = 0;
	private busy = false;
	private paused = false;
	/** No more input will be processed: FIN, server stop or failure. */
	private inputDone = false;
	/** Replies are complete: close the socket as soon as the queue is empty. */
	private closing = false;
	private closed = false;

	constructor(
		readonly socket: SocketLike,
		private readonly settings: ConnectionSettings,
	) {
		this.id = settings.nextId();
		this.remoteAddress = socket.remoteAddress;
		this.remotePort = socket.remotePort;
		this.lines = settings.framing === "lines" ? new LineBuffer(settings.maxLineBytes) : null;
	}

	/** Runs every plugin's `open` hook; a throw closes this connection only. */
	open(): void {
		const { plugins, logger } = this.settings;
		for (const plugin of plugins) {
			try {
				const state = plugin.open ? plugin.open(this) : undefined;
				this.contexts.push({ connection: this, logger, state });
			} catch (error) {
				this.fail(error, plugin.name);
				return;
			}
		}
	}

	/** Bun `data`: one socket read. */
	onData(chunk: Uint8Array): void {
		if (this.inputDone) return;
		if (this.busy) {
			this.inbox.push(chunk);
			this.inboxBytes += chunk.byteLength;
		} else if (this.settings.transforms.length === 0) {
			// The echo path: the chunk itself is the reply.
			if (this.lines && !this.withinLineLimit(chunk)) return;
			if (!this.out.send(this.socket, chunk)) return;
		} else {
			this.process(chunk);
		}
		this.applyBackpressure();
	}

	/** Bun `drain`: the kernel takes bytes again. */
	onDrain(): void {
		if (!this.out.flush(this.socket)) return;
		if (this.closing && this.out.isEmpty) this.socket.end();
		else this.applyBackpressure();
	}

	/** Bun `end` (the client sent FIN), or the server stopping: reply to what came, then close. */
	onEnd(dropPartialLine = false): void {
		if (this.closing) return;
		this.inputDone = true;
		if (dropPartialLine) this.lines?.take();
		if (!this.busy) this.finish();
	}

	/** Bun `close`: the socket is gone, for whatever reason. Runs `close` hooks once. */
	onClose(): void {
		if (this.closed) return;
		this.closed = true;
		const stats = this.settings.stats;
		if (this.out.peak > stats.peakQueuedBytes) stats.peakQueuedBytes = this.out.peak;
		this.out.clear();
		this.inbox.length = 0;
		const { plugins, logger } = this.settings;
		this.contexts.forEach((ctx, index) => {
			const plugin = plugins[index];
			try {
				plugin?.close?.(ctx);
			} catch (error) {
				logger.error(
					`plugin "${plugin?.name}" failed in close on connection ${this.label}: ${describe(error)}`,
				);
			}
		});
	}

	/** True while an async transform is in flight. */
	get isBusy(): boolean {
		return this.busy;
	}

	/** `#id host:port`, for logs. */
	get label(): string {
		return `#${this.id} ${this.remoteAddress}:${this.remotePort}`;
	}

	private process(chunk: Uint8Array): void {
		if (!this.lines) this.deliver(chunk, false, chunk, chunk.byteLength);
		else this.processLines(chunk, 0);
		this.writeBatch();
	}

	private processLines(chunk: Uint8Array, from: number): void {
		const lines = this.lines as LineBuffer;
		let pos = from;
		while (pos < chunk.byteLength && !this.closing) {
			const newline = chunk.indexOf(NEWLINE_BYTE, pos);
			if (newline === -1) {
				if (!lines.hold(chunk.subarray(pos))) this.lineTooLong();
				return;
			}
			const line = lines.complete(chunk.subarray(pos, newline));
			pos = newline + 1;
			if (!lines.fits(line)) {
				this.lineTooLong();
				return;
			}
			if (!this.deliver(line, true, chunk, pos)) return;
		}
	}

	/**
	 * Runs the plugin chain on one message and batches its reply.
	 * @returns false when processing must stop here (async transform, failure).
	 */
	private deliver(bytes: Uint8Array, newline: boolean, chunk: Uint8Array, rest: number): boolean {
		this.message.bytes = bytes;
		let outcome: Outcome | Promise<Outcome>;
		try {
			outcome = this.runFrom(0);
		} catch (error) {
			this.fail(error);
			return false;
		}
		if (outcome instanceof Uint8Array || outcome === NO_REPLY) {
			this.reply(outcome, newline);
			return true;
		}
		// Async: park the rest of this chunk at the head of the inbox, in order.
		this.busy = true;
		if (rest < chunk.byteLength) {
			this.inbox.unshift(chunk.subarray(rest));
			this.inboxBytes += chunk.byteLength - rest;
		}
		outcome.then(
			(settled) => this.settled(settled, newline),
			(error: unknown) => this.fail(error),
		);
		return false;
	}

	/** The plugin chain from transform `index` on; sync as long as every transform is. */
	private runFrom(index: number): Outcome | Promise<Outcome> {
		const transforms = this.settings.transforms;
		for (let i = index; i < transforms.length; i++) {
			const transform = transforms[i] as Transform;
			this.current = i;
			const result = transform.run(
				this.message,
				this.contexts[transform.index] as PluginContext<unknown>,
			);
			if (isPromise(result)) {
				return result.then((settled) => (this.apply(settled) ? this.runFrom(i + 1) : NO_REPLY));
			}
			if (!this.apply(result)) return NO_REPLY;
		}
		return this.message.bytes;
	}

	/** Applies one transform's result to the message; false means "reply nothing". */
	private apply(result: TransformResult | undefined): boolean {
		if (result === null || result === undefined) return true;
		if (result === NO_REPLY) return false;
		if (typeof result === "string") this.message.bytes = Buffer.from(result);
		else if (result instanceof Uint8Array) this.message.bytes = result;
		else {
			throw new EchoError(
				"E_PLUGIN_RESULT",
				`returned ${typeof result}; expected string, Uint8Array, null or NO_REPLY`,
			);
		}
		return true;
	}

	private settled(outcome: Outcome, newline: boolean): void {
		if (this.closed || this.closing) return;
		this.busy = false;
		this.reply(outcome, newline);
		// Work through what arrived meanwhile, until a transform goes async again.
		while (!this.busy && !this.closing && this.inbox.length > 0) {
			const chunk = this.inbox.shift() as Uint8Array;
			this.inboxBytes -= chunk.byteLength;
			if (this.lines) this.processLines(chunk, 0);
			else this.deliver(chunk, false, chunk, chunk.byteLength);
		}
		this.writeBatch();
		if (!this.busy && this.inputDone) this.finish();
		else this.applyBackpressure();
	}

	private reply(outcome: Outcome, newline: boolean): void {
		if (outcome === NO_REPLY) return;
		if (outcome.byteLength > 0) this.batch.push(outcome);
		if (newline) this.batch.push(NEWLINE);
	}

	private writeBatch(): void {
		const batch = this.batch;
		if (batch.length === 0) return;
		this.out.send(
			this.socket,
			batch.length === 1 ? (batch[0] as Uint8Array) : Buffer.concat(batch),
		);
		batch.length = 0;
	}

	/** Input is over and no transform is running: deliver an unterminated last line, then close once flushed. */
	private finish(): void {
		if (!this.closing && !this.closed) {
			const last = this.settings.transforms.length > 0 ? this.lines?.take() : null;
			if (last && !this.deliver(last, false, last, last.byteLength)) return;
			this.writeBatch();
		}
		this.closing = true;
		if (this.out.isEmpty) this.socket.end();
	}

	/** Pauses reading while replies pile up (the client is not reading), resumes once they drain. */
	private applyBackpressure(): void {
		const waiting = this.out.bytes + this.inboxBytes;
		if (!this.paused && waiting > this.settings.highWaterMark) {
			this.paused = true;
			this.settings.stats.pauses++;
			this.socket.pause();
		} else if (this.paused && waiting <= this.settings.lowWaterMark && !this.inputDone) {
			this.paused = false;
			this.socket.resume();
		}
	}

	/** Line limit on the echo path, where lines need not be cut out. */
	private withinLineLimit(chunk: Uint8Array): boolean {
		let start = 0;
		for (
			let newline = chunk.indexOf(NEWLINE_BYTE);
			newline !== -1;
			newline = chunk.indexOf(NEWLINE_BYTE, start)
		) {
			if (this.openLineBytes + newline - start > this.settings.maxLineBytes) break;
			this.openLineBytes = 0;
			start = newline + 1;
		}
		this.openLineBytes += chunk.byteLength - start;
		if (this.openLineBytes <= this.settings.maxLineBytes) return true;
		this.lineTooLong();
		return false;
	}

	private lineTooLong(): void {
		const limit = this.settings.maxLineBytes;
		this.settings.logger.warn(
			`closing connection ${this.label}: line longer than ${limit} bytes (E_LINE_TOO_LONG)`,
		);
		this.stopInput();
	}

	/** A plugin threw or rejected: log it with the plugin's name, send what was already due, close. */
	private fail(error: unknown, pluginName?: string): void {
		if (this.closed) return;
		const name = pluginName ?? this.settings.transforms[this.current]?.name ?? "?";
		this.settings.logger.error(
			`plugin "${name}" failed on connection ${this.label}: ${describe(error)}`,
		);
		this.busy = false;
		this.stopInput();
	}

	private stopInput(): void {
		this.inputDone = true;
		this.inbox.length = 0;
		this.inboxBytes = 0;
		this.lines?.take();
		if (!this.paused) {
			this.paused = true;
			this.socket.pause();
		}
		this.writeBatch();
		this.closing = true;
		if (this.out.isEmpty) this.socket.end();
	}
}

/** The message object a connection hands to transforms, reused for each message. */
class ReusedMessage implements Message {
	bytes: Uint8Array = NEWLINE;
	text(): string {
		return decoder.decode(this.bytes);
	}
}

function isPromise(value: unknown): value is Promise<TransformResult> {
	return (
		typeof value === "object" &&
		value !== null &&
		typeof (value as Promise<unknown>).then === "function"
	);
}

function describe(error: unknown): string {
	return error instanceof Error ? error.message : String(error);
}

const decoder = new TextDecoder();
const NEWLINE_BYTE = 0x0a;
const NEWLINE = new Uint8Array([NEWLINE_BYTE]);
