/**
 * Issue 11, item 6: the bench's WebSocket side. The anchor `bench/servers/bare-bun-ws.ts` must
 * be a correct echo (text as text, binary as binary, a client that never reads paused rather
 * than dropped), `spawnServer` must find echo-server's WebSocket port, and the ws-* scenarios'
 * ratios are against that anchor. Real processes on loopback; no timing assertions.
 */
import { afterEach, describe, expect, test } from "bun:test";
import type { Socket } from "bun";
import { type RunningServer, spawnServer } from "../bench/lib/process.ts";
import { scenarios } from "../bench/lib/scenarios.ts";
import { BASELINES } from "../bench/lib/servers.ts";
import { type RunRecord, summarize } from "../bench/lib/summary.ts";
import { maskedFrame, openWebSocket } from "../packages/core/test/websocket-client.ts";
import { record } from "./fixtures/bench-records.ts";

const started: RunningServer[] = [];
afterEach(async () => {
	await Promise.all(started.splice(0).map((server) => server.stop()));
});

async function start(cmd: string[], webSocket = false): Promise<RunningServer> {
	const server = await spawnServer(cmd, { webSocket });
	started.push(server);
	return server;
}

const BARE_BUN_WS = ["bun", "bench/servers/bare-bun-ws.ts", "--port", "0"];

describe("bench/servers/bare-bun-ws.ts", () => {
	test("echoes text messages as text and binary as binary", async () => {
		const server = await start(BARE_BUN_WS);
		const client = await openWebSocket(server.port);
		client.ws.send("héllo");
		client.ws.send(new Uint8Array([0, 1, 255]));
		expect(await client.receive(2)).toEqual(["héllo", new Uint8Array([0, 1, 255])]);
		client.ws.close(1000);
		expect((await client.closed).code).toBe(1000);
	});

	test("a client that sends and never reads is paused, not dropped: reading again, it gets every message back", async () => {
		const server = await start(BARE_BUN_WS);
		const raw = await rawClient(server.port);
		const payload = new Uint8Array(64 * 1024).fill(0x62);
		const frame = maskedFrame(2, payload);
		const limit = 64 * 1024 * 1024;
		// Bounded: stop once 64 MiB were taken or the kernel takes nothing more for a while.
		let sent = 0;
		let pending: Uint8Array | null = null;
		for (let stalls = 0; sent < limit / payload.byteLength && stalls < 50; ) {
			const bytes: Uint8Array = pending ?? frame;
			const written = raw.socket.write(bytes);
			if (written === bytes.byteLength) {
				pending = null;
				sent++;
				stalls = 0;
				if (sent % 16 === 0) await Bun.sleep(0);
			} else {
				pending = bytes.subarray(Math.max(0, written));
				stalls = written > 0 ? 0 : stalls + 1;
				await Bun.sleep(10);
			}
		}
		// The server stopped reading: the client could not hand over all 64 MiB.
		expect(sent * payload.byteLength).toBeLessThan(limit);
		// Reading again, every whole message sent comes back. A server frame of 65,536 bytes has a
		// 10-byte header: 2, then the length in 8 bytes (RFC 6455 §5.2: over 65,535).
		raw.socket.resume();
		const expected = sent * (payload.byteLength + 10);
		const deadline = Date.now() + 30_000;
		while (raw.received() < expected && !raw.isClosed() && Date.now() < deadline) {
			await Bun.sleep(20);
		}
		// Exactly: a message dropped, or a Close frame (1011), would change the count.
		expect(raw.received()).toBe(expected);
		expect(raw.isClosed()).toBe(false);
		raw.socket.end();
	}, 90_000);
});

describe("spawnServer", () => {
	test("with webSocket, finds echo-server's WebSocket port (the line after Listening on)", async () => {
		const server = await start(
			["bun", "packages/server/src/bin.ts", "--quiet", "--port", "0", "--ws-port", "0"],
			true,
		);
		expect(server.webSocketPort).toBeNumber();
		expect(server.webSocketPort).not.toBe(server.port);
		const client = await openWebSocket(server.webSocketPort as number);
		client.ws.send("ping");
		expect(await client.receive(1)).toEqual(["ping"]);
		client.ws.close(1000);
		await client.closed;
	});
});

describe("summary", () => {
	test("ws-* ratios are against bare-bun-ws and echokit-ws is judged by issue 11's 0.95×", () => {
		const all = scenarios(10);
		const ws = all.filter((s) => s.transport === "websocket");
		expect(ws.map((s) => s.id)).toEqual(["ws-1x64", "ws-1x4k", "ws-50x64", "ws-50x4k"]);
		const scenario = ws[0] as (typeof ws)[number];
		const records: RunRecord[] = [
			record(scenario.id, "bare-bun-ws", 1, 1000),
			record(scenario.id, "echokit-ws", 1, 960),
			record(scenario.id, "bare-bun-ws", 2, 1000),
			record(scenario.id, "echokit-ws", 2, 900),
			record(scenario.id, "bare-bun-ws", 3, 1000),
			record(scenario.id, "echokit-ws", 3, 980),
		];
		const cells = summarize(records, [scenario], ["echokit-ws", "bare-bun-ws"], BASELINES);
		const echokit = cells.find((c) => c.server === "echokit-ws");
		expect(echokit?.throughputRatio).toBeCloseTo(0.96);
		expect(echokit?.target).toStartWith("met");
		const slower = summarize(
			records.map((r) =>
				r.server === "echokit-ws" && r.load ? record(r.scenario, r.server, r.round, 900) : r,
			),
			[scenario],
			["echokit-ws", "bare-bun-ws"],
			BASELINES,
		);
		expect(slower.find((c) => c.server === "echokit-ws")?.target).toStartWith("MISSED");
	});
});

/**
 * A WebSocket spoken by hand over TCP that does not read until `socket.resume()`: counts the
 * bytes received after the `101` response.
 */
async function rawClient(port: number) {
	let buffered = new Uint8Array(0);
	let headerEnd = -1;
	let received = 0;
	let closed = false;
	const { promise: upgraded, resolve } = Promise.withResolvers<void>();
	const socket: Socket<undefined> = await Bun.connect({
		hostname: "127.0.0.1",
		port,
		socket: {
			data(_socket, chunk) {
				if (headerEnd === -1) {
					buffered = Buffer.concat([buffered, chunk]);
					const end = Buffer.from(buffered).indexOf("\r\n\r\n");
					if (end === -1) return;
					headerEnd = end + 4;
					received = buffered.byteLength - headerEnd;
					resolve();
				} else received += chunk.byteLength;
			},
			close() {
				closed = true;
			},
		},
	});
	socket.write(
		"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" +
			"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n",
	);
	await upgraded;
	socket.pause();
	return {
		socket,
		received: () => received,
		isClosed: () => closed,
	};
}
