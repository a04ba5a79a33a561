/**
 * One WebSocket connection for the CLI's modes: Bun's built-in `WebSocket` behind a small
 * promise API (open with a timeout, send with backpressure, read messages in order, close with
 * 1000), and every failure turned into a one-line {@link CliError}.
 * @module
 */
import type { TLSOptions } from "bun";
import { CliError } from "../errors.ts";
import { closeError, openError } from "./errors.ts";

/** What {@link WsSession.open} needs. */
export interface WsOpenOptions {
	/** A checked `ws://` or `wss://` URL (see `parseWsUrl`). */
	url: string;
	/** TLS options for `wss://` (`--ca`, `--insecure`, `--servername`); none: the system's CAs. */
	tls?: TLSOptions;
	/** Give up opening after this many milliseconds (`E_CONNECT_TIMEOUT`). */
	timeoutMs: number;
	/** The `--ca` file given, for the hint when the certificate is not trusted. */
	caFile?: string;
}

/** One message from the server: text frames as a string, binary frames as bytes. */
export type WsMessage = string | Uint8Array;

/** Stop sending while this many bytes wait in the socket or for stdout (1 MiB)… */
const HIGH_WATER = 1 << 20;
/** …and go on once fewer than this many do (256 KiB). */
const LOW_WATER = 1 << 18;
/** `bufferedAmount` has no event: how often to look while waiting for it to go down. */
const POLL_MS = 2;

/** The close codes that end a session normally (1005: a Close frame without a code). */
const NORMAL = new Set([1000, 1005]);

/**
 * A connected WebSocket. Messages queue until read with {@link next}; the queue's size counts
 * towards backpressure, so a slow reader of our output slows our sending too.
 */
export class WsSession {
	/** Messages sent so far. */
	sent = 0;
	/** Messages received so far, greetings included. */
	received = 0;
	/**
	 * Messages the server sent on its own as the connection opened (a `greet` plugin such as
	 * echo-server's `hostname`): those received before the Pong of {@link open}'s Ping.
	 */
	greetings = 0;
	/** How it ended: set once the `close` event came. */
	closeEvent: { code: number; reason: string; byUs: boolean } | null = null;
	private readonly queue: WsMessage[] = [];
	private queuedBytes = 0;
	private waiters: (() => void)[] = [];
	private closingByUs = false;
	private readonly closed = Promise.withResolvers<void>();

	private constructor(
		private readonly ws: WebSocket,
		readonly url: string,
	) {
		ws.onmessage = (event) => {
			const data = event.data as string | Buffer;
			this.received++;
			this.queue.push(data);
			this.queuedBytes += typeof data === "string" ? data.length : data.byteLength;
			this.wake();
		};
		ws.onclose = (event) => {
			this.closeEvent = { code: event.code, reason: event.reason, byUs: this.closingByUs };
			this.closed.resolve();
			this.wake();
		};
	}

	/**
	 * Opens `options.url` and counts the server's {@link greetings}. Rejects with `E_CONNECT`
	 * (refused, not a WebSocket endpoint), `E_CONNECT_TIMEOUT`, or `E_TLS` (certificate,
	 * hostname, not TLS).
	 */
	static async open(options: WsOpenOptions): Promise<WsSession> {
		const started = Date.now();
		const session = await WsSession.connect(options);
		await session.countGreetings(Math.max(0, options.timeoutMs - (Date.now() - started)));
		return session;
	}

	private static connect(options: WsOpenOptions): Promise<WsSession> {
		const { url, tls, timeoutMs } = options;
		const ws = new WebSocket(url, tls ? { tls } : {});
		ws.binaryType = "nodebuffer";
		return new Promise((resolve, reject) => {
			let failure: unknown;
			const timer = setTimeout(() => {
				ws.onopen = ws.onerror = ws.onclose = null;
				ws.terminate();
				const message = `cannot connect to ${url}: no WebSocket handshake within ${timeoutMs / 1000} s`;
				reject(new CliError("E_CONNECT_TIMEOUT", message));
			}, timeoutMs);
			ws.onerror = (event) => {
				failure = (event as ErrorEvent).error ?? (event as ErrorEvent).message;
			};
			ws.onclose = (event) => {
				clearTimeout(timer);
				reject(openError(url, failure, event.code, options.caFile));
			};
			ws.onopen = () => {
				clearTimeout(timer);
				ws.onerror = null;
				resolve(new WsSession(ws, url));
			};
		});
	}

	/**
	 * Sends one message (a string as a text frame, bytes as a binary frame), then waits while
	 * too much is unsent or unread (see {@link HIGH_WATER}). Throws the close's error once the
	 * connection has closed.
	 */
	async send(data: WsMessage): Promise<void> {
		if (this.closeEvent !== null) throw this.endError();
		this.ws.send(data);
		this.sent++;
		if (this.backlog() <= HIGH_WATER) return;
		while (this.backlog() > LOW_WATER && this.closeEvent === null) await Bun.sleep(POLL_MS);
	}

	/**
	 * The next message, in order; `null` once the connection closed normally (1000 or 1005, or
	 * any code after our own {@link close}). Throws `E_WS_CLOSED` (a close code from the server
	 * naming a failure) or `E_CONNECTION_LOST` (no Close frame: 1006).
	 */
	async next(): Promise<WsMessage | null> {
		while (this.queue.length === 0) {
			if (this.closeEvent !== null) {
				const { code, byUs } = this.closeEvent;
				if (byUs || NORMAL.has(code)) return null;
				throw this.endError();
			}
			await this.wait();
		}
		const data = this.queue.shift()!;
		this.queuedBytes -= typeof data === "string" ? data.length : data.byteLength;
		return data;
	}

	/** Resolves once a message is queued or the connection closed. */
	async wait(): Promise<void> {
		if (this.queue.length > 0 || this.closeEvent !== null) return;
		await new Promise<void>((resolve) => this.waiters.push(resolve));
	}

	/** Replies received so far: the messages received less the {@link greetings}. */
	get replies(): number {
		return this.received - this.greetings;
	}

	/** Messages received and not yet read with {@link next}. */
	get queued(): number {
		return this.queue.length;
	}

	/**
	 * Closes with 1000 (normal closure, RFC 6455 §7.4.1) and waits for the server's Close frame,
	 * at most `waitMs`; then the connection is cut.
	 */
	async close(waitMs = 2000): Promise<void> {
		if (this.closeEvent === null && !this.closingByUs) {
			this.closingByUs = true;
			this.ws.close(1000);
		}
		const timer = setTimeout(() => this.ws.terminate(), waitMs);
		await this.closed.promise;
		clearTimeout(timer);
	}

	/**
	 * The error for a close that was not ours: {@link closeError}'s, or `E_CONNECTION_LOST` for a
	 * normal close that came while we still had something to send.
	 */
	endError(): CliError {
		const event = this.closeEvent ?? { code: 1006, reason: "", byUs: false };
		if (NORMAL.has(event.code)) {
			const message = `${this.url} closed the WebSocket (${event.code}) before all input was sent`;
			return new CliError("E_CONNECTION_LOST", message);
		}
		return closeError(this.url, event.code, event.reason);
	}

	/**
	 * Sends a Ping before any message and waits for its Pong (at most `ms`; a server that never
	 * answers is taken to greet with nothing). Frames keep their order (RFC 6455 §5.4, §5.5.3),
	 * and a server greets as the connection opens, before it reads our Ping — so the messages
	 * that came first are greetings, not replies. (A greeting that waits on something, sent
	 * after the Pong, would still be taken for a reply.)
	 */
	private async countGreetings(ms: number): Promise<void> {
		const token = `echo-client ${process.pid} ${Date.now()}`;
		const pong = Promise.withResolvers<void>();
		const onPong = (event: MessageEvent) => {
			if (String(event.data) === token) pong.resolve();
		};
		this.ws.addEventListener("pong", onPong);
		const timer = setTimeout(pong.resolve, ms);
		this.ws.ping(token);
		await Promise.race([pong.promise, this.closed.promise]);
		clearTimeout(timer);
		this.ws.removeEventListener("pong", onPong);
		this.greetings = this.received;
	}

	private backlog(): number {
		return this.ws.bufferedAmount + this.queuedBytes;
	}

	private wake(): void {
		for (const waiter of this.waiters.splice(0)) waiter();
	}
}
