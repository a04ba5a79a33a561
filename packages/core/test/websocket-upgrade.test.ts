/**
 * The WebSocket port's HTTP stage: `handshakeTimeoutMs` sets `Bun.serve`'s `idleTimeout`, so
 * a connection that got a plain HTTP answer (426, the page) and sits idle is closed in about
 * that long instead of Bun's default 10 s, while an upgraded WebSocket keeps the engine's own
 * `idleTimeoutMs`. Bun 1.4.5 holds a connection that has not sent a whole request yet (silent,
 * or half a request) for its own ~10 s whatever `idleTimeout` says: not tested here, nothing of
 * ours decides it.
 */
import { describe, expect, test } from "bun:test";
import { connect } from "node:net";
import { type ServerOptions, startServer } from "../src/index.ts";
import { httpIdleSeconds } from "../src/websocket.ts";
import { stoppedAfterEach } from "./helpers.ts";
import { openWebSocket } from "./websocket-client.ts";

const servers = stoppedAfterEach();

async function serve(options: ServerOptions): Promise<number> {
	const server = await startServer({ port: 0, webSocket: { port: 0 }, ...options });
	servers.push(server);
	return server.webSocketPort as number;
}

/** Sends `request` on a raw TCP connection; resolves with what came back once the server closed it, or null at the deadline. */
function heldUntilClosed(
	port: number,
	request: string,
	deadlineMs: number,
): Promise<string | null> {
	return new Promise((resolve) => {
		const socket = connect(port, "127.0.0.1", () => socket.write(request));
		let received = "";
		socket.on("data", (chunk) => {
			received += chunk.toString("latin1");
		});
		socket.on("error", () => {});
		const timer = setTimeout(() => {
			socket.destroy();
			resolve(null);
		}, deadlineMs);
		socket.on("close", () => {
			clearTimeout(timer);
			resolve(received);
		});
	});
}

describe("handshakeTimeoutMs on the WebSocket port", () => {
	test("an HTTP client idle after its 426 is closed (Bun's default would hold it 10 s); WebSockets are served meanwhile", async () => {
		const port = await serve({ handshakeTimeoutMs: 1000, idleTimeoutMs: 0 });
		const held = heldUntilClosed(port, "GET / HTTP/1.1\r\nHost: x\r\n\r\n", 8000);
		const client = await openWebSocket(port);
		client.ws.send("still here");
		expect(await client.receive(1)).toEqual(["still here"]);
		const received = await held;
		expect(received).not.toBeNull();
		expect(received?.startsWith("HTTP/1.1 426")).toBe(true);
		client.ws.close();
	}, 15_000);

	test("an upgraded WebSocket idle longer than the HTTP bound stays open and echoes (idleTimeoutMs 0)", async () => {
		const port = await serve({ handshakeTimeoutMs: 1000, idleTimeoutMs: 0 });
		const client = await openWebSocket(port);
		let closed = false;
		void client.closed.then(() => {
			closed = true;
		});
		// Bun's timers tick every 4 s: idle well past one tick after the 1 s bound.
		await Bun.sleep(6000);
		expect(closed).toBe(false);
		client.ws.send("after a rest");
		expect(await client.receive(1)).toEqual(["after a rest"]);
		client.ws.close();
	}, 15_000);

	test("milliseconds become Bun's whole seconds: rounded up, 1 to 255, 0 keeps Bun's 10", () => {
		expect([0, 1, 999, 1000, 1001, 5000, 254_001, 255_000, 3_600_000].map(httpIdleSeconds)).toEqual(
			[10, 1, 1, 1, 2, 5, 255, 255, 255],
		);
	});
});
