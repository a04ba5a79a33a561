import { type ConnectionInfo, definePlugin, type Plugin } from "@echokit/core";
import type { ConsolaInstance } from "consola/core";
import { formatBytes, hostPort } from "./format.ts";

/**
 * The lab's transcript as a plugin, put first in the chain: `Connected to HOST:PORT` when a
 * client connects, `Data received: …` for each message (escaped and shortened, see
 * {@link formatBytes}). It passes every message on unchanged. With `--quiet` the server leaves
 * it out altogether, so the chain keeps core's zero-cost echo path.
 *
 * A client of a Unix socket has no address: it is shown as `client #ID on PATH`.
 *
 * Each line also carries fields for `--json`: `connection` (id), `remote`, and `bytes`.
 * @example
 * const server = await startServer({ plugins: [labLog(logger), ...plugins], logger });
 */
export function labLog(logger: ConsolaInstance, unix?: string): Plugin<string> {
	return definePlugin<string>({
		name: "echo-server:log",
		open(connection) {
			const remote = remoteOf(connection);
			const where = connection.remoteAddress ? remote : `${remote} on ${unix ?? "a Unix socket"}`;
			logger.info({ message: `Connected to ${where}`, connection: connection.id, remote });
			return remote;
		},
		transform(message, { connection, state: remote }) {
			const { bytes } = message;
			logger.info({
				message: `Data received: ${formatBytes(bytes)}`,
				connection: connection.id,
				remote,
				bytes: bytes.byteLength,
			});
			return null;
		},
		close({ connection, state: remote }) {
			logger.debug({ message: `Disconnected ${remote}`, connection: connection.id, remote });
		},
	});
}

/** `HOST:PORT`, or `client #ID` when the socket has no address (a Unix socket's client). */
function remoteOf({ remoteAddress, remotePort, id }: ConnectionInfo): string {
	return remoteAddress ? hostPort(remoteAddress, remotePort) : `client #${id}`;
}
