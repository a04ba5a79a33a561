/**
 * WebSocket echo (`webSocket` option) on real sockets, with Bun's own WebSocket client (and a
 * hand-written one for what a good client never does): the same plugin pipeline as TCP, text
 * and binary kept apart, the limits, backpressure and the close codes of RFC 6455 §7.4.1.
 */
import { describe, expect, test } from "bun:test";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
	type ConnectionInfo,
	definePlugin,
	type EchoServer,
	NO_REPLY,
	type ServerOptions,
	startServer,
} from "../src/index.ts";
import { makeCertificate } from "./fixtures/tls-cert.ts";
import { encoder, recordingLogger, stoppedAfterEach, waitFor, waitForSteady } from "./helpers.ts";
import { closeCodeIn, openWebSocket, rawWebSocket } from "./websocket-client.ts";

const servers = stoppedAfterEach();

async function serve(options: ServerOptions = {}): Promise<EchoServer & { wsPort: number }> {
	const server = await startServer({ port: 0, webSocket: { port: 0 }, ...options });
	servers.push(server);
	return Object.assign(server, { wsPort: server.webSocketPort as number });
}

const upper = definePlugin({ name: "upper", transform: (message) => message.text().toUpperCase() });

describe("echo", () => {
	test("text comes back as text and binary as binary, in order, an empty message too", async () => {
		const server = await serve();
		const client = await openWebSocket(server.wsPort);
		client.ws.send("Hi");
		client.ws.send(new Uint8Array([0, 1, 255]));
		client.ws.send("");
		client.ws.send("héllo 👍");
		client.ws.send(new Uint8Array(0));
		expect(await client.receive(5)).toEqual([
			"Hi",
			new Uint8Array([0, 1, 255]),
			"",
			"héllo 👍",
			new Uint8Array(0),
		]);
		const stats = server.stats().transports.websocket;
		expect(stats?.accepted).toBe(1);
		expect(stats?.messages).toBe(5);
		expect(stats?.connections).toBe(1);
		client.ws.close();
	});

	test("through the plugins: a transform's reply to text is text; NO_REPLY; async transforms keep arrival order", async () => {
		const seen: ConnectionInfo[] = [];
		const skip = definePlugin({
			name: "skip",
			open: (connection) => void seen.push(connection),
			transform: (message) => (message.text() === "SKIP" ? NO_REPLY : null),
		});
		// The first message waits longest: its reply must still come first.
		let delay = 60;
		const later = definePlugin({
			name: "later",
			transform: async () => {
				delay = Math.max(0, delay - 20);
				await Bun.sleep(delay);
				return null;
			},
		});
		const server = await serve({ plugins: [upper, skip, later], framing: "lines" });
		const client = await openWebSocket(server.wsPort);
		for (const text of ["one", "skip", "two", "three\nfour"]) client.ws.send(text);
		client.ws.send(encoder.encode("bin"));
		// A binary message's reply is binary, transformed or not.
		expect(await client.receive(4)).toEqual(["ONE", "TWO", "THREE\nFOUR", encoder.encode("BIN")]);
		expect(seen[0]?.transport).toBe("websocket");
		expect(seen[0]?.framing).toBe("raw"); // lines framing does not apply to WebSocket
		expect(seen[0]?.remoteAddress).toBe("127.0.0.1");
		expect(seen[0]?.remotePort).toBeGreaterThan(0);
		client.ws.close();
	});

	test("a greeting goes first, as a text message", async () => {
		const hello = definePlugin({ name: "hello", greet: () => "welcome" });
		const server = await serve({ plugins: [hello] });
		const client = await openWebSocket(server.wsPort);
		client.ws.send("x");
		expect(await client.receive(2)).toEqual(["welcome", "x"]);
		client.ws.close();
	});
});

describe("limits and failures close only that WebSocket, with their code", () => {
	test("a message over maxLineBytes: 1009, with a warning as for a line too long", async () => {
		const logger = recordingLogger();
		const server = await serve({ maxLineBytes: 16, logger });
		const other = await openWebSocket(server.wsPort);
		const client = await openWebSocket(server.wsPort);
		client.ws.send("x".repeat(17));
		expect((await client.closed).code).toBe(1009);
		await waitFor("the warning", () =>
			logger.lines.some((l) => l.level === "warn" && l.message.includes("E_LINE_TOO_LONG")),
		);
		other.ws.send("x".repeat(16));
		expect(await other.receive(1)).toEqual(["x".repeat(16)]);
		other.ws.close();
	});

	test("a plugin that throws: 1011 after the replies already due, logged with its name", async () => {
		const logger = recordingLogger();
		const boom = definePlugin({
			name: "boom",
			transform(message) {
				if (message.text() === "boom") throw new Error("kaput");
				return null;
			},
		});
		const server = await serve({ plugins: [boom], logger });
		const other = await openWebSocket(server.wsPort);
		const client = await openWebSocket(server.wsPort);
		client.ws.send("before");
		client.ws.send("boom");
		expect((await client.closed).code).toBe(1011);
		expect(client.received).toEqual(["before"]);
		expect(logger.lines.some((l) => l.level === "error" && l.message.includes("boom"))).toBe(true);
		expect(server.stats().transports.websocket?.pluginErrors.boom).toBe(1);
		other.ws.send("still here");
		expect(await other.receive(1)).toEqual(["still here"]);
		other.ws.close();
	});

	test("invalid UTF-8 in a text message: Bun closes with 1007", async () => {
		const server = await serve();
		const raw = await rawWebSocket(server.wsPort);
		raw.frame(1, new Uint8Array([0x41, 0xff, 0xfe]));
		await raw.closed;
		expect(closeCodeIn(raw.bytes())).toBe(1007);
	});

	test("maxConnections counts WebSockets: one more is closed with 1013 and counted", async () => {
		const logger = recordingLogger();
		const server = await serve({ maxConnections: 1, logger });
		const first = await openWebSocket(server.wsPort);
		const second = await openWebSocket(server.wsPort);
		expect((await second.closed).code).toBe(1013);
		expect(server.stats().transports.websocket?.rejected.max_connections).toBe(1);
		expect(logger.lines.some((l) => l.message.includes("maxConnections"))).toBe(true);
		first.ws.send("ok");
		expect(await first.receive(1)).toEqual(["ok"]);
		first.ws.close();
	});

	test("the idle timeout closes a silent WebSocket (1000) and counts it", async () => {
		const server = await serve({ idleTimeoutMs: 100 });
		const client = await openWebSocket(server.wsPort);
		expect((await client.closed).code).toBe(1000);
		expect(server.stats().transports.websocket?.idleTimeouts).toBe(1);
	});
});

describe("HTTP", () => {
	test("a request that is not an upgrade gets 426 on every path, / included (no page)", async () => {
		const server = await serve();
		for (const path of ["/", "/index.html", "/x?y"]) {
			const response = await fetch(`http://127.0.0.1:${server.wsPort}${path}`);
			expect(response.status).toBe(426);
			expect(response.headers.get("upgrade")).toBe("websocket");
		}
	});

	test("the page option answers GET / only; other paths still get 426", async () => {
		const page = () => new Response("<p>page</p>", { headers: { "content-type": "text/html" } });
		const server = await serve({ webSocket: { port: 0, page } });
		const root = await fetch(`http://127.0.0.1:${server.webSocketPort}/`);
		expect(root.status).toBe(200);
		expect(await root.text()).toBe("<p>page</p>");
		const other = await fetch(`http://127.0.0.1:${server.webSocketPort}/other`);
		expect(other.status).toBe(426);
	});
});

describe("graceful stop", () => {
	test("replies owed go out, then close code 1001; an idle WebSocket gets 1001 too", async () => {
		const slow = definePlugin({
			name: "slow",
			transform: async (message) => {
				await Bun.sleep(150);
				return message.text().toUpperCase();
			},
		});
		const server = await startServer({ port: 0, webSocket: { port: 0 }, plugins: [slow] });
		const port = server.webSocketPort as number;
		const busy = await openWebSocket(port);
		const idle = await openWebSocket(port);
		busy.ws.send("owed");
		await Bun.sleep(20);
		await server.stop({ drainTimeoutMs: 5000 });
		expect((await busy.closed).code).toBe(1001);
		expect(busy.received).toEqual(["OWED"]);
		expect((await idle.closed).code).toBe(1001);
	});
});

describe("backpressure", () => {
	test("a client that sends and never reads is paused: the server's queue stays bounded", async () => {
		const highWaterMark = 256 * 1024;
		const server = await serve({ highWaterMark });
		const raw = await rawWebSocket(server.wsPort);
		raw.socket.pause(); // never read: the replies pile up
		const payload = new Uint8Array(64 * 1024).fill(0x61);
		let written = 0;
		// Bounded: stop once 64 MiB were taken or the kernel takes nothing more for a while.
		for (let i = 0, stalls = 0; written < 64 * 1024 * 1024 && stalls < 50; i++) {
			const frame = raw.frame(2, payload);
			if (frame === 0) {
				stalls++;
				await Bun.sleep(10);
			} else stalls = 0;
			written += frame;
			if (i % 16 === 0) await Bun.sleep(0);
		}
		const counters = () => server.stats().transports.websocket;
		await waitForSteady(() => counters()?.bytesReceived ?? 0);
		const stats = server.stats();
		expect(counters()?.pauses).toBeGreaterThanOrEqual(1);
		// What waits for the client: our queue up to the mark, plus the messages of the read that
		// was under way when reading paused (Bun delivers them: its read buffer is 512 KiB).
		expect(stats.peakQueuedBytes).toBeLessThanOrEqual(
			highWaterMark + 512 * 1024 + payload.byteLength,
		);
		expect(counters()?.bytesReceived).toBeLessThan(written);
		// Reading again, the client gets every reply: the server sends all it received.
		raw.socket.resume();
		await waitFor(
			"every reply sent",
			() => (counters()?.bytesSent ?? 0) >= (counters()?.bytesReceived ?? 1),
		);
		raw.socket.end();
	});
});

describe("TLS", () => {
	test("with the server's certificate, WebSocket is served over TLS (wss://)", async () => {
		const dir = mkdtempSync(join(tmpdir(), "echokit-wss-"));
		try {
			const { cert, key } = makeCertificate(dir);
			const server = await serve({ tls: { cert: Bun.file(cert), key: Bun.file(key) } });
			const ws = new WebSocket(`wss://127.0.0.1:${server.wsPort}/`, {
				tls: { ca: readFileSync(cert, "utf8") },
			} as unknown as string[]);
			const reply = new Promise<unknown>((resolve) => {
				ws.onmessage = (event) => resolve(event.data);
			});
			await new Promise((resolve) => {
				ws.onopen = resolve;
			});
			ws.send("secret");
			expect(await reply).toBe("secret");
			ws.close();
		} finally {
			rmSync(dir, { recursive: true, force: true });
		}
	});
});
