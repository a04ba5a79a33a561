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
 * the move. Before `reading` it may wait for its TLS handshake or read a PROXY header: those
 * stages live in opening.ts. `busy`, `paused` and `peerEnded` are independent flags beside it.
 *
 * The socket is any {@link EchoSocket} (socket.ts): each transport's adapter forwards its events
 * here, so every transport shares this one path.
 */
import { countPluginError, recordDuration } from "./counters.ts";
import { logStack, PluginError } from "./errors.ts";
import { endsWithCR, LineBuffer } from "./line-buffer.ts";
import { handshakeFailed, notStarted, ProxyHeaderStage } from "./opening.ts";
import { OutboundQueue } from "./outbound-queue.ts";
import { checkMove, Phase, type PhaseName, phaseName } from "./phase.ts";
import { type Outcome, Pipeline } from "./pipeline.ts";
import { isNoReply } from "./plugin.ts";
import type { ProxyEndpoint } from "./proxy-header.ts";
import { type ConnectionSettings, peerName } from "./settings.ts";
import { type EchoSocket, type EndReason, TextMessage } from "./socket.ts";
import type {
	ConnectionInfo,
	Framing,
	LogEvent,
	LogFields,
	Transport,
	TransportStats,
} from "./types.ts";

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
	/** An async hook (transform, greeting or `end`) is in flight; input waits in `inbox`. */
	private busy = false;
	/** Reading is paused: for backpressure, or because input is over. */
	private paused = false;
	/** The client sent FIN: all it will ever send has been read. */
	private peerEnded = false;
	/** The plugins' `end` hooks have been started (they run once, in `finish`). */
	private endHooksRan = false;
	/** Bun gives no port for a Unix socket client, nor for any socket after close: kept from accept. */
	private readonly socketPort: number;
	/** The client behind the proxy, from the PROXY header; `null` without one (or LOCAL, UNKNOWN). */
	private proxied: ProxyEndpoint | null = null;
	/** The PROXY header said the proxy speaks for itself (v2 LOCAL, v1 UNKNOWN): a health check. */
	healthCheck = false;
	/** Phase `proxy` only: the header read so far. */
	private header: ProxyHeaderStage | null = null;
	/** Why the server ends this connection, should it: a WebSocket's close code says it. */
	private ending: EndReason = "normal";
	/**
	 * A message transport (WebSocket): every read is one message and every reply one write,
	 * never joined, an empty one included; a reply to a text message is text.
	 */
	private readonly messages: boolean;

	/**
	 * @param handshaking true for a TLS connection accepted before its handshake: nothing runs
	 * until {@link onHandshake} reports success.
	 */
	constructor(
		readonly socket: EchoSocket,
		private readonly settings: ConnectionSettings,
		handshaking = false,
		readonly transport: Exclude<Transport, "udp"> = "tcp",
	) {
		this.messages = transport === "websocket";
		// The PROXY protocol is a TCP proxy's: it never comes before a WebSocket.
		this.phase = handshaking
			? Phase.handshaking
			: settings.proxyProtocol && !this.messages
				? Phase.proxy
				: Phase.reading;
		this.id = settings.nextId();
		this.socketPort = socket.remotePort ?? 0;
		this.counters = settings.counters[transport];
		this.out = new OutboundQueue(this.counters);
		this.lastActive = settings.clock.tick;
		this.lines =
			settings.framing === "lines" && !this.messages ? new LineBuffer(settings.maxLineBytes) : null;
		this.pipeline = settings.plugins.length > 0 ? new Pipeline(settings, this) : null;
		if (this.phase === Phase.proxy) this.header = new ProxyHeaderStage(this.counters);
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
			this.reply(greeting, this.messages ? AS_TEXT : false);
			this.writeBatch();
		} else this.wait(greeting, this.messages ? AS_TEXT : false);
	}

	/**
	 * Bun `handshake` (TLS only): on success the connection starts reading and its plugins'
	 * `open` hooks run; on failure (a plaintext client, a broken ClientHello) it is logged and
	 * Bun closes the socket.
	 */
	onHandshake(success: boolean, error: Error | null | undefined): void {
		if (this.phase !== Phase.handshaking) return; // cut by us (deadline, stop): already said
		if (!success) {
			this.warn(handshakeFailed(this.counters, error), "tls_handshake");
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
	 * Phase `proxy`: a whole header sets the client's address, opens the plugins and starts
	 * reading, with the bytes after it as the first data; anything else closes the connection
	 * (opening.ts counts it). The idle clock is not stamped until then: the header timeout runs
	 * from accept, so a client that trickles bytes cannot hold the connection.
	 */
	private readHeader(chunk: Uint8Array): void {
		const step = (this.header as ProxyHeaderStage).read(chunk);
		if (step.status === "more") return;
		this.header = null;
		if (step.status === "failed") {
			this.abort(step.reason, "proxy_header");
			return;
		}
		const peer = peerName(this);
		this.proxied = step.source;
		this.healthCheck = step.healthCheck;
		if (step.healthCheck && this.settings.failHealthChecks) {
			// The server is about to stop: the proxy's check must fail so it sends no more clients.
			this.settings.logger.debug(
				`connection #${this.id}: health check closed unanswered: stopping`,
			);
			this.moveTo(Phase.closed);
			this.socket.end();
			return;
		}
		this.settings.logger.debug(
			`connection #${this.id}: ${step.summary} from ${peer}` +
				(this.proxied ? `: client ${peerName(this)}` : ""),
		);
		this.lastActive = this.settings.clock.tick;
		this.moveTo(Phase.reading);
		this.open();
		if (step.rest) this.onData(step.rest);
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
			this.abort((this.header as ProxyHeaderStage).left("closed"), "proxy_header");
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
		this.ending = "going-away";
		if (this.phase < Phase.reading) this.abort(notStarted(this.phase === Phase.proxy), "stop");
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
			this.abort(notStarted(this.phase === Phase.proxy), "stop");
			return true;
		}
		if (this.phase !== Phase.reading || this.lastActive > since || this.busy) return false;
		if (!this.out.isEmpty || this.inboxBytes > 0 || (this.lines?.bytes ?? 0) > 0) return false;
		this.ending = "going-away";
		this.endInput();
		return true;
	}

	/** Bun `close`: the socket is gone, for whatever reason. Runs `close` hooks once. */
	onClose(): void {
		if (this.phase === Phase.closed) return;
		// A client that resets during its handshake gets no `handshake` report from Bun.
		if (this.phase === Phase.handshaking)
			this.warn(handshakeFailed(this.counters, null, true), "tls_handshake");
		if (this.phase === Phase.proxy) {
			this.abort((this.header as ProxyHeaderStage).left("left"), "proxy_header");
			return;
		}
		this.moveTo(Phase.closed);
	}

	/**
	 * Closes the connection now, dropping what is queued (idle timeout, handshake timeout,
	 * server deadline), and logs why: a FIN when nothing is owed, a reset when queued bytes
	 * would be lost. Called again before Bun reports the close (our FIN ignored), it resets.
	 * @param event the warning's kind, for loggers that group or rate-limit them.
	 * @returns false if the connection was already closed.
	 */
	abort(reason: string, event: LogEvent): boolean {
		if (this.phase === Phase.closed) {
			this.socket.terminate();
			return false;
		}
		const gentle = this.out.isEmpty;
		this.settings.logger.warn(`closing connection ${this.label}: ${reason}`, this.fields(event));
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

	/**
	 * Why the server ends this connection when it calls the socket's `end` or `shutdown`: what
	 * a WebSocket's close code says. `normal` unless the server is stopping, a plugin failed or
	 * a message was too long.
	 */
	get endReason(): EndReason {
		return this.ending;
	}

	get framing(): Framing {
		return this.messages ? "raw" : this.settings.framing;
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
		if (!this.lines) this.deliver(chunk, this.endOf(chunk), chunk, chunk.byteLength);
		else this.processLines(chunk);
		this.writeBatch();
	}

	/** How the reply to a whole-chunk message ends: marked as text when it answers text. */
	private endOf(chunk: Uint8Array): Terminator {
		return chunk instanceof TextMessage ? AS_TEXT : false;
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
			else this.deliver(chunk, this.endOf(chunk), chunk, chunk.byteLength);
		}
		this.writeBatch();
		if (!this.busy && this.phase === Phase.draining) this.finish();
		else this.applyBackpressure();
	}

	private reply(outcome: Outcome, newline: Terminator): void {
		if (isNoReply(outcome)) return;
		if (this.batch === NONE) this.batch = [];
		if (newline === AS_TEXT) this.batch.push(TextMessage.view(outcome));
		else if (outcome.byteLength > 0 || this.messages) this.batch.push(outcome);
		if (newline instanceof Uint8Array) this.batch.push(newline);
	}

	private writeBatch(): void {
		const batch = this.batch;
		if (batch.length === 0) return;
		if (this.messages) {
			// One reply, one message: never joined.
			for (let i = 0; i < batch.length; i++) {
				if (!this.out.send(this.socket, batch[i] as Uint8Array)) {
					batch.length = 0;
					this.lost();
					return;
				}
			}
			batch.length = 0;
			return;
		}
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

	/**
	 * Draining and nothing in flight: answer an unterminated last line, then send what the
	 * plugins' `end` hooks return, and close once flushed.
	 */
	private finish(): void {
		const last = this.settings.transforms.length > 0 ? this.lines?.take() : null;
		if (last && !this.deliver(last, false, last, last.byteLength)) return;
		if (this.settings.enders.length > 0 && !this.endHooksRan && !this.runEndHooks()) return;
		this.writeBatch();
		if (this.phase !== Phase.draining) return; // a write failed: closed
		this.moveTo(Phase.flushing);
		if (this.out.isEmpty) this.endFlushed();
	}

	/**
	 * Runs the `end` hooks once and batches their replies, as a last message's.
	 * @returns false when finishing must wait (an async hook) or stop (a failure).
	 */
	private runEndHooks(): boolean {
		this.endHooksRan = true;
		const ending = this.messages ? AS_TEXT : false; // as a greeting's: no terminator
		let outcome: Outcome | Promise<Outcome>;
		try {
			outcome = (this.pipeline as Pipeline).end();
		} catch (error) {
			this.fail(error);
			return false;
		}
		if (outcome instanceof Uint8Array || isNoReply(outcome)) {
			this.reply(outcome, ending);
			return true;
		}
		this.wait(outcome, ending); // settles into `finish` again
		return false;
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

	/** The fields of a warning or error about this connection (off the byte path: only then). */
	private fields(event: LogEvent): LogFields {
		return { event, connection: this.id, remote: peerName(this) };
	}

	private warn(reason: string, event: LogEvent): void {
		this.settings.logger.warn(`connection ${this.label}: ${reason}`, this.fields(event));
	}

	private lineTooLong(): void {
		const limit = this.settings.maxLineBytes;
		this.settings.logger.warn(
			`closing connection ${this.label}: line longer than ${limit} bytes (E_LINE_TOO_LONG)`,
			this.fields("line_too_long"),
		);
		this.ending = "too-big";
		this.stopInput();
	}

	/** A plugin threw or rejected: log it with the plugin's name, send what was already due, close. */
	private fail(error: unknown): void {
		if (this.phase === Phase.closed) return;
		const { logger } = this.settings;
		const reason = error instanceof PluginError ? error.message : String(error);
		const fields = this.fields("plugin_error");
		let code = "";
		if (error instanceof PluginError) {
			Object.assign(fields, { code: error.code, plugin: error.plugin, hook: error.hook });
			countPluginError(this.counters, error.plugin);
			code = `${error.code}, `;
		}
		logger.error(`${reason} (${code}connection ${this.label})`, fields);
		logStack(logger, error);
		this.busy = false;
		this.ending = "error";
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
		checkMove(from, next, this);
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
/**
 * What ends a reply: the terminator its line came with; `AS_TEXT` on a message transport when
 * it answers a text message (or is a greeting); `false` for nothing (raw, unterminated, greeting).
 */
type Terminator = Uint8Array | false | typeof AS_TEXT;
const AS_TEXT = "text";
const NEWLINE = new Uint8Array([NEWLINE_BYTE]);
const CRLF = new Uint8Array([0x0d, NEWLINE_BYTE]);
