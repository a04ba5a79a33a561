/**
 * node:net echo with `socket.pipe(socket)`: streams handle backpressure (pause when the write
 * buffer is over its high-water mark, resume on drain). `noDelay` matches Bun, which disables
 * Nagle on every socket; an error handler keeps a client's reset from crashing the process.
 *
 * Usage: node bench/servers/node-pipe.mjs [--host 127.0.0.1] [--port 0]
 * Prints `Listening on HOST:PORT`.
 */
import net from "node:net";
import { parseArgs } from "node:util";

const { values } = parseArgs({
	options: {
		host: { type: "string", default: "127.0.0.1" },
		port: { type: "string", default: "0" },
	},
});

const server = net.createServer({ noDelay: true }, (socket) => {
	socket.on("error", () => {});
	socket.pipe(socket);
});

server.listen(Number(values.port), values.host, 4096, () => {
	console.log(`Listening on ${values.host}:${server.address().port}`);
});
