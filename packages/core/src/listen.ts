/**
 * Binds the stream listener (TCP, TLS or a Unix socket) and wires Bun's socket handlers to
 * {@link Connection}. Turning away connections over `maxConnections` happens here, before any
 * per-connection state exists.
 */
import { lstatSync, unlinkSync } from "node:fs";
import type { Socket, SocketHandler, SocketListener } from "bun";
import { Connection } from "./connection.ts";
import { EchoError } from "./errors.ts";
import { type ConnectionSettings, peerName } from "./settings.ts";
import type { ServerOptions } from "./types.ts";

/** A connection slot: `null` while the socket was turned away. */
type Slot = Connection | null;

export interface StreamListener {
	readonly listener: SocketListener<Slot> & { port?: number; hostname?: string };
	/** The address to report: host:port, or the Unix path. */
	readonly hostname: string;
	readonly port: number;
}

/** Binds and returns the listener. Throws `E_ADDR_IN_USE` or `E_LISTEN`. */
export async function listenStream(
	settings: ConnectionSettings,
	options: ServerOptions,
	open: Set<Connection>,
): Promise<StreamListener> {
	const socket = handlers(settings, open, options.tls !== undefined);
	const common = { socket, allowHalfOpen: true, data: null as Slot };
	if (options.unix) {
		await removeStaleSocket(options.unix);
		const listener = bind(options.unix, () =>
			Bun.listen<Slot>({ ...common, unix: options.unix as string, tls: options.tls }),
		);
		return { listener, hostname: options.unix, port: 0 };
	}
	const hostname = options.hostname ?? "127.0.0.1";
	const port = options.port ?? 8888;
	if (!Number.isInteger(port) || port < 0 || port > 65535) {
		throw new EchoError(
			"E_INVALID_OPTION",
			`invalid port: ${JSON.stringify(port)} (expected 0 to 65535)`,
		);
	}
	const listener = bind(`${hostname}:${port}`, () =>
		// `reusePort` works on Linux but is missing from Bun's listen type.
		Bun.listen<Slot>({
			...common,
			hostname,
			port,
			tls: options.tls,
			...({ reusePort: options.reusePort } as object),
		}),
	);
	return { listener, hostname: listener.hostname, port: listener.port };
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
): SocketHandler<Slot> {
	const { logger, stats } = settings;
	return {
		open(socket) {
			if (open.size >= settings.maxConnections) {
				stats.rejected++;
				logger.warn(
					`refusing ${peerName(socket)}: ${settings.maxConnections} connections open (maxConnections)`,
				);
				socket.data = null;
				socket.end();
				return;
			}
			const connection = new Connection(socket as Socket<Slot>, settings, tls);
			socket.data = connection;
			stats.accepted++;
			open.add(connection);
			if (!tls) connection.open();
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

function bind<T>(address: string, listen: () => T): T {
	try {
		return listen();
	} catch (error) {
		const code = (error as { code?: string })?.code;
		if (code === "EADDRINUSE") {
			throw new EchoError("E_ADDR_IN_USE", `${address} is already in use`, { cause: error });
		}
		const reason = error instanceof Error ? error.message : String(error);
		throw new EchoError("E_LISTEN", `cannot listen on ${address}: ${reason}`, { cause: error });
	}
}

/** A socket file nobody answers on is left from a crashed run: remove it. One that answers is in use. */
async function removeStaleSocket(path: string): Promise<void> {
	const stat = lstatSync(path, { throwIfNoEntry: false });
	if (!stat) return;
	if (!stat.isSocket()) {
		throw new EchoError("E_LISTEN", `cannot listen on ${path}: it exists and is not a socket`);
	}
	try {
		const probe = await Bun.connect({ unix: path, socket: { data() {} } });
		probe.end();
	} catch {
		unlinkSync(path);
		return;
	}
	throw new EchoError("E_ADDR_IN_USE", `${path} is in use by a running server`);
}
