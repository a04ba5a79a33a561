/**
 * The WebSocket transport's adapter (socket.ts): `Bun.serve` with `websocket` handlers, each
 * WebSocket wrapped as an {@link EchoSocket} and driven by a {@link Connection} like any TCP
 * connection — the same plugins, order, backpressure and lifecycle. Only what RFC 6455 makes
 * different lives here:
 *
 * - a message is one WebSocket message (Bun reassembles fragments); a text message arrives as a
 *   string and becomes a {@link TextMessage}, so its reply goes back as text;
 * - `ws.send` takes a message whole: its "-1, backpressure" means Bun buffered it, so after one
 *   the adapter takes nothing more until `drain` (writes return 0) and the replies wait in the
 *   connection's queue, where the high-water mark pauses reading (`ws.pause()`);
 * - no half-close: ending sends a Close frame whose code says why (`Connection.endReason`);
 * - Bun itself closes with 1009 a message over `maxPayloadLength` and with 1007 a text message
 *   that is not UTF-8 (measured on Bun 1.4.5).
 * @module
 */
import type { Server, ServerWebSocket, TLSOptions } from "bun";
import { Connection } from "./connection.ts";
import { countReason } from "./counters.ts";
import { EchoError } from "./errors.ts";
import { listenError } from "./listen-error.ts";
import { type ConnectionSettings, peerName } from "./settings.ts";
import { type EchoSocket, type EndReason, type Listener, TextMessage } from "./socket.ts";
import type { WebSocketOptions } from "./types.ts";

/** RFC 6455 §7.4.1 close codes, by why the server ends the connection. */
export const CLOSE_CODES: Readonly<Record<EndReason, number>> = {
	normal: 1000,
	"going-away": 1001,
	error: 1011,
	"too-big": 1009,
};
/** RFC 6455 §7.4.1 "Try Again Later" (IANA registry): `maxConnections` are open. */
export const CLOSE_TRY_AGAIN_LATER = 1013;

/** One WebSocket as the connection's socket. */
class WebSocketPeer implements EchoSocket {
	ws: ServerWebSocket<WebSocketPeer> | null = null;
	connection: Connection | null = null;
	/** Bun buffered a message (send returned -1): take nothing more until `drain`. */
	congested = false;

	constructor(
		readonly remoteAddress: string,
		readonly remotePort: number,
	) {}

	write(data: Uint8Array): number {
		const ws = this.ws;
		if (ws === null || ws.readyState !== OPEN) return -1;
		// An empty message goes out even now: it cannot be queued (it has no bytes to count).
		if (this.congested && data.byteLength > 0) return 0;
		const status = data instanceof TextMessage ? sendText(ws, data) : ws.sendBinary(data);
		if (status === BACKPRESSURE) {
			this.congested = true;
			return data.byteLength;
		}
		if (status > 0 || data.byteLength === 0) return data.byteLength;
		// 0 for bytes: dropped — the socket closed under us, or Bun's own limit.
		if (ws.readyState !== OPEN) return -1;
		this.congested = true;
		return 0;
	}

	end(): void {
		this.close();
	}

	shutdown(): void {
		this.close();
	}

	pause(): void {
		this.ws?.pause();
	}

	resume(): void {
		this.ws?.resume();
	}

	terminate(): void {
		this.ws?.terminate();
	}

	/** A Close frame after what Bun holds, with the code for why the server ends it. */
	private close(): void {
		this.ws?.close(CLOSE_CODES[this.connection?.endReason ?? "normal"]);
	}
}

/**
 * Serves WebSocket echo on `hostname:options.port` — over TLS (`wss://`) with `tls`, the
 * server's certificate. A request that is not an upgrade gets
 * `options.page` on `GET /` when there is one, else `426 Upgrade Required`. Throws what
 * listen-error.ts makes of a bind failure, or `E_INVALID_OPTION` for a port out of range.
 */
export function serveWebSocket(
	settings: ConnectionSettings,
	hostname: string,
	options: WebSocketOptions,
	open: Set<Connection>,
	tls?: TLSOptions,
): Listener {
	const { port } = options;
	if (!Number.isInteger(port) || port < 0 || port > 65535) {
		throw new EchoError(
			"E_INVALID_OPTION",
			`invalid webSocket.port: ${JSON.stringify(port)} (expected 0 to 65535)`,
		);
	}
	const { logger } = settings;
	const counters = settings.counters.websocket;
	let server: Server<WebSocketPeer>;
	try {
		server = Bun.serve<WebSocketPeer>({
			hostname,
			port,
			...(tls ? { tls } : {}),
			// Bun's HTTP idle limit, in whole seconds: it bounds a connection that sent a request
			// and is not yet a WebSocket (keep-alive after a 426 or the page). Bun 1.4.5 does not
			// apply it before the first request: that window is Bun's own ~10 s.
			idleTimeout: httpIdleSeconds(settings.upgradeTimeoutMs),
			fetch(request, server) {
				const peer = server.requestIP(request);
				const data = new WebSocketPeer(peer?.address ?? "", peer?.port ?? 0);
				if (server.upgrade(request, { data })) return undefined;
				return answerPlainHttp(request, options.page);
			},
			websocket: {
				maxPayloadLength: settings.maxLineBytes,
				// The server's own sweep times idle connections out, as on TCP.
				idleTimeout: 0,
				sendPings: false,
				open(ws) {
					const peer = ws.data;
					if (open.size >= settings.maxConnections) {
						countReason(counters.rejected, "max_connections");
						logger.warn(
							`refusing ${peerName(peer)}: ${settings.maxConnections} connection${settings.maxConnections === 1 ? "" : "s"} open (maxConnections)`,
							{ event: "max_connections" },
						);
						ws.close(CLOSE_TRY_AGAIN_LATER, "too many connections");
						return;
					}
					peer.ws = ws;
					const connection = new Connection(peer, settings, false, "websocket");
					peer.connection = connection;
					counters.accepted++;
					open.add(connection);
					connection.open();
				},
				message(ws, message) {
					ws.data.connection?.onData(
						typeof message === "string" ? TextMessage.fromText(message) : message,
					);
				},
				drain(ws) {
					const peer = ws.data;
					peer.congested = false;
					peer.connection?.onDrain();
				},
				close(ws, _code, reason) {
					const connection = ws.data.connection;
					if (!connection) return;
					open.delete(connection);
					// Bun closed it itself (1009, 1007): say why, as TCP says of a line too long.
					if (reason === BUN_TOO_BIG) {
						logger.warn(
							`closing connection ${connection.label}: message longer than ${settings.maxLineBytes} bytes (E_LINE_TOO_LONG)`,
							{ event: "line_too_long", connection: connection.id, remote: peerName(connection) },
						);
					} else if (reason === BUN_INVALID_UTF8) {
						logger.debug(`connection ${connection.label}: closed: a text message not UTF-8 (1007)`);
					}
					connection.onClose();
				},
			},
		});
	} catch (error) {
		throw listenError({ host: hostname, port }, error);
	}
	return {
		kind: "websocket",
		address: { hostname, port: server.port ?? port },
		async stop(force) {
			// Not awaited: without force it settles only once every WebSocket has closed.
			void server.stop(force);
		},
	};
}

/** A request that is not an upgrade: the page on `GET /`, else 426 (RFC 9110 §15.5.22). */
async function answerPlainHttp(
	request: Request,
	page: WebSocketOptions["page"],
): Promise<Response> {
	const path = new URL(request.url).pathname;
	if (page !== undefined && path === "/" && (request.method === "GET" || request.method === "HEAD"))
		return typeof page === "function" ? page() : (page.clone() as Response);
	return new Response("426 Upgrade Required: this port speaks WebSocket (RFC 6455)\n", {
		status: 426,
		headers: { upgrade: "websocket", connection: "Upgrade", "content-type": "text/plain" },
	});
}

/**
 * `Bun.serve`'s `idleTimeout` for `handshakeTimeoutMs`: whole seconds rounded up, 1 to 255
 * (Bun throws on a fraction or more than 255). `0` (the TLS handshake timeout turned off) keeps
 * Bun's default, 10 s, rather than Bun's `0`: an idle HTTP connection is never held for ever.
 */
export function httpIdleSeconds(ms: number): number {
	if (ms === 0) return BUN_DEFAULT_IDLE_SECONDS;
	return Math.min(MAX_BUN_IDLE_SECONDS, Math.max(1, Math.ceil(ms / 1000)));
}

/** Sends a text message as text when its bytes are UTF-8, else (a plugin's reply) as binary. */
function sendText(ws: ServerWebSocket<WebSocketPeer>, message: TextMessage): number {
	if (message.text !== undefined) return ws.sendText(message.text);
	let text: string;
	try {
		text = STRICT_UTF8.decode(message);
	} catch {
		return ws.sendBinary(message);
	}
	return ws.sendText(text);
}

const OPEN = 1;
/** `Bun.serve` throws on an `idleTimeout` over 255 seconds (Bun 1.4.5). */
const MAX_BUN_IDLE_SECONDS = 255;
/** `Bun.serve`'s `idleTimeout` when none is given (Bun 1.4.5 docs: "default 10"). */
const BUN_DEFAULT_IDLE_SECONDS = 10;
/** The reasons Bun 1.4.5 gives our `close` handler when it closed a WebSocket with 1009, 1007. */
const BUN_TOO_BIG = "Received too big message";
const BUN_INVALID_UTF8 = "Received invalid UTF-8";
/** What `ws.send` returns when Bun buffered the message: it is sent later, then `drain`. */
const BACKPRESSURE = -1;
const STRICT_UTF8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });
