import { type ConnectionInfo, definePlugin, type Plugin } from "@echokit/core";
import { hostPort } from "@echokit/core/cli";
import type { ConsolaInstance } from "consola/core";
import { formatBytes } from "./format.ts";

/**
 * The lab's transcript as a plugin, put first in the chain: a line when a client arrives, then
 * `Data received: …` for each message (escaped and shortened, see {@link formatBytes}). It
 * passes every message on unchanged. With `--quiet` the server leaves it out altogether, so the
 * chain keeps core's zero-cost echo path.
 *
 * The arrival line follows `connection.transport`:
 * - TCP and TLS: `Connected to HOST:PORT`, as in the lab.
 * - A Unix socket's client has no address: `Connected to client #ID on PATH`.
 * - UDP has no connections: `Datagram from HOST:PORT`, once per datagram, and no `Disconnected`.
 * - WebSocket: `Connected to HOST:PORT (WebSocket)`; a message is one WebSocket message.
 *
 * Each line also carries fields for `--json`: `connection` (id), `remote`, `transport`, and
 * `bytes`.
 *
 * A proxy's health check (`connection.healthCheck`: a PROXY v2 `LOCAL` or v1 `UNKNOWN` header)
 * is left out altogether: a check every second would drown the clients' lines.
 * @example
 * const server = await startServer({ plugins: [labLog(logger), ...plugins], logger });
 */
export function labLog(logger: ConsolaInstance, unix?: string): Plugin<string | null> {
	return definePlugin<string | null>({
		name: "echo-server:log",
		open(connection) {
			if (connection.healthCheck) return null;
			const { id, transport } = connection;
			const remote = remoteOf(connection);
			logger.info({
				message: arrival(connection, remote, unix),
				connection: id,
				remote,
				transport,
			});
			return remote;
		},
		transform(message, { connection, state: remote }) {
			if (remote === null) return null;
			const { bytes } = message;
			logger.info({
				message: `Data received: ${formatBytes(bytes)}`,
				connection: connection.id,
				remote,
				transport: connection.transport,
				bytes: bytes.byteLength,
			});
			return null;
		},
		close({ connection, state: remote }) {
			const { id, transport } = connection;
			// A datagram's close is the end of its own exchange: nothing disconnected.
			if (transport === "udp" || remote === null) return;
			logger.debug({ message: `Disconnected ${remote}`, connection: id, remote, transport });
		},
	});
}

/** The line for a client's arrival; `unix` is the socket path the server listens on. */
function arrival(connection: ConnectionInfo, remote: string, unix: string | undefined): string {
	if (connection.transport === "udp") return `Datagram from ${remote}`;
	if (connection.transport === "unix")
		return `Connected to ${remote} on ${unix ?? "a Unix socket"}`;
	if (connection.transport === "websocket") return `Connected to ${remote} (WebSocket)`;
	return `Connected to ${remote}`;
}

/**
 * `HOST:PORT`, or `client #ID` when the socket has no address: a Unix socket's client, or a
 * TCP client that reset the connection before it was served (Bun no longer knows its address).
 */
function remoteOf({ remoteAddress, remotePort, id, transport }: ConnectionInfo): string {
	if (remoteAddress) return hostPort(remoteAddress, remotePort);
	return transport === "unix"
		? `client #${id}`
		: `client #${id} (address unknown: it reset at once)`;
}
