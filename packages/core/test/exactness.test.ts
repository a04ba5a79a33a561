/**
 * Every byte comes back exactly once, in order: a large transfer to a reader that starts late,
 * half-close, and many connections at once. Real sockets on port 0.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { connect, definePlugin, type EchoServer, startServer } from "../src/index.ts";
import { randomBytes, readAllHashed, waitFor } from "./helpers.ts";

const MiB = 1024 * 1024;

describe("exactness", () => {
	let server: EchoServer;
	beforeAll(async () => {
		server = await startServer({ port: 0 });
	});
	afterAll(() => server.stop());

	test("64 MiB of random bytes to a reader that starts late come back with the same sha256", async () => {
		const data = randomBytes(64 * MiB);
		const expected = new Bun.CryptoHasher("sha256").update(data).digest("hex");
		const started = performance.now();
		const client = await connect({ port: server.port });
		// Write everything up front: the client queues what its kernel does not take.
		client.write(data);
		const ending = client.end();
		// Start reading late: only once the server has had to queue replies and stop reading
		// from us, so the partial-write / drain / pause / resume path carries the transfer.
		await waitFor("the server to pause reading", () => server.stats().pauses >= 1);
		await Bun.sleep(100);
		const received = await readAllHashed(client);
		await ending;
		const seconds = (performance.now() - started) / 1000;
		const stats = server.stats();
		console.log(
			`64 MiB late reader: ${seconds.toFixed(2)} s, server peak queued ${stats.peakQueuedBytes} bytes, pauses ${stats.pauses}`,
		);
		expect(received.bytes).toBe(data.byteLength);
		expect(received.sha256).toBe(expected);
	});

	test("half-close: every byte comes back, then EOF and the connection closes", async () => {
		const data = randomBytes(3 * MiB + 12_345);
		const client = await connect({ port: server.port });
		await client.send(data);
		await client.end();
		const echoed = await client.readAll();
		expect(echoed.byteLength).toBe(data.byteLength);
		expect(Buffer.from(echoed).equals(data)).toBe(true);
		// EOF: the server closed after the last byte, and reads keep saying so.
		await client.closed;
		expect(await client.read()).toBeNull();
		await waitFor("the server to drop the connection", () => server.connections === 0);
		expect(server.connections).toBe(0);
	});

	test("half-close with async transforms still in flight: every reply, in order, then EOF", async () => {
		const slow = definePlugin({
			name: "slow-identity",
			transform: async () => {
				await Bun.sleep(1);
				return null;
			},
		});
		const lines = await startServer({ port: 0, framing: "lines", plugins: [slow] });
		try {
			const client = await connect({ port: lines.port });
			const text = `${Array.from({ length: 200 }, (_, i) => `line ${i}`).join("\n")}\nno newline at the end`;
			client.write(text);
			await client.end(); // FIN right away, long before the transforms are done
			const echoed = new TextDecoder().decode(await client.readAll());
			expect(echoed).toBe(text);
			await client.closed;
		} finally {
			await lines.stop();
		}
	});

	test("1,000 concurrent connections each get exactly their own bytes back", async () => {
		const count = 1000;
		const started = performance.now();
		// Open all at once, then write on all at once.
		const clients = await Promise.all(
			Array.from({ length: count }, () => connect({ port: server.port })),
		);
		const payloads = clients.map((_, i) => {
			const bytes = randomBytes(4096 + i); // distinct lengths and contents
			new DataView(bytes.buffer).setUint32(0, i); // and a distinct header, to be sure
			return bytes;
		});
		const echoed = await Promise.all(
			clients.map(async (client, i) => {
				client.write(payloads[i] as Uint8Array);
				await client.end();
				return client.readAll();
			}),
		);
		const seconds = (performance.now() - started) / 1000;
		console.log(`1,000 concurrent connections: ${seconds.toFixed(2)} s`);
		let exact = 0;
		echoed.forEach((bytes, i) => {
			if (Buffer.from(bytes).equals(payloads[i] as Uint8Array)) exact++;
		});
		expect(exact).toBe(count);
		expect(server.stats().accepted).toBeGreaterThanOrEqual(count);
		await waitFor("every connection to close", () => server.connections === 0);
	});
});
