/**
 * Public types of @echokit/core. Everything a plugin author or embedder touches is here.
 * @module
 */
import type { TLSOptions } from "bun";
import type { NO_REPLY } from "./plugin.ts";

/**
 * How the byte stream is cut into messages.
 * - `raw` (default, RFC 862): a message is whatever one socket read delivered. Boundaries are
 *   arbitrary — one `send` may arrive as several messages and several as one, as in the lab's
 *   `recv(1024)`.
 * - `lines`: a message is one line, without its terminator: a line ends at `\n`, with an optional
 *   `\r` just before it (CRLF, as telnet and Windows tools send). Each reply ends with the
 *   terminator its line came with, `\n` or `\r\n`. A `\r` elsewhere is part of the line. A last
 *   line without `\n` (the client half-closed mid-line) is still delivered, whole (a final `\r`
 *   included), and its reply gets no terminator.
 *
 * TCP, TLS and Unix sockets are framed; UDP and WebSocket are not: a datagram, or a WebSocket
 * message, is one message whatever the framing, its bytes as sent.
 */
export type Framing = "raw" | "lines";

/**
 * The logger the engine writes to. Any object with these four methods works: `console`, a
 * test double, or an adapter to a structured logger. Core never logs per message on its own.
 *
 * A line may come with one {@link LogFields} object after the message: the same facts as data
 * (which connection, which plugin, which code), for a JSON logger to keep; `console` prints it
 * after the message, and a logger may ignore it.
 * @example
 * const logger: Logger = { debug() {}, info: console.log, warn: console.warn, error: console.error };
 */
export interface Logger {
	debug(message: string, ...args: unknown[]): void;
	info(message: string, ...args: unknown[]): void;
	warn(message: string, ...args: unknown[]): void;
	error(message: string, ...args: unknown[]): void;
}

/**
 * The kinds of per-connection (and per-datagram) warnings and errors the engine logs; a client
 * or scanner that loops can cause any of them at a high rate:
 * - `max_connections`: a connection refused because `maxConnections` are open.
 * - `proxy_untrusted_peer`: a connection refused because its peer is not in `proxyFrom`.
 * - `proxy_header`: a PROXY header missing, malformed or not complete in time.
 * - `tls_handshake`: a TLS handshake failed, or did not finish in time.
 * - `idle_timeout`: a connection closed by the idle timeout.
 * - `line_too_long`: a line longer than `maxLineBytes`.
 * - `plugin_error`: a plugin hook threw, rejected or returned a value its contract does not allow
 *   (the line also has `code`, `plugin` and `hook`).
 * - `stop`: a connection cut by a stop (deadline passed, or never started).
 */
export type LogEvent =
	| "max_connections"
	| "proxy_untrusted_peer"
	| "proxy_header"
	| "tls_handshake"
	| "idle_timeout"
	| "line_too_long"
	| "plugin_error"
	| "stop";

/**
 * Facts about a log line, as data. Failures of a plugin carry `code`, `plugin` and `hook`;
 * lines about a connection carry `connection` (its id) and `remote` (`host:port`).
 */
export interface LogFields {
	/**
	 * What kind of event a warning or error is about, for a logger that counts, groups or
	 * rate-limits them (echo-server prints at most a few of each kind per window): a line about
	 * one connection or datagram always has one. See {@link LogEvent}.
	 */
	event?: LogEvent;
	code?: string;
	plugin?: string;
	hook?: string;
	connection?: number;
	remote?: string;
}

/** What a plugin learns about the server it runs in. */
export interface ServerInfo {
	/** The address the server listens on, e.g. `127.0.0.1`. */
	readonly hostname: string;
	/** The real port, also when `0` was asked for (`0` on a Unix socket). */
	readonly port: number;
	/** The Unix socket path, when listening on one. */
	readonly unix: string | undefined;
	readonly framing: Framing;
	readonly logger: Logger;
}

/**
 * How a client reached the server:
 * - `tcp`: a plain TCP connection.
 * - `tls`: a TLS connection over TCP (the server has a certificate).
 * - `unix`: a Unix domain socket connection (with or without TLS); it has no address or port.
 * - `udp`: one datagram (RFC 862). There is no connection: `open`, `transform` and `close`
 *   run for each datagram, and `id` is new each time.
 * - `websocket`: a WebSocket connection (RFC 6455, `webSocket` option); each WebSocket message
 *   is one message, and its reply one WebSocket message.
 */
export type Transport = "tcp" | "tls" | "unix" | "udp" | "websocket";

/** One client connection, as plugins see it. */
export interface ConnectionInfo {
	/** A number unique within this server process, counting from 1. */
	readonly id: number;
	/** How the client reached the server (see {@link Transport}), e.g. to word a log line. */
	readonly transport: Transport;
	readonly remoteAddress: string;
	readonly remotePort: number;
	/**
	 * How this connection's bytes are cut into messages. Always `raw` on a WebSocket: a message
	 * is one WebSocket message (`lines` does not apply).
	 */
	readonly framing: Framing;
	/**
	 * With `proxyProtocol`: true when the proxy opened this connection for itself — a PROXY v2
	 * `LOCAL` or v1 `UNKNOWN` header, what HAProxy's health checks send — rather than for a
	 * client. The server's transcript leaves such connections out. Absent or false otherwise.
	 */
	readonly healthCheck?: boolean;
}

/**
 * One message handed to a transform. In `raw` framing it is one socket read; in `lines` framing
 * one line without its `\n` or `\r\n` (see {@link Framing}).
 *
 * The object is reused for the connection's next message: read what you need during the
 * transform (the `bytes` array itself stays valid, keep it if you like).
 */
export interface Message {
	/** The message's bytes. After an earlier plugin replaced the message, its new bytes. */
	readonly bytes: Uint8Array;
	/** The bytes decoded as UTF-8. In `raw` framing a character split across two reads decodes as U+FFFD; use a streaming decoder in your plugin's state if that matters (see the uppercase plugin). */
	text(): string;
	/**
	 * True when this transform may change `bytes` in place and return them as its reply, saving
	 * a buffer per message: the engine owns them (a fresh socket read, or a line it joined) and
	 * no plugin has seen them before this one, so nothing else holds them. The engine then only
	 * sends them; it never reuses them, so a reply still queued for a slow reader stays exact.
	 * False for every later plugin in the chain, for UDP datagrams, and whenever not sure.
	 * When false, changing `bytes` is a bug: an earlier plugin may have kept them.
	 */
	readonly writable: boolean;
}

/**
 * What a transform returns:
 * - a `string` or `Uint8Array`: **replace** the message with these bytes. Later plugins see the
 *   replacement; after the last plugin it is what the client gets.
 * - `null`: **pass on unchanged**.
 * - {@link NO_REPLY}: **reply nothing** for this message; later plugins do not see it.
 *
 * `undefined` is not part of the type, so a transform that forgets to `return` is a type error;
 * at run time it is a plugin error (`E_PLUGIN_RESULT`), like anything else outside this type:
 * logged with the plugin's name and what it returned, and that connection closes after the
 * replies already due.
 */
export type TransformResult = string | Uint8Array | null | typeof NO_REPLY;

/**
 * What a `greet` hook returns: a `string` or `Uint8Array` to send as the connection opens, or
 * `null` for nothing.
 */
export type Greeting = string | Uint8Array | null;

/** What a plugin's hooks get for one connection: who it is, the logger, and the plugin's own state. */
export interface PluginContext<State = undefined> {
	readonly connection: ConnectionInfo;
	readonly logger: Logger;
	/** What `open` returned for this connection (or `undefined` without an `open` hook). */
	state: State;
}

/**
 * A plugin: a name and optional hooks. Plugins run in the order given; each transform sees the
 * previous one's result. Replies leave in the order messages arrived, whether transforms are
 * sync or async. A hook that throws (or a transform whose promise rejects) is logged with the
 * plugin's name and closes only that connection.
 *
 * @example
 * import { definePlugin, NO_REPLY } from "@echokit/core";
 * export default definePlugin({
 *   name: "count",
 *   open: () => ({ seen: 0 }),
 *   transform: (message, ctx) => (++ctx.state.seen > 3 ? NO_REPLY : null),
 * });
 */
export interface Plugin<State = undefined> {
	/** Shown in logs and errors. */
	readonly name: string;
	/** The server is listening. Awaited before `startServer` resolves. */
	start?(server: ServerInfo): void | Promise<void>;
	/** The server stopped: every connection is closed. Awaited by `stop()`. */
	stop?(server: ServerInfo): void | Promise<void>;
	/** A connection opened. The return value becomes `ctx.state` for this connection. */
	open?(connection: ConnectionInfo): State;
	/**
	 * Bytes to send when a connection opens, before any reply: a banner. Runs after every
	 * plugin's `open`, in plugin order; the greetings go out in that order, untouched by any
	 * transform, and replies follow them. May return a promise: messages that arrive meanwhile
	 * wait, in order. Return `null` to send nothing. A greet hook that throws, rejects or
	 * returns anything else is a plugin error: no greeting is sent and the connection closes.
	 * Not called for UDP datagrams (no connection). A plugin without `greet` costs nothing.
	 * @example
	 * definePlugin({ name: "motd", greet: () => "welcome\n" });
	 */
	greet?(ctx: PluginContext<State>): Greeting | Promise<Greeting>;
	/** The connection closed, for any reason. Runs once, and only if `open` did not throw. */
	close?(ctx: PluginContext<State>): void;
	/** Called once per message; may be sync or return a promise. See {@link TransformResult}. */
	transform?(
		message: Message,
		ctx: PluginContext<State>,
	): TransformResult | Promise<TransformResult>;
	/**
	 * Input is over: send what this plugin still holds (half a character, a partial record, a
	 * summary). The flush step of a stream transform — the source of the rule is WHATWG
	 * Streams' `TransformStream` `flush` (Node's `Transform#_flush`).
	 *
	 * When: once per connection, when input ended normally and every message before it has
	 * been answered (in `lines` framing, an unterminated last line included): after the
	 * client's half-close (FIN) on TCP, TLS and Unix sockets, and when the server stops
	 * gracefully (it stops reading and answers what was read, on a WebSocket too). Not after a
	 * plugin failure, a line or message too long, a reset, the idle timeout or the cut at a
	 * stop's `closeTimeoutMs` (which also drops an `end` still in flight); not
	 * when a WebSocket client closes (its Close frame ends both directions: nothing can be sent
	 * after it); never for UDP datagrams (no connection). Always before `close`.
	 *
	 * Order: plugin i's `end` runs, what it returns goes through the `transform` of every later
	 * plugin as one more message (never cut into lines; its reply gets no line terminator), then
	 * plugin i+1's `end` runs, and so on. The replies are sent, in that order, before the server
	 * half-closes or closes.
	 *
	 * Returns a `string` or `Uint8Array` (one more message), `null` or {@link NO_REPLY} (nothing),
	 * or a promise of one. A hook that throws, rejects or returns anything else is a plugin error,
	 * as for `transform` (logged with the plugin's name and hook `end`, counted): no `end` reply
	 * is sent, the replies already due are, and the connection closes. A plugin without `end`
	 * costs nothing.
	 * @example
	 * // Counts lines and says how many once the client is done.
	 * definePlugin({
	 *   name: "count-lines",
	 *   open: () => ({ lines: 0 }),
	 *   transform: (_message, ctx) => {
	 *     ctx.state.lines++;
	 *     return null;
	 *   },
	 *   end: (ctx) => `${ctx.state.lines} lines\n`,
	 * });
	 */
	end?(ctx: PluginContext<State>): TransformResult | Promise<TransformResult>;
}

/** A plugin of any state type, as lists of plugins hold them. */
// biome-ignore lint/suspicious/noExplicitAny: state is private to each plugin; lists mix them.
export type AnyPlugin = Plugin<any>;

/** Options of {@link startServer}. Every field has a default. */
export interface ServerOptions {
	/** Address to bind. Default `127.0.0.1` (loopback only). */
	hostname?: string;
	/** Port to bind; `0` picks a free one (read it back from `server.port`). Default `8888`. */
	port?: number;
	/** Default `raw`. */
	framing?: Framing;
	/** Longest line accepted in `lines` framing, in bytes, not counting its `\n` or `\r\n`; a longer one closes the connection. Default 1 MiB. */
	maxLineBytes?: number;
	/** Plugins in order. Default: none, which echoes every byte unchanged. */
	plugins?: readonly AnyPlugin[];
	/** Where the engine logs. Default: a logger that drops everything. */
	logger?: Logger;
	/** Queued outbound bytes above which the server stops reading from that client. Default 1 MiB. */
	highWaterMark?: number;
	/** Queued outbound bytes below which reading resumes. Default a quarter of `highWaterMark`. */
	lowWaterMark?: number;
	/**
	 * Connections served at once; one more is closed at once and a warning logged. Default: the
	 * open-file limit (which Bun raises to the hard limit at start) less 32 and 5 % of it kept
	 * free, at most 2^20; 1024 where the limit cannot be read. A larger value is capped at the
	 * limit less 32, with a warning. Logged at debug level when the server starts.
	 */
	maxConnections?: number;
	/** Close a connection after this many milliseconds without traffic either way; `0` never. Default 300000 (5 min). */
	idleTimeoutMs?: number;
	/** Serve TLS on the port (certificate and key, as Bun's `tls` option takes them). */
	tls?: TLSOptions;
	/**
	 * With `tls`: close a connection whose TLS handshake has not finished this many milliseconds
	 * after it was accepted (a client that connects and says nothing, or half a ClientHello);
	 * `0` never. Until then it counts against `maxConnections` and the idle timeout like any
	 * other. Default 5000, as "a few seconds" (nginx waits 60 s; a loopback or LAN client needs
	 * milliseconds).
	 *
	 * With `webSocket`, TLS or not, it also bounds that port's HTTP stage, in whole seconds
	 * (rounded up, 1 to 255; `0` keeps Bun's default, 10 s), as `Bun.serve`'s `idleTimeout`: a connection idle after
	 * a request that was not an upgrade (the 426, the page) is closed, uncounted (Bun reports no
	 * such close). Bun 1.4.5 holds a connection that has not yet sent a whole request (silent, or
	 * half a request) for its own ~10 s whatever this says. An upgraded WebSocket is not affected:
	 * `idleTimeoutMs` applies to it.
	 */
	handshakeTimeoutMs?: number;
	/** Listen on this Unix domain socket path instead of `hostname:port`. A stale file from a crashed run is replaced; the file is removed on stop. */
	unix?: string;
	/** Also serve RFC 862 datagram echo on the same host and port (UDP). Plugins run per datagram. */
	udp?: boolean;
	/** Let several processes bind the same port (Linux `SO_REUSEPORT`), for `--workers`. */
	reusePort?: boolean;
	/**
	 * Every TCP or Unix socket connection must start with a PROXY protocol header, version 1
	 * (text) or 2 (binary), as HAProxy's `send-proxy` / `send-proxy-v2` and most TCP load
	 * balancers send it: the client address in it is the connection's `remoteAddress` and
	 * `remotePort` (logs, plugins). Nothing is guessed: a connection that does not start with a
	 * header, sends a malformed one, or does not finish it within `proxyHeaderTimeoutMs` is
	 * closed with a warning and counted. v1 `UNKNOWN` and v2 `LOCAL` (health checks) are
	 * accepted and keep the socket's own address. The header is never echoed; bytes after it are
	 * data. Not with `tls` (`E_INVALID_OPTION`: terminate TLS at the proxy). UDP datagrams are
	 * not affected. Default `false`.
	 */
	proxyProtocol?: boolean;
	/**
	 * With `proxyProtocol`: close a connection whose PROXY header is not complete this many
	 * milliseconds after it was accepted; `0` never. Default 3000.
	 */
	proxyHeaderTimeoutMs?: number;
	/**
	 * With `proxyProtocol`: only peers in these ranges (CIDR, e.g. `["10.0.0.0/8", "::1/128"]`,
	 * or single addresses) may connect; others are closed at once, with a warning, and counted
	 * in `proxyRefused`. Not with `unix` (a Unix socket peer has no address). Default: any peer.
	 */
	proxyFrom?: readonly string[];
	/**
	 * Also serve WebSocket echo (RFC 6455) on `hostname` and this port, with `Bun.serve`: each
	 * WebSocket message is one message through the same plugins (framing does not apply), and
	 * its reply goes back as one message — text for a text message (binary if the reply is not
	 * valid UTF-8), binary for a binary one. With `tls`, over TLS too (`wss://`). See
	 * {@link WebSocketOptions}. Default: off.
	 */
	webSocket?: WebSocketOptions;
}

/**
 * The WebSocket listener of {@link ServerOptions}. Limits shared with the other transports:
 * `maxLineBytes` is the largest message (Bun's `maxPayloadLength`: a larger one closes the
 * WebSocket with 1009), `maxConnections` counts WebSockets with the other connections (one more
 * is closed with 1013), `idleTimeoutMs` and the high-water mark apply as on TCP, and
 * `handshakeTimeoutMs` bounds the HTTP stage before an upgrade (see there). The PROXY
 * protocol does not apply. A graceful stop closes each WebSocket with 1001 after the replies it
 * is owed; a plugin failure closes its WebSocket with 1011.
 */
export interface WebSocketOptions {
	/** Port to bind on `hostname`; `0` picks a free one (read it back from `server.webSocketPort`). */
	port: number;
	/**
	 * What a plain HTTP `GET /` (not an upgrade) gets, e.g. a page that talks to this server;
	 * a function is called per request. Without it, and on every other path, a request that is
	 * not a WebSocket upgrade gets `426 Upgrade Required`.
	 */
	page?: Response | (() => Response | Promise<Response>);
}

/**
 * Options of {@link EchoServer.stop}: a graceful stop in the manner of HAProxy and nginx.
 *
 * 1. The listener stops accepting after one turn of the event loop (which accepts the clients
 *    already waiting in the kernel's backlog). UDP stops answering new datagrams; replies of
 *    async transforms in flight still go out, until `drainTimeoutMs`.
 * 2. Open connections are served as usual for up to `drainTimeoutMs`, so bytes that reached the
 *    server before the stop (read or not) are answered. A connection with nothing owed — no reply
 *    queued, no transform in flight, no unfinished line, and nothing read for one check
 *    (about 50 ms) since the stop began — is half-closed (FIN) at once: an idle client does not
 *    hold the exit.
 * 3. At `drainTimeoutMs`, each remaining connection stops reading, gets the replies it is owed
 *    (an unfinished line is answered, as at the client's FIN), then a FIN.
 * 4. At `drainTimeoutMs + closeTimeoutMs`, what is still open is cut (a reset if replies are
 *    still queued for a client that does not read).
 */
export interface StopOptions {
	/** Milliseconds to keep serving open connections before ending their input. Default 5000. */
	drainTimeoutMs?: number;
	/** Then, milliseconds to let owed replies flush and clients close before cutting. Default 2000. */
	closeTimeoutMs?: number;
}

/**
 * Where a connection is in its life, in order; it only moves forward. `handshaking` (TLS, before
 * the handshake ends) or `proxy` (with `proxyProtocol`, before the PROXY header is read) → `reading` → `draining` (input over, transforms in flight finish) →
 * `flushing` (replies made, the queue empties) → `lingering` (our FIN out, waiting for the
 * client's) → `closed`.
 */
export type ConnectionPhase =
	| "handshaking"
	| "proxy"
	| "reading"
	| "draining"
	| "flushing"
	| "lingering"
	| "closed";

/** Counters of a running server, for tests and metrics: the totals over every transport, then `transports`. */
export interface ServerStats {
	/** Open connections now. */
	connections: number;
	/** Open connections now, by {@link ConnectionPhase}: where a stuck one is stuck. */
	phases: Record<ConnectionPhase, number>;
	/** Connections accepted since start. */
	accepted: number;
	/** Outbound bytes queued in user space now, over all connections. */
	queuedBytes: number;
	/** The most outbound bytes ever queued for one connection. */
	peakQueuedBytes: number;
	/**
	 * The most input bytes ever held for one connection while an async hook (transform,
	 * greeting or `end`) was in flight. Counts toward the high-water mark with the queued replies.
	 */
	peakInboxBytes: number;
	/** Times reading was paused because a client did not read its replies. */
	pauses: number;
	/** Connections turned away because `maxConnections` were open. */
	rejected: number;
	/** Connections closed by the idle timeout. */
	idleClosed: number;
	/** TLS connections closed because their handshake did not finish in `handshakeTimeoutMs`. */
	handshakeTimeouts: number;
	/** TLS handshakes that failed (a plaintext client on the TLS port, a bad ClientHello). */
	handshakeFailures: number;
	/** UDP datagrams answered. */
	datagrams: number;
	/** With `proxyProtocol`: connections closed because they did not start with a PROXY header, or left before finishing it. */
	proxyHeaderMissing: number;
	/** With `proxyProtocol`: connections closed for a malformed PROXY header. */
	proxyHeaderErrors: number;
	/** With `proxyProtocol`: connections closed because their PROXY header was not complete within `proxyHeaderTimeoutMs`. */
	proxyHeaderTimeouts: number;
	/** With `proxyFrom`: connections refused because the peer is not in the ranges. */
	proxyRefused: number;
	/**
	 * The same facts and more, per transport: one entry for the stream listener's transport
	 * (`tcp`, `tls` or `unix`) and one for `udp` when UDP is served. Counted since start, except
	 * `connections` (open now). A copy: later traffic does not change it.
	 */
	transports: Partial<Record<Transport, TransportStats>>;
}

/**
 * Counters of one transport, since the server started. Each is a plain number the engine adds
 * to once per read, per write or per event (never per byte, nothing allocated per message).
 */
export interface TransportStats {
	/** Connections open now (always 0 for `udp`). */
	connections: number;
	/** Connections accepted (not counting the rejected ones). */
	accepted: number;
	/**
	 * Connections turned away as they arrived, never accepted, by reason: `max_connections`
	 * (that many were open), `proxy_untrusted_peer` (with `proxyFrom`, a peer outside the
	 * ranges). Every reason the server knows is present, at 0 until it happens.
	 */
	rejected: Record<string, number>;
	/**
	 * With `proxyProtocol`: accepted connections closed before their PROXY header was read, by
	 * reason: `missing` (data that is no PROXY header, or the client left before a whole one),
	 * `invalid` (a malformed header), `timeout` (not complete within `proxyHeaderTimeoutMs`).
	 * Every reason is present, at 0 until it happens. These connections count in `accepted` too.
	 */
	proxyHeaderFailures: Record<string, number>;
	/** Bytes read from clients (datagrams' bytes for `udp`). */
	bytesReceived: number;
	/** Bytes the kernel took for sending to clients (replies and greetings). */
	bytesSent: number;
	/**
	 * Messages: in `raw` framing without transforms, one per read; in `lines` framing without
	 * transforms, one per `\n`; with transforms, one per message handed to the plugin chain; for
	 * `udp`, one per datagram.
	 */
	messages: number;
	/** Times reading was paused because a client did not read its replies (backpressure). */
	pauses: number;
	/** Connections closed by the idle timeout. */
	idleTimeouts: number;
	/** TLS connections closed because their handshake did not finish in time. */
	handshakeTimeouts: number;
	/** TLS handshakes that failed or that the client left. */
	handshakeFailures: number;
	/**
	 * Failures of plugin hooks (`open`, `greet`, `transform`, `end`, `close`) on this transport's
	 * connections or datagrams, by plugin name; every plugin of the server is present, from 0.
	 */
	pluginErrors: Record<string, number>;
	/** How long connections lived, recorded as each closed. Empty for `udp`. */
	durations: DurationHistogram;
}

/**
 * A fixed-bucket histogram of durations in seconds. `counts[i]` counts the values above
 * `buckets[i - 1]` and at most `buckets[i]` (not cumulative); the last count, one past the
 * buckets, those above the last bound.
 */
export interface DurationHistogram {
	/** Upper bounds in seconds, ascending. */
	readonly buckets: readonly number[];
	counts: number[];
	/** Sum of the recorded durations, in seconds. */
	sum: number;
	/** How many were recorded. */
	count: number;
}

/** Options of {@link connect}. */
export interface ClientOptions {
	/** Default `127.0.0.1`. */
	hostname?: string;
	/** Default `8888`. */
	port?: number;
	/** Give up connecting after this many milliseconds. Default 10000. */
	timeoutMs?: number;
	/** Unread received bytes above which the client stops reading. Default 1 MiB. */
	highWaterMark?: number;
	/** Connect to this Unix domain socket instead of `hostname:port`. */
	unix?: string;
	/**
	 * Use TLS: `true` for the system's trust store, or Bun's options, e.g.
	 * `{ ca: Bun.file("ca.pem") }` or `{ rejectUnauthorized: false }` (no certificate check).
	 */
	tls?: boolean | TLSOptions;
}
