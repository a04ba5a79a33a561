import type { Socket, TCPSocketListener } from "bun";
import { Connection } from "./connection.ts";
import { EchoError } from "./errors.ts";
import { type ConnectionSettings, connectionSettings } from "./settings.ts";
import type { ServerInfo, ServerOptions, ServerStats, StopOptions } from "./types.ts";

/**
 * A running echo server. Get one from {@link startServer}.
 * @example
 * const server = await startServer({ port: 0 });
 * console.log(`Listening on ${server.hostname}:${server.port}`);
 * await server.stop();
 */
export class EchoServer implements ServerInfo {
	private stopping: Promise<void> | null = null;

	/** @internal Use {@link startServer}. */
	constructor(
		private readonly listener: TCPSocketListener<Connection>,
		private readonly settings: ConnectionSettings,
		private readonly open: ReadonlySet<Connection>,
	) {}

	get hostname(): string {
		return this.listener.hostname;
	}
	get port(): number {
		return this.listener.port;
	}
	get framing() {
		return this.settings.framing;
	}
	get logger() {
		return this.settings.logger;
	}
	/** Open connections now. */
	get connections(): number {
		return this.open.size;
	}

	/** Counters: connections, queued bytes, peak queued bytes for one connection, pauses. */
	stats(): ServerStats {
		let queuedBytes = 0;
		let peakQueuedBytes = this.settings.stats.peakQueuedBytes;
		for (const connection of this.open) {
			queuedBytes += connection.out.bytes;
			peakQueuedBytes = Math.max(peakQueuedBytes, connection.out.peak);
		}
		const { accepted, pauses } = this.settings.stats;
		return { connections: this.open.size, accepted, queuedBytes, peakQueuedBytes, pauses };
	}

	/**
	 * Stops accepting, lets every connection finish the replies it owes (the client's unfinished
	 * line is dropped), closes them, then runs the plugins' `stop` hooks. Connections still busy
	 * after `timeoutMs` are cut. Calling it again returns the same promise.
	 */
	stop(options: StopOptions = {}): Promise<void> {
		this.stopping ??= this.stopNow(options.timeoutMs ?? 5000);
		return this.stopping;
	}

	private async stopNow(timeoutMs: number): Promise<void> {
		this.listener.stop(false);
		for (const connection of this.open) connection.onEnd(true);
		const deadline = Date.now() + timeoutMs;
		while (this.open.size > 0 && Date.now() < deadline) await Bun.sleep(5);
		for (const connection of this.open) connection.socket.terminate();
		this.listener.stop(true);
		for (const plugin of this.settings.plugins) {
			try {
				await plugin.stop?.(this);
			} catch (error) {
				this.logger.error(
					`plugin "${plugin.name}" failed in stop: ${error instanceof Error ? error.message : error}`,
				);
			}
		}
	}
}

/**
 * Starts an echo server: binds, runs the plugins' `start` hooks, and resolves once it accepts.
 * Rejects with an {@link EchoError}: `E_ADDR_IN_USE`, `E_LISTEN`, `E_INVALID_OPTION` or `E_PLUGIN`.
 * @example
 * import { startServer } from "@echokit/core";
 * import uppercase from "@echokit/plugin-uppercase";
 * const server = await startServer({ port: 0, framing: "lines", plugins: [uppercase()] });
 */
export async function startServer(options: ServerOptions = {}): Promise<EchoServer> {
	const settings = connectionSettings(options);
	const hostname = options.hostname ?? "127.0.0.1";
	const port = options.port ?? 8888;
	if (!Number.isInteger(port) || port < 0 || port > 65535) {
		throw new EchoError(
			"E_INVALID_OPTION",
			`invalid port: ${JSON.stringify(port)} (expected 0 to 65535)`,
		);
	}
	const open = new Set<Connection>();
	let listener: TCPSocketListener<Connection>;
	try {
		listener = Bun.listen<Connection>({
			hostname,
			port,
			// RFC 862: after the client's FIN, every byte still goes back before we close.
			allowHalfOpen: true,
			socket: {
				open(socket) {
					const connection = new Connection(socket as Socket<Connection>, settings);
					socket.data = connection;
					settings.stats.accepted++;
					open.add(connection);
					connection.open();
				},
				data: (socket, chunk) => socket.data.onData(chunk),
				drain: (socket) => socket.data.onDrain(),
				end: (socket) => socket.data.onEnd(),
				close(socket) {
					const connection = socket.data;
					if (!connection) return;
					connection.onClose();
					open.delete(connection);
				},
				error(socket, error) {
					settings.logger.debug(
						`socket error on connection ${socket.data?.label}: ${error.message}`,
					);
				},
			},
		});
	} catch (error) {
		throw listenError(error, hostname, port);
	}
	const server = new EchoServer(listener, settings, open);
	for (const plugin of settings.plugins) {
		try {
			await plugin.start?.(server);
		} catch (error) {
			listener.stop(true);
			throw new EchoError(
				"E_PLUGIN",
				`plugin "${plugin.name}" failed to start: ${error instanceof Error ? error.message : error}`,
				{ cause: error },
			);
		}
	}
	return server;
}

function listenError(error: unknown, hostname: string, port: number): EchoError {
	const code = (error as { code?: string })?.code;
	if (code === "EADDRINUSE") {
		return new EchoError("E_ADDR_IN_USE", `${hostname}:${port} is already in use`, {
			cause: error,
		});
	}
	const reason = error instanceof Error ? error.message : String(error);
	return new EchoError("E_LISTEN", `cannot listen on ${hostname}:${port}: ${reason}`, {
		cause: error,
	});
}
