/**
 * A graceful stop on real sockets: bytes that reached the server before the stop are answered,
 * then the client gets EOF (never a reset); open connections are served until their clients
 * close or the drain deadline; what is owed nothing is half-closed at once.
 */
import { describe, expect, test } from "bun:test";
import {
	connect,
	definePlugin,
	type EchoClient,
	type EchoServer,
	exchangeDatagram,
	startServer,
} from "../src/index.ts";
import { decoder, randomBytes, readAllSlowly } from "./helpers.ts";

const MiB = 1024 * 1024;
const ROUNDS = 40;

/**
 * Writes 1 MiB and calls `stop()` in the same tick; after `readAfterMs`, reads to the end: every
 * byte must come back, in order, then a clean EOF.
 */
async function expectEveryByteBack(
	round: number,
	server: EchoServer,
	client: EchoClient,
	readAfterMs = 0,
): Promise<void> {
	const data = randomBytes(MiB);
	client.write(data);
	const stopping = server.stop({ drainTimeoutMs: 10_000 });
	if (readAfterMs > 0) await Bun.sleep(readAfterMs);
	const { bytes, error } = await readAllSlowly(client);
	await client.end();
	await stopping;
	expect({ round, error, bytes: bytes.byteLength }).toEqual({
		round,
		error: null,
		bytes: data.byteLength,
	});
	expect(Buffer.from(bytes).equals(data)).toBe(true);
}

describe("bytes sent before the stop are answered", () => {
	test(`1 MiB written and stop() called in the same tick: all of it comes back, then EOF (${ROUNDS} rounds)`, async () => {
		for (let round = 0; round < ROUNDS; round++) {
			const server = await startServer({ port: 0 });
			const client = await connect({ port: server.port });
			await expectEveryByteBack(round, server, client);
		}
	}, 60_000);

	test(`a client that starts reading only after the stop began still gets every byte (${ROUNDS / 4} rounds)`, async () => {
		for (let round = 0; round < ROUNDS / 4; round++) {
			// A high-water mark below what is sent: the server pauses reading before the stop.
			const server = await startServer({ port: 0, highWaterMark: 64 * 1024 });
			const client = await connect({ port: server.port, highWaterMark: 16 * 1024 });
			// Several drain checks pass while nobody reads.
			await expectEveryByteBack(round, server, client, 100);
		}
	}, 60_000);

	test("with an async transform in flight at the stop: its reply and every later one come back", async () => {
		const slow = definePlugin({
			name: "slow",
			transform: async (message) => {
				await Bun.sleep(20);
				return message.text().toUpperCase();
			},
		});
		const server = await startServer({ port: 0, framing: "lines", plugins: [slow] });
		const client = await connect({ port: server.port });
		client.write("one\ntwo\nthree\n");
		const stopping = server.stop({ drainTimeoutMs: 10_000 });
		const { bytes, error } = await readAllSlowly(client);
		await client.end();
		await stopping;
		expect(error).toBeNull();
		expect(decoder.decode(bytes)).toBe("ONE\nTWO\nTHREE\n");
	});
});

describe("serving during the drain", () => {
	test("a client in the middle of a line is still served: it finishes the line, gets the reply, closes", async () => {
		const identity = definePlugin({ name: "identity", transform: () => null });
		const server = await startServer({ port: 0, framing: "lines", plugins: [identity] });
		const client = await connect({ port: server.port });
		await client.send("hel");
		const stopping = server.stop({ drainTimeoutMs: 600_000 });
		await Bun.sleep(200); // several drain checks: the unfinished line keeps it open
		expect(server.stats().phases).toMatchObject({ reading: 1, draining: 0, lingering: 0 });
		client.write("lo\n");
		expect(decoder.decode(await client.readBytes(6))).toBe("hello\n");
		await client.end();
		expect(await client.readAll()).toHaveLength(0);
		await stopping; // resolves when the client closed, long before the deadline
		expect(server.connections).toBe(0);
	});

	test("new connections are refused once the stop began (after one turn of the event loop for the backlog)", async () => {
		const server = await startServer({ port: 0, framing: "lines" });
		const client = await connect({ port: server.port });
		await client.send("part");
		const stopping = server.stop({ drainTimeoutMs: 300 });
		await Bun.sleep(50);
		const refused = await connect({ port: server.port, timeoutMs: 2000 }).catch((e: unknown) => e);
		expect((refused as { code?: string }).code).toBe("E_CONNECT");
		expect(decoder.decode(await client.readAll())).toBe("part");
		await client.end();
		await stopping;
	});

	test("a client that never reads is cut after drain + close timeouts, and the stop resolves", async () => {
		const server = await startServer({ port: 0, highWaterMark: 64 * 1024 });
		const client = await connect({ port: server.port, highWaterMark: 16 * 1024 });
		client.write(randomBytes(4 * MiB));
		const stopping = server.stop({ drainTimeoutMs: 100, closeTimeoutMs: 100 });
		await stopping;
		expect(server.connections).toBe(0);
		client.close();
	});
});

describe("UDP", () => {
	test("a datagram whose async transform is in flight at the stop still gets its reply", async () => {
		const received = Promise.withResolvers<void>();
		const slow = definePlugin({
			name: "slow",
			transform: async (message) => {
				received.resolve();
				await Bun.sleep(100);
				return message.text().toUpperCase();
			},
		});
		const server = await startServer({ port: 0, udp: true, plugins: [slow] });
		const reply = exchangeDatagram("late", { port: server.port, timeoutMs: 5000 });
		await received.promise;
		await server.stop({ drainTimeoutMs: 5000 });
		expect(decoder.decode((await reply) ?? new Uint8Array())).toBe("LATE");
	});
});
