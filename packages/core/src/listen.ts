/**
 * The stream transports' adapter (socket.ts): binds a TCP, TLS or Unix socket listener with
 * `Bun.listen` and wires Bun's socket handlers to {@link Connection} — a Bun socket is an
 * {@link EchoSocket} as it is. Turning away connections over `maxConnections` happens here,
 * before any per-connection state exists.
 */
import { lstatSync, type Stats, unlinkSync } from "node:fs";
import type { Socket, SocketHandler, SocketListener } from "bun";
import { Connection } from "./connection.ts";
import { countReason } from "./counters.ts";
import { EchoError } from "./errors.ts";
import { checkUnixPath, type ListenTarget, listenError } from "./listen-error.ts";
import { type ConnectionSettings, peerName } from "./settings.ts";
import type { Listener } from "./socket.ts";
import type { ServerOptions } from "./types.ts";

/** A connection slot: `null` while the socket was turned away. */
type Slot = Connection | null;

type BunListener = SocketListener<Slot> & { port?: number; hostname?: string };

/**
 * Binds and returns the listener. Throws what listen-error.ts makes of a failure
 * (`E_ADDR_IN_USE`, `E_PERMISSION`, `E_ADDR_NOT_AVAILABLE`, `E_UNIX_PATH`, `E_LISTEN`), or
 * `E_INVALID_OPTION` for a port out of range.
 */
export async function listenStream(
	settings: ConnectionSettings,
	options: ServerOptions,
	open: Set<Connection>,
): Promise<Listener> {
	const tls = options.tls !== undefined;
	// What plugins see as `connection.transport`; a Unix socket is `unix` with or without TLS.
	const transport = options.unix ? "unix" : tls ? "tls" : "tcp";
	const socket = handlers(settings, open, tls, transport);
	const common = { socket, allowHalfOpen: true, data: null as Slot };
	if (options.unix) {
		const target = { unix: options.unix };
		checkUnixPath(options.unix);
		await removeStaleSocket(options.unix);
		const listener = bind(target, () =>
			Bun.listen<Slot>({ ...common, unix: options.unix as string, tls: options.tls }),
		);
		return adapt(listener, transport, options.unix, 0);
	}
	const hostname = options.hostname ?? "127.0.0.1";
	const port = options.port ?? 8888;
	if (!Number.isInteger(port) || port < 0 || port > 65535) {
		throw new EchoError(
			"E_INVALID_OPTION",
			`invalid port: ${JSON.stringify(port)} (expected 0 to 65535)`,
		);
	}
	const listener = bind({ host: hostname, port }, () =>
		// `reusePort` works on Linux but is missing from Bun's listen type.
		Bun.listen<Slot>({
			...common,
			hostname,
			port,
			tls: options.tls,
			...({ reusePort: options.reusePort } as object),
		}),
	);
	return adapt(listener, transport, listener.hostname ?? hostname, listener.port ?? port);
}

/** The {@link Listener} shape of a Bun listener: `stop(false)` stops accepting, `stop(true)` cuts. */
function adapt(
	listener: BunListener,
	kind: Connection["transport"],
	hostname: string,
	port: number,
): Listener {
	return {
		kind,
		address: { hostname, port },
		async stop(force) {
			listener.stop(force);
		},
	};
}

/**
 * Bun's handlers for every socket of the listener. With TLS there is a `handshake` handler:
 * without one, Bun 1.4.5 calls `open` only once the handshake is done, so a client that never
 * finishes it would be invisible — not counted, not timed out, not logged. With it, `open`
 * comes at accept and the connection waits in its `handshaking` phase.
 */
function handlers(
	settings: ConnectionSettings,
	open: Set<Connection>,
	tls: boolean,
	transport: Connection["transport"],
): SocketHandler<Slot> {
	const { logger } = settings;
	const counters = settings.counters[transport];
	return {
		open(socket) {
			if (open.size >= settings.maxConnections) {
				countReason(counters.rejected, "max_connections");
				logger.warn(
					`refusing ${peerName(socket)}: ${settings.maxConnections} connection${settings.maxConnections === 1 ? "" : "s"} open (maxConnections)`,
					{ event: "max_connections" },
				);
				socket.data = null;
				socket.end();
				return;
			}
			// Only these peers may speak for clients: anyone else could claim any address.
			if (settings.proxyFrom && !settings.proxyFrom.has(socket.remoteAddress)) {
				countReason(counters.rejected, "proxy_untrusted_peer");
				logger.warn(`refusing ${peerName(socket)}: not a trusted proxy (proxyFrom)`, {
					event: "proxy_untrusted_peer",
				});
				socket.data = null;
				socket.end();
				return;
			}
			const connection = new Connection(socket as Socket<Slot>, settings, tls, transport);
			socket.data = connection;
			counters.accepted++;
			open.add(connection);
			if (!tls && !settings.proxyProtocol) connection.open(); // else once the header is read
		},
		...(tls && {
			handshake: (socket, success, error) => socket.data?.onHandshake(success, error),
		}),
		data: (socket, chunk) => socket.data?.onData(chunk),
		drain: (socket) => socket.data?.onDrain(),
		end: (socket) => {
			if (socket.data) socket.data.onEnd();
			else socket.end();
		},
		close(socket) {
			const connection = socket.data;
			if (!connection) return;
			open.delete(connection);
			connection.onClose();
		},
		error(socket, error) {
			// Resets and the like: the socket closes; others go on. (Handshake failures are warned of.)
			logger.debug(
				`socket error on connection ${socket.data?.label ?? "(refused)"}: ${error.message}`,
			);
		},
	};
}

function bind<T>(target: ListenTarget, listen: () => T): T {
	try {
		return listen();
	} catch (error) {
		throw listenError(target, error);
	}
}

/**
 * A socket file that refuses connections is left from a crashed run: remove it. One that
 * answers is in use; one this user may not even try is left alone (`E_PERMISSION`).
 */
async function removeStaleSocket(path: string): Promise<void> {
	const target = { unix: path };
	const stat = lstatOrThrow(target);
	if (!stat) return;
	if (!stat.isSocket()) throw listenError(target, undefined, "ENOTSOCK");
	try {
		const probe = await Bun.connect({ unix: path, socket: { data() {} } });
		probe.end();
	} catch (error) {
		// Only a refusal proves nobody listens: a socket this user may not connect to may be live.
		const code = (error as { code?: unknown } | null)?.code;
		if (code !== "ECONNREFUSED" && code !== "ENOENT") throw listenError(target, error);
		try {
			unlinkSync(path);
		} catch (error) {
			if ((error as { code?: unknown } | null)?.code !== "ENOENT") throw listenError(target, error);
		}
		return;
	}
	throw listenError(target, undefined, "EADDRINUSE");
}

/** What is at the path now, if anything; a path that cannot be looked at fails as a bind would. */
function lstatOrThrow(target: { unix: string }): Stats | undefined {
	try {
		return lstatSync(target.unix, { throwIfNoEntry: false });
	} catch (error) {
		throw listenError(target, error);
	}
}
