/**
 * The server's life: binding (port 0, address in use, bad options), counting connections, and a
 * graceful stop that flushes what is owed before closing.
 */
import { describe, expect, test } from "bun:test";
import { connect, definePlugin, EchoError, type ServerOptions, startServer } from "../src/index.ts";
import { decoder, randomBytes, readAllSlowly, waitFor, waitForSteady } from "./helpers.ts";

const MiB = 1024 * 1024;

describe("binding", () => {
	test("port 0 binds a real, free port that echoes", async () => {
		const server = await startServer({ port: 0 });
		try {
			expect(server.port).toBeGreaterThan(0);
			expect(server.port).toBeLessThanOrEqual(65535);
			expect(server.hostname).toBe("127.0.0.1");
			const client = await connect({ port: server.port });
			client.write("ping");
			await client.end();
			expect(decoder.decode(await client.readAll())).toBe("ping");
		} finally {
			await server.stop();
		}
	});

	test("a port in use rejects with E_ADDR_IN_USE", async () => {
		const first = await startServer({ port: 0 });
		try {
			const error = await startServer({ port: first.port }).catch((e: unknown) => e);
			expect(error).toBeInstanceOf(EchoError);
			expect((error as EchoError).code).toBe("E_ADDR_IN_USE");
			expect((error as EchoError).message).toContain(String(first.port));
		} finally {
			await first.stop();
		}
	});

	const bad: [string, ServerOptions][] = [
		["negative port", { port: -1 }],
		["port above 65535", { port: 65536 }],
		["fractional port", { port: 1.5 }],
		["NaN port", { port: Number.NaN }],
		["port as a string", { port: "80" as unknown as number }],
		["unknown framing", { port: 0, framing: "xml" as "raw" }],
		["zero highWaterMark", { port: 0, highWaterMark: 0 }],
		["fractional highWaterMark", { port: 0, highWaterMark: 10.5 }],
		["lowWaterMark above highWaterMark", { port: 0, highWaterMark: 1000, lowWaterMark: 1001 }],
		["negative lowWaterMark", { port: 0, lowWaterMark: -1 }],
		["zero maxLineBytes", { port: 0, maxLineBytes: 0 }],
		["a plugin without a name", { port: 0, plugins: [{} as { name: string }] }],
		["a plugin with an empty name", { port: 0, plugins: [{ name: "" }] }],
	];
	for (const [what, options] of bad) {
		test(`${what} rejects with E_INVALID_OPTION`, async () => {
			const error = await startServer(options).catch((e: unknown) => e);
			expect(error).toBeInstanceOf(EchoError);
			expect((error as EchoError).code).toBe("E_INVALID_OPTION");
		});
	}

	test("a plugin whose start hook throws rejects with E_PLUGIN and frees the port", async () => {
		const probe = await startServer({ port: 0 });
		const port = probe.port;
		await probe.stop();
		const broken = definePlugin({
			name: "broken",
			start() {
				throw new Error("no config");
			},
		});
		const error = await startServer({ port, plugins: [broken] }).catch((e: unknown) => e);
		expect(error).toBeInstanceOf(EchoError);
		expect((error as EchoError).code).toBe("E_PLUGIN");
		expect((error as EchoError).message).toContain('"broken"');
		const again = await startServer({ port });
		expect(again.port).toBe(port);
		await again.stop();
	});
});

describe("connections", () => {
	test("connections and stats count open and accepted connections", async () => {
		const server = await startServer({ port: 0 });
		try {
			expect(server.connections).toBe(0);
			const clients = await Promise.all([1, 2, 3].map(() => connect({ port: server.port })));
			await waitFor("three connections", () => server.connections === 3);
			expect(server.stats()).toMatchObject({ connections: 3, accepted: 3, queuedBytes: 0 });
			clients[0]?.close();
			await waitFor("two connections", () => server.connections === 2);
			await clients[1]?.end();
			await clients[1]?.readAll();
			await waitFor("one connection", () => server.connections === 1);
			expect(server.stats()).toMatchObject({ connections: 1, accepted: 3 });
		} finally {
			await server.stop();
		}
		expect(server.connections).toBe(0);
	});
});

describe("stop", () => {
	test("flushes every queued reply, then closes; a second stop returns the same promise", async () => {
		let stops = 0;
		const counter = definePlugin({
			name: "stop-counter",
			stop() {
				stops++;
			},
		});
		// A high-water mark above what is sent: the server reads it all and queues the replies.
		const server = await startServer({ port: 0, highWaterMark: 64 * MiB, plugins: [counter] });
		const data = randomBytes(16 * MiB);
		// The client stops reading after 64 KiB, so most replies wait in the server's queue.
		const client = await connect({ port: server.port, highWaterMark: 64 * 1024 });
		await client.send(data);
		await waitForSteady(() => server.stats().queuedBytes);
		const queued = server.stats().queuedBytes;
		console.log(`stop: ${queued} bytes queued when stop() was called`);
		expect(queued).toBeGreaterThan(0);

		const stopping = server.stop();
		expect(server.stop()).toBe(stopping);
		// No new connections once stopping (after one turn of the event loop, for the backlog).
		await Bun.sleep(50);
		const refused = await connect({ port: server.port, timeoutMs: 2000 }).catch((e: unknown) => e);
		expect(refused).toBeInstanceOf(EchoError);
		expect((refused as EchoError).code).toBe("E_CONNECT");

		const received = await client.readAll();
		await stopping;
		expect(received.byteLength).toBe(data.byteLength);
		expect(Buffer.from(received).equals(data)).toBe(true);
		expect(server.connections).toBe(0);
		expect(stops).toBe(1);
	});

	test("against a paused client at the drain deadline: every byte the server read goes back, nothing else", async () => {
		let read = 0;
		const tally = definePlugin({
			name: "tally",
			transform(message) {
				read += message.bytes.byteLength;
				return null;
			},
		});
		const server = await startServer({ port: 0, highWaterMark: 256 * 1024, plugins: [tally] });
		const data = randomBytes(32 * MiB);
		const client = await connect({ port: server.port, highWaterMark: 64 * 1024 });
		client.write(data); // more than the server will read before it pauses
		await waitForSteady(() => read);
		expect(server.stats().pauses).toBeGreaterThanOrEqual(1);
		expect(server.stats().queuedBytes).toBeGreaterThan(0);

		const started = performance.now();
		// The deadline passes while the client is still paused: input ends, owed replies flush.
		const stopping = server.stop({ drainTimeoutMs: 100, closeTimeoutMs: 10_000 });
		// A reader slower than loopback, as any real client is: replies still sit in the server's
		// kernel send buffer when its queue empties and it closes.
		const { bytes: received, error } = await readAllSlowly(client);
		await stopping;
		console.log(
			`stop against a paused client: ${read} bytes read by the server, ${received.byteLength} returned, client saw ${error ? `"${error.message}"` : "a clean EOF"}, stop took ${Math.round(performance.now() - started)} ms`,
		);
		expect(received.byteLength).toBe(read);
		expect(Buffer.from(received).equals(data.subarray(0, read))).toBe(true);
		expect(error).toBeNull(); // a clean EOF, not a reset
		expect(server.connections).toBe(0);
	});

	test("in lines framing a client's unfinished line is waited for, and answered at the drain deadline", async () => {
		const identity = definePlugin({ name: "identity", transform: () => null });
		const server = await startServer({ port: 0, framing: "lines", plugins: [identity] });
		const client = await connect({ port: server.port });
		await client.send("done\npart");
		expect(decoder.decode(await client.readBytes(5))).toBe("done\n");
		await server.stop({ drainTimeoutMs: 200 });
		expect(decoder.decode(await client.readAll())).toBe("part");
		await client.closed;
	});

	test("half-closes idle connections at once: they do not wait for the drain deadline", async () => {
		const server = await startServer({ port: 0 });
		const clients = await Promise.all([1, 2].map(() => connect({ port: server.port })));
		await waitFor("two connections", () => server.connections === 2);
		// A deadline the test would time out on: the stop must not wait for it.
		const stopping = server.stop({ drainTimeoutMs: 600_000 });
		for (const client of clients) expect(await client.read()).toBeNull();
		for (const client of clients) await client.end();
		await stopping;
		expect(server.connections).toBe(0);
	});
});
