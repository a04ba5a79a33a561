/**
 * WebSocket conformance under load (issue 11, item 5), with the `ws` package as the client:
 * 1,000 WebSockets open at once each get exactly their own messages back, and a client that
 * sends and never reads leaves the server's memory bounded by the high-water mark.
 */
import { afterEach, expect, test } from "bun:test";
import { waitFor, waitForSteady } from "../packages/core/test/helpers.ts";
import { openWs, type RecordingWs, serve, stopServers } from "./fixtures/ws-package.ts";

afterEach(stopServers);

const CLIENTS = 1000;
const MESSAGES = 5;

/** Client `c`'s message `m`: unique bytes, text for even clients, binary for odd ones. */
function payload(c: number, m: number): string | Buffer {
	const head = `client ${c} message ${m} `;
	if (c % 2 === 0) return head + "é".repeat((c * 7 + m) % 50);
	const bytes = Buffer.alloc(head.length + ((c * 13 + m) % 300));
	bytes.write(head, "latin1");
	for (let i = head.length; i < bytes.length; i++) bytes[i] = (c + m * 31 + i) & 0xff;
	return bytes;
}

test(`${CLIENTS} WebSockets open at once, ${MESSAGES} messages each: every client gets exactly its own, in order, byte for byte`, async () => {
	const { server, url } = await serve({ maxConnections: CLIENTS + 100 });
	const clients: RecordingWs[] = [];
	// Opened in waves so the listen backlog never overflows; all stay open together.
	for (let start = 0; start < CLIENTS; start += 100) {
		const wave = Array.from({ length: Math.min(100, CLIENTS - start) }, () => openWs(url));
		clients.push(...(await Promise.all(wave)));
	}
	const stats = () => server.stats().transports.websocket;
	expect(stats()?.connections).toBe(CLIENTS);
	for (let m = 0; m < MESSAGES; m++) {
		for (const [c, client] of clients.entries()) client.ws.send(payload(c, m));
	}
	await Promise.all(clients.map((client) => client.receive(MESSAGES, 60_000)));
	// Nothing more may come: every message the server read is accounted for by one reply.
	await waitFor("every reply counted", () => stats()?.messages === CLIENTS * MESSAGES);
	clients.forEach((client, c) => {
		const got = client.received.map(({ data, isBinary }) => ({ data, isBinary }));
		const want = Array.from({ length: MESSAGES }, (_, m) => {
			const sent = payload(c, m);
			return { data: Buffer.from(sent), isBinary: typeof sent !== "string" };
		});
		if (!Bun.deepEquals(got, want)) expect({ client: c, got }).toEqual({ client: c, got: want });
	});
	expect(stats()?.accepted).toBe(CLIENTS);
	for (const client of clients) client.ws.close(1000);
	await Promise.all(clients.map((client) => client.closed));
	for (const client of clients) expect(client.received).toHaveLength(MESSAGES);
}, 120_000);

test("a client that sends and never reads: the server stops reading it and its queue stays bounded; reading again, every byte comes back", async () => {
	const highWaterMark = 256 * 1024;
	const { server, url } = await serve({ highWaterMark });
	const client = await openWs(url);
	const socket = (client.ws as unknown as { _socket: { pause(): void; resume(): void } })._socket;
	socket.pause(); // the client reads nothing: the replies pile up at the server
	const size = 64 * 1024;
	const target = 50 * 1024 * 1024;
	let sent = 0;
	let peakQueued = 0;
	const stats = () => server.stats();
	// 50 MB handed to ws, which keeps what the kernel does not take (bufferedAmount): the server
	// must not end up holding it.
	for (let i = 0; sent < target; ) {
		client.ws.send(Buffer.alloc(size, i & 0xff)); // message i is filled with i
		sent += size;
		peakQueued = Math.max(peakQueued, stats().queuedBytes);
		if (++i % 8 === 0) await Bun.sleep(1);
	}
	const websocket = () => stats().transports.websocket;
	await waitForSteady(() => websocket()?.bytesReceived ?? 0);
	peakQueued = Math.max(peakQueued, stats().queuedBytes);
	// The documented bound: the high-water mark, plus what one read of Bun's (512 KiB) delivered
	// when reading paused, plus the message under way. Without the pause it would be ~everything.
	const bound = highWaterMark + 512 * 1024 + size;
	expect(websocket()?.pauses).toBeGreaterThanOrEqual(1);
	expect(stats().peakQueuedBytes).toBeLessThanOrEqual(bound);
	expect(peakQueued).toBeLessThanOrEqual(bound);
	expect(websocket()?.bytesReceived).toBeLessThan(sent);
	// Reading again: every message comes back, in order, byte for byte.
	socket.resume();
	const count = sent / size;
	await client.receive(count, 60_000);
	client.received.forEach(({ data, isBinary }, i) => {
		if (!isBinary || data.byteLength !== size || data.some((byte) => byte !== (i & 0xff)))
			throw new Error(`reply ${i} differs from message ${i}`);
	});
	expect(client.received).toHaveLength(count);
	client.ws.close(1000);
	await client.closed;
}, 120_000);
