/**
 * The transport seam: what {@link Connection} writes to and reads through (an {@link EchoSocket}),
 * and what the server holds for each thing it listens with (a {@link Listener}). Each transport
 * is one adapter file that turns its Bun API into these shapes:
 *
 * | adapter         | Bun API                      | kinds                 | half-close |
 * | --------------- | ---------------------------- | --------------------- | ---------- |
 * | listen.ts       | `Bun.listen`                 | `tcp`, `tls`, `unix`  | yes (FIN)  |
 * | udp.ts          | `Bun.udpSocket`              | `udp` (no connection) | —          |
 * | websocket.ts    | `Bun.serve` with `websocket` | `websocket`           | no         |
 *
 * `Connection` (connection.ts) owns the one byte path for every connection-oriented transport;
 * an adapter only forwards its events (`onData`, `onDrain`, `onEnd`, `onClose`) and performs
 * what the connection asks of the socket.
 * @module
 */
import type { Transport } from "./types.ts";

/**
 * Why the server ends a connection (`Connection.endReason`), for transports that can say so on
 * the wire (a WebSocket's close code, RFC 6455 §7.4.1); a stream socket has no way to — a FIN
 * is a FIN.
 * - `normal`: done, nothing went wrong (the client finished; idle timeout).
 * - `going-away`: the server is stopping.
 * - `error`: a plugin failed on this connection.
 * - `too-big`: a message over the limit (`maxLineBytes`).
 */
export type EndReason = "normal" | "going-away" | "error" | "too-big";

/**
 * One client connection as {@link Connection} drives it: a Bun socket, a WebSocket, or a fake one
 * in tests. Nothing here buffers: what `write` does not take, the connection keeps in its
 * outbound queue and offers again when the adapter reports `drain`.
 */
export interface EchoSocket {
	/** The peer's IP address; empty for a Unix socket client. */
	readonly remoteAddress: string;
	/** The peer's port; `0` or undefined where there is none (a Unix socket client). */
	readonly remotePort: number;
	/**
	 * Offers `data` to the kernel (Bun's `socket.write` is unbuffered).
	 * @returns how many bytes of `data` were taken, from `0` to `data.byteLength`; the rest is
	 * the caller's to keep and offer again after `drain`. A negative number: the socket is
	 * closed and nothing more will ever be taken.
	 *
	 * A message transport (WebSocket) takes a message whole or not at all: it returns
	 * `data.byteLength` or `0`, never a part. Its "sent, but buffered: backpressure" status (Bun's
	 * `ws.send` returning -1) counts as taken — the message is in Bun's hands — and the adapter
	 * returns `0` for every later write until `drain`, so unsent replies pile up in the
	 * connection's queue, where the high-water mark sees them and pauses reading.
	 */
	write(data: Uint8Array): number;
	/**
	 * Closes the connection after what was taken is sent: the last step when the peer has
	 * nothing more to send (it half-closed), or for a connection owed nothing (`abort`).
	 * Takes no argument, so that a Bun socket is an `EchoSocket` as it is (its `end(data)` would
	 * send the argument): a transport that can say why (a WebSocket's close code) asks its
	 * connection's `endReason` ({@link EndReason}).
	 */
	end(): void;
	/**
	 * Ends our side after what was taken is sent, and keeps reading until the peer closes: TCP's
	 * half-close (FIN). The connection then drops whatever still arrives (phase `lingering`):
	 * closing with unread input would make the kernel reset the connection and lose replies in
	 * flight. A WebSocket has no half-close; its adapter sends a Close frame, the start of the
	 * closing handshake, and reports the close when the peer answers. No argument, as `end`.
	 */
	shutdown(): void;
	/** Stops reading: no `onData` until `resume`. Bytes already read may still be delivered. */
	pause(): unknown;
	/** Reads again after `pause`. */
	resume(): unknown;
	/** Closes at once, dropping what is unsent: a TCP reset. */
	terminate(): void;
}

/** The kinds of listener a server can hold: the connection transports, and UDP. */
export type ListenerKind = Transport;

/** Where a listener listens: a host and port, or a Unix socket path (with `port` 0). */
export interface ListenerAddress {
	/** The bound address (`127.0.0.1`, `::1`, …), or the Unix socket's path. */
	readonly hostname: string;
	/** The real port, also when `0` was asked for; `0` for a Unix socket. */
	readonly port: number;
}

/**
 * One thing a server listens with: a stream listener (TCP, TLS, Unix), a UDP socket, an HTTP
 * server for WebSockets. The server stops them all alike.
 */
export interface Listener {
	/** What its connections (or datagrams) are; the key of their counters. */
	readonly kind: ListenerKind;
	readonly address: ListenerAddress;
	/**
	 * `stop(false)`: stop taking new connections (datagrams); the open ones go on.
	 * `stop(true)`: release the socket, cutting what is still open. UDP waits first, at most
	 * until `deadline` (a `performance.now()` time), for the replies of async transforms in flight.
	 */
	stop(force: boolean, deadline?: number): Promise<void>;
}

/**
 * A message that arrived as text on a message transport (a WebSocket text frame), in the form
 * {@link Connection} handles every message: its UTF-8 bytes. It keeps the string it came as
 * (`text`), so echoing it unchanged costs no decoding. A reply to a text message is marked as
 * one too ({@link TextMessage.view}, `text` unset), so that it goes back as text.
 */
export class TextMessage extends Uint8Array {
	/** The string the message arrived as; unset on a reply made by a plugin. */
	text: string | undefined;

	/** The message `text` as UTF-8 bytes (one allocation), remembering the string. */
	static fromText(text: string): TextMessage {
		const message = new TextMessage(Buffer.byteLength(text));
		ENCODER.encodeInto(text, message);
		message.text = text;
		return message;
	}

	/** `bytes` marked as text: a view over the same memory, no copy. */
	static view(bytes: Uint8Array): TextMessage {
		return new TextMessage(bytes.buffer as ArrayBuffer, bytes.byteOffset, bytes.byteLength);
	}
}

const ENCODER = new TextEncoder();
