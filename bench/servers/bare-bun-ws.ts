/**
 * The WebSocket speed anchor: a bare `Bun.serve` WebSocket echo with correct backpressure and
 * nothing else. Text messages come back as text, binary as binary (`ws.send` picks the frame
 * type from the value: a string is text, a Buffer binary).
 *
 * Backpressure (Bun's `ServerWebSocketSendStatus`): `send` returns the bytes sent, `-1` when Bun
 * buffered the message because the socket is congested, or `0` when it dropped it (over
 * `backpressureLimit`). On `-1` reading pauses (`ws.pause()`: the client then sees TCP
 * backpressure) until `drain`; messages Bun had already read are still delivered and buffered,
 * so a client that sends and never reads cannot grow memory without bound. A dropped message
 * would break the echo: the connection is closed with 1011 instead.
 *
 * Bun's defaults otherwise (no compression, `maxPayloadLength` 16 MiB, `idleTimeout` 120 s).
 *
 * Usage: bun bench/servers/bare-bun-ws.ts [--host 127.0.0.1] [--port 0]
 * Prints `Listening on HOST:PORT` (the WebSocket port; any path upgrades).
 * @module
 */
import { parseArgs } from "node:util";

const { values } = parseArgs({
	options: {
		host: { type: "string", default: "127.0.0.1" },
		port: { type: "string", default: "0" },
	},
});

const server = Bun.serve({
	hostname: values.host,
	port: Number(values.port),
	fetch(request, server) {
		if (server.upgrade(request)) return undefined;
		return new Response("426 Upgrade Required\n", { status: 426 });
	},
	websocket: {
		message(ws, message) {
			const status = ws.send(message);
			if (status === -1) ws.pause();
			else if (status === 0 && message.length > 0) ws.close(1011, "message dropped");
		},
		drain(ws) {
			ws.resume();
		},
	},
});

console.log(`Listening on ${server.hostname}:${server.port}`);
