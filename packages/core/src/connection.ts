/**
 * The path of a byte, socket to socket. For one connection:
 *
 *   onData → framing (raw | lines) → plugin chain → outbound queue → socket.write
 *
 * `onData`, `onDrain`, `onEnd` and `onClose` are Bun's socket handlers for this connection.
 * With no transforms the chunk goes straight to the outbound queue: no allocation, copy or
 * promise per message. Bun does not await async handlers, so when a transform returns a promise
 * the connection is marked busy and later chunks wait in `inbox` until it settles: replies
 * leave in arrival order.
 *
 * A connection's life is one forward-only {@link Phase}, changed only by `moveTo`, which checks
 * the move. With `proxyProtocol` it starts in `proxy`: its first bytes are read as a PROXY header
 * (`readHeader`), and only a whole one moves it to `reading`, opening the plugins with the
 * header's address. `busy`, `paused` and `peerEnded` are independent flags beside it.
 */
import { countPluginError, countReason, recordDuration } from "./counters.ts";
import { logStack, PluginError } from "./errors.ts";
import { handshakeFailure, LEFT_DURING_HANDSHAKE } from "./handshake-failure.ts";
import { endsWithCR, LineBuffer } from "./line-buffer.ts";
import { OutboundQueue } from "./outbound-queue.ts";
import { checkMove, Phase, type PhaseName, phaseName } from "./phase.ts";
import { type Outcome, Pipeline } from "./pipeline.ts";
import { isNoReply } from "./plugin.ts";
import { type ProxyEndpoint, parseProxyHeader } from "./proxy-header.ts";
import { type ConnectionSettings, peerName, type SocketLike } from "./settings.ts";
import type { ConnectionInfo, Framing, LogFields, Transport, TransportStats } from "./types.ts";

export class Connection implements ConnectionInfo {
	readonly id: number;
	readonly out: OutboundQueue;
	/** This transport's counters (shared by its connections): bytes, messages, pauses, … */
	readonly counters: TransportStats;
	/** `performance.now()` at accept, for the duration recorded at close. */
	private readonly openedAt = performance.now();
	/** The idle clock's tick when bytes last moved; see `Server`'s idle sweep. */
	lastActive: number;
	/** `null` without plugins: plain echo keeps no plugin state per connection. */
	private readonly pipeline: Pipeline | null;
	private readonly lines: LineBuffer | null;
	/** Chunks that arrived while an async transform was running, in order. */
	private inbox: Uint8Array[] = NONE;
	private inboxBytes = 0;
	/** Replies produced from one chunk, written with one syscall. */
	private batch: Uint8Array[] = NONE;
	private phase: Phase;
	/** An async hook (transform or greeting) is in flight; input waits in `inbox`. */
	private busy = false;
	/** Reading is paused: for backpressure, or because input is over. */
	private paused = false;
	/** The client sent FIN: all it will ever send has been read. */
	private peerEnded = false;
	/** Bun gives no port for a Unix socket client, nor for any socket after close: kept from accept. */
	private readonly socketPort: number;
	/** The client behind the proxy, from the PROXY header; `null` without one (or LOCAL, UNKNOWN). */
	private proxied: ProxyEndpoint | null = null;
	/** The PROXY header said the proxy speaks for itself (v2 LOCAL, v1 UNKNOWN): a health check. */
	healthCheck = false;
	/** The PROXY header's bytes so far, while it is incomplete (phase `proxy`). */
	private headerBytes: Uint8Array | null = null;

	/**
	 * @param handshaking true for a TLS connection accepted before its handshake: nothing runs
	 * until {@link onHandshake} reports success.
	 */
	constructor(
		readonly socket: SocketLike,
		private readonly settings: ConnectionSettings,
		handshaking = false,
		readonly transport: Exclude<Transport, "udp"> = "tcp",
	) {
		this.phase = handshaking
			? Phase.handshaking
			: settings.proxyProtocol
				? Phase.proxy
				: Phase.reading;
		this.id = settings.nextId();
		this.socketPort = socket.remotePort ?? 0;
		this.counters = settings.counters[transport];
		this.out = new OutboundQueue(this.counters);
		this.lastActive = settings.clock.tick;
		this.lines = settings.framing === "lines" ? new LineBuffer(settings.maxLineBytes) : null;
		this.pipeline = settings.plugins.length > 0 ? new Pipeline(settings, this) : null;
	}

	/**
	 * Runs every plugin's `open` hook, then sends the greetings (`greet` hooks) ahead of any
	 * reply; a throw closes this connection only. An async greeting holds later messages in the
	 * inbox, as an async transform does.
	 */
	open(): void {
		const pipeline = this.pipeline;
		if (!pipeline) return;
		let greeting: Outcome | Promise<Outcome>;
		try {
			pipeline.open();
			if (this.settings.greeters.length === 0) return;
			greeting = pipeline.greet();
		} catch (error) {
			this.fail(error);
			return;
		}
		if (greeting instanceof Uint8Array || isNoReply(greeting)) {
			this.reply(greeting, false);
			this.writeBatch();
		} else this.wait(greeting, false);
	}

	/**
	 * Bun `handshake` (TLS only): on success the connection starts reading and its plugins'
	 * `open` hooks run; on failure (a plaintext client, a broken ClientHello) it is logged and
	 * Bun closes the socket.
	 */
	onHandshake(success: boolean, error: Error | null | undefined): void {
		if (this.phase !== Phase.handshaking) return; // cut by us (deadline, stop): already said
		if (!success) {
			this.handshakeFailed(handshakeFailure(error));
			this.moveTo(Phase.closed);
			return;
		}
		this.lastActive = this.settings.clock.tick;
		this.moveTo(Phase.reading);
		this.open();
	}

	/** Bun `data`: one socket read. */
	onData(chunk: Uint8Array): void {
		this.counters.bytesReceived += chunk.byteLength;
		if (this.phase !== Phase.reading) {
			if (this.phase === Phase.proxy) this.readHeader(chunk);
			else this.lastActive = this.settings.clock.tick; // input is over: dropped
			return;
		}
		this.lastActive = this.settings.clock.tick;
		if (this.busy) {
			this.hold(chunk, false);
		} else if (this.settings.transforms.length === 0) {
			if (!this.echo(chunk)) return;
		} else {
			this.process(chunk);
		}
		this.applyBackpressure();
	}

	/**
	 * Phase `proxy`: adds `chunk` to the header read so far. A whole header sets the client's
	 * address, opens the plugins and starts reading, with the bytes after it as the first data;
	 * anything else closes the connection, counted and with a warning naming the peer. The
	 * header's bytes are never echoed. The idle clock is not stamped: the header timeout runs
	 * from accept, so a client that trickles bytes cannot hold the connection.
	 */
	private readHeader(chunk: Uint8Array): void {
		const bytes = this.headerBytes ? Buffer.concat([this.headerBytes, chunk]) : chunk;
		const parsed = parseProxyHeader(bytes);
		if (parsed.status === "more") {
			// A copy: the chunk is Bun's to reuse after this handler (at most ~4 KiB, see MAX_V2_BODY).
			this.headerBytes = bytes === chunk ? new Uint8Array(chunk) : bytes;
			return;
		}
		this.headerBytes = null;
		const stats = this.settings.stats;
		if (parsed.status === "error") {
			if (parsed.missing) stats.proxyHeaderMissing++;
			else stats.proxyHeaderErrors++;
			countReason(this.counters.proxyHeaderFailures, parsed.missing ? "missing" : "invalid");
			this.abort(parsed.reason);
			return;
		}
		const { header } = parsed;
		const peer = peerName(this);
		this.proxied = header.source ?? null;
		this.healthCheck =
			header.command === "local" || (header.version === 1 && header.family === "unknown");
		this.settings.logger.debug(
			`connection #${this.id}: PROXY v${header.version} ${header.command} ${header.family} from ${peer}` +
				(this.proxied ? `: client ${peerName(this)}` : ""),
		);
		this.lastActive = this.settings.clock.tick;
		this.moveTo(Phase.reading);
		this.open();
		if (parsed.length < bytes.byteLength) this.onData(bytes.subarray(parsed.length));
	}

	/** The client left (FIN or reset) in phase `proxy`, before its header was whole. */
	private leftBeforeHeader(how: string): void {
		this.settings.stats.proxyHeaderMissing++;
		countReason(this.counters.proxyHeaderFailures, "missing");
		const got = this.headerBytes?.byteLength ?? 0;
		this.abort(
			`no PROXY header (the client ${how} after ${got} byte${got === 1 ? "" : "s"} of it)`,
		);
	}

	/**
	 * The echo path, for a chain without transforms: the chunk itself is the reply.
	 * @returns false when the connection is closing (a line too long, the peer gone).
	 */
	private echo(chunk: Uint8Array): boolean {
		let valid = chunk.byteLength;
		if (this.lines) {
			const ended = this.lines.ended;
			valid = this.lines.scan(chunk);
			this.counters.messages += this.lines.ended - ended;
		} else this.counters.messages++;
		if (valid < chunk.byteLength) {
			this.out.send(this.socket, chunk.subarray(0, valid));
			this.lineTooLong();
			return false;
		}
		if (!this.out.send(this.socket, chunk)) {
			this.lost();
			return false;
		}
		return true;
	}

	/** Bun `drain`: the kernel takes bytes again. */
	onDrain(): void {
		this.lastActive = this.settings.clock.tick;
		if (this.phase === Phase.closed) return;
		if (!this.out.flush(this.socket)) {
			this.lost();
			return;
		}
		if (this.phase === Phase.flushing && this.out.isEmpty) this.endFlushed();
		else this.applyBackpressure();
	}

	/** Bun `end`: the client sent FIN. Reply to everything received, then close. */
	onEnd(): void {
		this.peerEnded = true;
		if (this.phase === Phase.proxy) {
			this.leftBeforeHeader("closed");
			return;
		}
		if (this.phase === Phase.lingering || this.phase === Phase.handshaking) {
			this.socket.end(); // nothing unread is left and nothing is owed: close
			return;
		}
		this.endInput();
	}

	/**
	 * The server's drain deadline passed: stop reading, answer what was read (an unfinished
	 * line as at the client's FIN), then half-close. A connection still in its TLS handshake
	 * is owed nothing: it is closed.
	 */
	stop(): void {
		if (this.phase < Phase.reading) this.abort(this.notStarted());
		else this.endInput();
	}

	/**
	 * During a graceful stop: half-closes the connection now if it is owed nothing — no reply
	 * queued, no transform in flight, no input held, no unfinished line — and read nothing
	 * since the clock's tick `since`. A connection still in its TLS handshake is closed.
	 * @returns true if it was closed or half-closed.
	 */
	endIfQuiet(since: number): boolean {
		if (this.phase < Phase.reading) {
			this.abort(this.notStarted());
			return true;
		}
		if (this.phase !== Phase.reading || this.lastActive > since || this.busy) return false;
		if (!this.out.isEmpty || this.inboxBytes > 0 || (this.lines?.bytes ?? 0) > 0) return false;
		this.endInput();
		return true;
	}

	/** Bun `close`: the socket is gone, for whatever reason. Runs `close` hooks once. */
	onClose(): void {
		if (this.phase === Phase.closed) return;
		// A client that resets during its handshake gets no `handshake` report from Bun.
		if (this.phase === Phase.handshaking) this.handshakeFailed(LEFT_DURING_HANDSHAKE);
		if (this.phase === Phase.proxy) {
			this.leftBeforeHeader("left");
			return;
		}
		this.moveTo(Phase.closed);
	}

	/**
	 * Closes the connection now, dropping what is queued (idle timeout, handshake timeout,
	 * server deadline), and logs why: a FIN when nothing is owed, a reset when queued bytes
	 * would be lost. Called again before Bun reports the close (our FIN ignored), it resets.
	 * @returns false if the connection was already closed.
	 */
	abort(reason: string): boolean {
		if (this.phase === Phase.closed) {
			this.socket.terminate();
			return false;
		}
		const gentle = this.out.isEmpty;
		this.settings.logger.warn(`closing connection ${this.label}: ${reason}`);
		this.moveTo(Phase.closed);
		if (gentle) this.socket.end();
		else this.socket.terminate();
		return true;
	}

	/**
	 * The client's address: the PROXY header's source when there is one, else read from the
	 * socket when asked (logs, plugins) rather than kept: a string per idle connection. Bun
	 * still answers it after close; empty for a Unix socket client.
	 */
	get remoteAddress(): string {
		return this.proxied ? this.proxied.address : (this.socket.remoteAddress ?? "");
	}

	/** The client's port: the PROXY header's source port when there is one; 0 for a Unix socket. */
	get remotePort(): number {
		return this.proxied ? this.proxied.port : this.socketPort;
	}

	get framing(): Framing {
		return this.settings.framing;
	}

	/** True while an async transform is in flight. */
	get isBusy(): boolean {
		return this.busy;
	}

	/** True while a TLS connection waits for its handshake to finish. */
	get isHandshaking(): boolean {
		return this.phase === Phase.handshaking;
	}

	/** True while a connection waits for its PROXY header (`proxyProtocol`). */
	get isAwaitingProxyHeader(): boolean {
		return this.phase === Phase.proxy;
	}

	/** The connection's {@link Phase}, by name: for tests and diagnostics. */
	get phaseName(): PhaseName {
		return phaseName(this.phase);
	}

	/** `#id host:port`, for logs. */
	get label(): string {
		return `#${this.id} ${peerName(this)}`;
	}

	private process(chunk: Uint8Array): void {
		if (!this.lines) this.deliver(chunk, false, chunk, chunk.byteLength);
		else this.processLines(chunk);
		this.writeBatch();
	}

	private processLines(chunk: Uint8Array): void {
		const lines = this.lines as LineBuffer;
		let pos = 0;
		while (pos < chunk.byteLength && this.phase < Phase.flushing) {
			const newline = chunk.indexOf(NEWLINE_BYTE, pos);
			if (newline === -1) {
				if (!lines.hold(chunk.subarray(pos))) this.lineTooLong();
				return;
			}
			const line = lines.complete(chunk.subarray(pos, newline));
			pos = newline + 1;
			// The message excludes the terminator, `\n` or `\r\n`; its reply ends with the same one.
			const crlf = endsWithCR(line);
			const message = crlf ? line.subarray(0, -1) : line;
			if (!lines.fits(message)) {
				this.lineTooLong();
				return;
			}
			if (!this.deliver(message, crlf ? CRLF : NEWLINE, chunk, pos)) return;
		}
	}

	/**
	 * Runs the plugin chain on one message and batches its reply, followed by `newline`: the
	 * terminator its line came with (`lines` framing), or `false` for none.
	 * @returns false when processing must stop here (async transform, failure).
	 */
	private deliver(
		message: Uint8Array,
		newline: Terminator,
		chunk: Uint8Array,
		rest: number,
	): boolean {
		let outcome: Outcome | Promise<Outcome>;
		this.counters.messages++;
		try {
			// Owned: Bun allocates a fresh buffer for each read (measured on 1.4.5), the line
			// buffer joins into a new one, and nothing here reuses either once it is sent.
			outcome = (this.pipeline as Pipeline).run(message, true);
		} catch (error) {
			this.fail(error);
			return false;
		}
		if (outcome instanceof Uint8Array || isNoReply(outcome)) {
			this.reply(outcome, newline);
			return true;
		}
		// Async: park the rest of this chunk at the head of the inbox, in order.
		if (rest < chunk.byteLength) this.hold(chunk.subarray(rest), true);
		this.wait(outcome, newline);
		return false;
	}

	/** Keeps input in the inbox while an async hook runs: at the end, or `first` at the head. */
	private hold(chunk: Uint8Array, first: boolean): void {
		if (this.inbox === NONE) this.inbox = [];
		if (first) this.inbox.unshift(chunk);
		else this.inbox.push(chunk);
		this.inboxBytes += chunk.byteLength;
		const stats = this.settings.stats;
		if (this.inboxBytes > stats.peakInboxBytes) stats.peakInboxBytes = this.inboxBytes;
	}

	/** Holds later input in the inbox until `outcome` settles (Bun does not await handlers). */
	private wait(outcome: Promise<Outcome>, newline: Terminator): void {
		this.busy = true;
		outcome.then(
			(settled) => this.settled(settled, newline),
			(error: unknown) => this.fail((this.pipeline as Pipeline).asFailure(error)),
		);
	}

	private settled(outcome: Outcome, newline: Terminator): void {
		if (this.phase >= Phase.flushing) return;
		this.busy = false;
		this.reply(outcome, newline);
		// Work through what arrived meanwhile, until a transform goes async again.
		while (!this.busy && this.phase < Phase.flushing && this.inbox.length > 0) {
			const chunk = this.inbox.shift() as Uint8Array;
			this.inboxBytes -= chunk.byteLength;
			if (this.settings.transforms.length === 0) {
				// Only after an async greeting: what it held back takes the echo path, behind it.
				this.writeBatch();
				if (!this.echo(chunk)) return;
			} else if (this.lines) this.processLines(chunk);
			else this.deliver(chunk, false, chunk, chunk.byteLength);
		}
		this.writeBatch();
		if (!this.busy && this.phase === Phase.draining) this.finish();
		else this.applyBackpressure();
	}

	private reply(outcome: Outcome, newline: Terminator): void {
		if (isNoReply(outcome)) return;
		if (this.batch === NONE) this.batch = [];
		if (outcome.byteLength > 0) this.batch.push(outcome);
		if (newline) this.batch.push(newline);
	}

	private writeBatch(): void {
		const batch = this.batch;
		if (batch.length === 0) return;
		const bytes = batch.length === 1 ? (batch[0] as Uint8Array) : Buffer.concat(batch);
		batch.length = 0;
		if (!this.out.send(this.socket, bytes)) this.lost();
	}

	/** Input is over (the client's FIN, the server's deadline): finish what is in flight, then close. */
	private endInput(): void {
		if (this.phase !== Phase.reading) return;
		this.moveTo(Phase.draining);
		if (!this.busy) this.finish();
	}

	/** Draining and nothing in flight: answer an unterminated last line, close once flushed. */
	private finish(): void {
		const last = this.settings.transforms.length > 0 ? this.lines?.take() : null;
		if (last && !this.deliver(last, false, last, last.byteLength)) return;
		this.writeBatch();
		if (this.phase !== Phase.draining) return; // a write failed: closed
		this.moveTo(Phase.flushing);
		if (this.out.isEmpty) this.endFlushed();
	}

	/**
	 * Every reply is in the kernel's hands: close. If the client may still be sending (server
	 * stop, plugin failure, line too long), only half-close, and read on to its FIN, dropping
	 * what comes: Bun's `end()` closes the socket outright, and closing with unread input makes
	 * the kernel reset the connection, which throws away replies not yet transmitted.
	 */
	private endFlushed(): void {
		if (this.peerEnded) {
			this.socket.end(); // Bun reports the close: `onClose`
			return;
		}
		this.moveTo(Phase.lingering);
		this.socket.shutdown();
		this.paused = false;
		this.socket.resume();
	}

	/**
	 * A write failed: the peer is gone (reset). Close now rather than wait for Bun to notice —
	 * a connection paused for backpressure reads nothing, so it might never see the reset.
	 */
	private lost(): void {
		if (this.phase === Phase.closed) return;
		this.moveTo(Phase.closed);
		this.socket.terminate();
	}

	/** Pauses reading while replies pile up (the client is not reading), resumes once they drain. */
	private applyBackpressure(): void {
		const waiting = this.out.bytes + this.inboxBytes;
		if (!this.paused && waiting > this.settings.highWaterMark) {
			this.paused = true;
			this.settings.stats.pauses++;
			this.counters.pauses++;
			this.socket.pause();
		} else if (
			this.paused &&
			waiting <= this.settings.lowWaterMark &&
			this.phase === Phase.reading
		) {
			this.paused = false;
			this.socket.resume();
		}
	}

	/** Why a connection closed by a stop before it started reading is owed nothing. */
	private notStarted(): string {
		return this.phase === Phase.proxy
			? "server stopping (PROXY header not received)"
			: "server stopping (TLS handshake not finished)";
	}

	private handshakeFailed(reason: string): void {
		this.settings.stats.handshakeFailures++;
		this.counters.handshakeFailures++;
		this.settings.logger.warn(`connection ${this.label}: ${reason}`);
	}

	private lineTooLong(): void {
		const limit = this.settings.maxLineBytes;
		this.settings.logger.warn(
			`closing connection ${this.label}: line longer than ${limit} bytes (E_LINE_TOO_LONG)`,
		);
		this.stopInput();
	}

	/** A plugin threw or rejected: log it with the plugin's name, send what was already due, close. */
	private fail(error: unknown): void {
		if (this.phase === Phase.closed) return;
		const { logger } = this.settings;
		const reason = error instanceof PluginError ? error.message : String(error);
		const fields: LogFields = { connection: this.id, remote: peerName(this) };
		if (error instanceof PluginError) {
			Object.assign(fields, { code: error.code, plugin: error.plugin, hook: error.hook });
			countPluginError(this.counters, error.plugin);
		}
		logger.error(`${reason} (connection ${this.label})`, fields);
		logStack(logger, error);
		this.busy = false;
		this.stopInput();
	}

	/** Ends input at once, dropping what is held (plugin failure, line too long); close once flushed. */
	private stopInput(): void {
		if (this.phase >= Phase.flushing) return;
		this.inbox = NONE;
		this.inboxBytes = 0;
		this.lines?.take();
		if (!this.paused) {
			this.paused = true;
			this.socket.pause();
		}
		this.writeBatch();
		if (this.phase >= Phase.flushing) return; // a write failed: closed
		this.moveTo(Phase.flushing);
		if (this.out.isEmpty) this.endFlushed();
	}

	/**
	 * The one place the phase changes. Entering `closed` releases what the connection holds and
	 * runs the plugins' `close` hooks (when their `open` hooks ran).
	 * @throws Error on a move the lifecycle does not allow: a bug in this file.
	 */
	private moveTo(next: Phase): void {
		const from = this.phase;
		checkMove(from, next, this.label);
		this.phase = next;
		if (next !== Phase.closed) return;
		const stats = this.settings.stats;
		if (this.out.peak > stats.peakQueuedBytes) stats.peakQueuedBytes = this.out.peak;
		recordDuration(this.counters.durations, (performance.now() - this.openedAt) / 1000);
		this.out.clear();
		this.inbox = NONE;
		this.inboxBytes = 0;
		if (from > Phase.proxy) this.pipeline?.close(); // `open` hooks ran
	}
}

const NEWLINE_BYTE = 0x0a;
/** Stands in for `inbox` and `batch` until a connection needs its own: never pushed to. */
const NONE: Uint8Array[] = [];
/** What ends a reply: the terminator its line came with, or `false` (raw, unterminated, greeting). */
type Terminator = Uint8Array | false;
const NEWLINE = new Uint8Array([NEWLINE_BYTE]);
const CRLF = new Uint8Array([0x0d, NEWLINE_BYTE]);
