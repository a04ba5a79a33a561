/**
 * Issue 10, the counters metrics read: `server.stats().transports`, per transport, after known
 * traffic on real sockets (TCP, TLS, Unix, UDP).
 */
import { afterAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
	connect,
	DURATION_BUCKETS_SECONDS,
	definePlugin,
	type EchoServer,
	exchangeDatagram,
	type ServerOptions,
	startServer,
	type TransportStats,
} from "../src/index.ts";
import { lazyCertificate } from "./fixtures/tls-cert.ts";
import { decoder, randomBytes, recordingLogger, waitFor } from "./helpers.ts";

const dir = mkdtempSync(join(tmpdir(), "echokit-counters-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const certificate = lazyCertificate(dir);

describe("per-transport counters", () => {
	test("tcp: 3 connections of N bytes count 3 accepted, 3N received and sent, 3 durations", async () => {
		await withServer({}, async (server) => {
			const N = 100_000;
			await Promise.all(
				[1, 2, 3].map(async () => {
					const client = await connect({ port: server.port });
					client.write(randomBytes(N));
					await client.end();
					expect((await client.readAll()).byteLength).toBe(N);
				}),
			);
			const tcp = await closedAll(server, 3);
			expect(Object.keys(server.stats().transports)).toEqual(["tcp"]);
			expect(tcp.accepted).toBe(3);
			expect(tcp.bytesReceived).toBe(3 * N);
			expect(tcp.bytesSent).toBe(3 * N);
			// Raw echo: one message per read, however the kernel cut the bytes.
			expect(tcp.messages).toBeGreaterThanOrEqual(3);
			expect(tcp.messages).toBeLessThanOrEqual(3 * N);
			expect(tcp.rejected).toEqual({ max_connections: 0, proxy_untrusted_peer: 0 });
			expect(tcp.proxyHeaderFailures).toEqual({ missing: 0, invalid: 0, timeout: 0 });
			expect(tcp.connections).toBe(0);
			const { durations } = tcp;
			expect(durations.buckets).toEqual(DURATION_BUCKETS_SECONDS);
			expect(durations.counts.length).toBe(DURATION_BUCKETS_SECONDS.length + 1);
			expect(durations.counts.reduce((a, b) => a + b, 0)).toBe(3);
			expect(durations.sum).toBeGreaterThan(0);
		});
	});

	test("lines framing counts one message per line, with and without a transform", async () => {
		const upper = definePlugin({
			name: "upper",
			transform: (message) => message.text().toUpperCase(),
		});
		for (const plugins of [[], [upper]]) {
			await withServer({ framing: "lines", plugins }, async (server) => {
				const client = await connect({ port: server.port });
				client.write("one\ntwo\r\nthree\n");
				await client.end();
				const reply = decoder.decode(await client.readAll());
				expect(reply.toLowerCase()).toBe("one\ntwo\r\nthree\n");
				const tcp = await closedAll(server, 1);
				expect(tcp.messages).toBe(3);
				expect(tcp.bytesReceived).toBe(15);
				expect(tcp.bytesSent).toBe(15);
			});
		}
	});

	test("a connection over maxConnections counts as rejected for max_connections", async () => {
		await withServer({ maxConnections: 1 }, async (server) => {
			const first = await connect({ port: server.port });
			await waitFor("the first connection", () => server.connections === 1);
			const second = await connect({ port: server.port });
			await second.readAll().catch(() => null); // the server ends it at once
			await waitFor("the rejection", () => tcpOf(server).rejected.max_connections === 1);
			expect(tcpOf(server).accepted).toBe(1);
			expect(tcpOf(server).connections).toBe(1);
			first.close();
		});
	});

	test("plugin errors count by plugin, every plugin listed from 0", async () => {
		const boom = definePlugin({
			name: "boom",
			transform: (message) => {
				if (message.text() === "boom") throw new Error("asked to");
				return null;
			},
		});
		const quiet = definePlugin({ name: "quiet", transform: () => null });
		const closer = definePlugin({
			name: "closer",
			close: () => {
				throw new Error("close fails");
			},
		});
		await withServer({ framing: "lines", plugins: [boom, quiet, closer] }, async (server) => {
			expect(tcpOf(server).pluginErrors).toEqual({ boom: 0, quiet: 0, closer: 0 });
			const client = await connect({ port: server.port });
			client.write("fine\nboom\n");
			expect(decoder.decode(await client.readAll())).toBe("fine\n");
			const tcp = await closedAll(server, 1);
			expect(tcp.pluginErrors).toEqual({ boom: 1, quiet: 0, closer: 1 });
		});
	});

	test("each plugin failure is one error line ending in its code and where: connection or datagram", async () => {
		const logger = recordingLogger();
		const boom = definePlugin({
			name: "boom",
			transform: (message) => {
				if (message.text() === "boom") throw new Error("asked to");
				return message.text() === "none" ? (undefined as unknown as null) : null;
			},
			close: () => {
				throw new Error("close fails");
			},
		});
		await withServer({ udp: true, logger, plugins: [boom] }, async (server) => {
			const client = await connect({ port: server.port });
			client.write("boom");
			await client.readAll();
			await exchangeDatagram("none", { port: server.port, timeoutMs: 300 });
			await waitFor(
				"four error lines",
				() => logger.lines.filter((l) => l.level === "error").length === 4,
			);
		});
		const errors = logger.lines.filter((l) => l.level === "error").map((l) => l.message);
		expect(errors).toEqual([
			expect.stringMatching(
				/^plugin "boom" failed in transform: asked to \(E_PLUGIN, connection #\d+ 127\.0\.0\.1:\d+\)$/,
			),
			expect.stringMatching(
				/^plugin "boom" failed in close: close fails \(E_PLUGIN, connection #\d+ 127\.0\.0\.1:\d+\)$/,
			),
			expect.stringMatching(
				/^plugin "boom" failed in transform: returned undefined; .* \(E_PLUGIN_RESULT, datagram from 127\.0\.0\.1:\d+\)$/,
			),
			expect.stringMatching(
				/^plugin "boom" failed in close: close fails \(E_PLUGIN, datagram from 127\.0\.0\.1:\d+\)$/,
			),
		]);
	});

	test("backpressure pauses and idle timeouts are counted", async () => {
		await withServer({ highWaterMark: 16 * 1024, idleTimeoutMs: 200 }, async (server) => {
			// A client that writes and never reads: the server pauses reading, then the
			// connection idles out.
			const client = await connect({ port: server.port, highWaterMark: 1 });
			client.write(randomBytes(8 * 1024 * 1024));
			await waitFor("a pause", () => tcpOf(server).pauses >= 1);
			await waitFor("the idle timeout", () => tcpOf(server).idleTimeouts === 1, 20_000);
			expect(server.stats().pauses).toBe(tcpOf(server).pauses);
			client.close();
		});
	});

	test("tls: bytes, a handshake timeout and a handshake failure", async () => {
		const { cert, key } = certificate();
		const tls = { cert: Bun.file(cert), key: Bun.file(key) };
		await withServer({ tls, handshakeTimeoutMs: 200 }, async (server) => {
			const client = await connect({ port: server.port, tls: { ca: Bun.file(cert) } });
			client.write("over tls");
			await client.end();
			expect(decoder.decode(await client.readAll())).toBe("over tls");
			// Plain TCP that says nothing: the handshake times out.
			const silent = await connect({ port: server.port });
			await waitFor("the handshake timeout", () => tlsOf(server).handshakeTimeouts === 1);
			silent.close();
			// Plaintext on the TLS port: the handshake fails.
			const plain = await connect({ port: server.port });
			plain.write("GET / HTTP/1.1\r\n\r\n");
			await plain.readAll().catch(() => null);
			await waitFor("the handshake failure", () => tlsOf(server).handshakeFailures >= 1);
			const stats = await closedAll(server, 3, "tls");
			expect(Object.keys(server.stats().transports)).toEqual(["tls"]);
			expect(stats.accepted).toBe(3);
			expect(stats.bytesSent).toBe(8);
			expect(stats.messages).toBe(1);
		});
	});

	test("unix: bytes and messages under the unix transport", async () => {
		const path = join(dir, "counters.sock");
		await withServer({ unix: path }, async (server) => {
			const client = await connect({ unix: path });
			client.write("over unix");
			await client.end();
			expect(decoder.decode(await client.readAll())).toBe("over unix");
			const unix = await closedAll(server, 1, "unix");
			expect(Object.keys(server.stats().transports)).toEqual(["unix"]);
			expect(unix.bytesReceived).toBe(9);
			expect(unix.bytesSent).toBe(9);
		});
	});

	test("udp: one message per datagram, bytes both ways, beside tcp", async () => {
		await withServer({ udp: true }, async (server) => {
			for (const text of ["ping", "pong!"]) {
				const reply = await exchangeDatagram(text, { port: server.port });
				expect(decoder.decode(reply ?? new Uint8Array())).toBe(text);
			}
			const { transports } = server.stats();
			expect(Object.keys(transports).sort()).toEqual(["tcp", "udp"]);
			expect(transports.udp).toMatchObject({ messages: 2, bytesReceived: 9, bytesSent: 9 });
			expect(transports.udp?.accepted).toBe(0);
			expect(transports.tcp?.bytesReceived).toBe(0);
		});
	});

	test("stats() is a copy: later traffic does not change it", async () => {
		await withServer({}, async (server) => {
			const before = server.stats();
			const client = await connect({ port: server.port });
			client.write("x");
			await client.end();
			await client.readAll();
			await closedAll(server, 1);
			expect(before.transports.tcp?.bytesReceived).toBe(0);
			expect(before.transports.tcp?.durations.count).toBe(0);
			expect(before.transports.tcp?.durations.counts.every((n) => n === 0)).toBe(true);
		});
	});
});

async function withServer(
	options: ServerOptions,
	run: (server: EchoServer) => Promise<void>,
): Promise<void> {
	const server = await startServer({ port: 0, ...options });
	try {
		await run(server);
	} finally {
		await server.stop({ drainTimeoutMs: 0, closeTimeoutMs: 100 });
	}
}

function tcpOf(server: EchoServer): TransportStats {
	return server.stats().transports.tcp as TransportStats;
}

function tlsOf(server: EchoServer): TransportStats {
	return server.stats().transports.tls as TransportStats;
}

/** Waits until `count` connections closed (their durations recorded); their counters then. */
async function closedAll(
	server: EchoServer,
	count: number,
	transport: "tcp" | "tls" | "unix" = "tcp",
): Promise<TransportStats> {
	const of = () => server.stats().transports[transport] as TransportStats;
	await waitFor(`${count} closed connections`, () => of().durations.count >= count);
	return of();
}
