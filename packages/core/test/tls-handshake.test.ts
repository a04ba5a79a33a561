/**
 * TLS connections before their handshake ends: counted against `maxConnections`, closed by the
 * handshake deadline and by the idle timeout, logged when dropped (a plaintext client included).
 * Before, Bun reported such a socket to nobody: it held a file descriptor, unseen, for ever.
 */
import { afterAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Socket } from "bun";
import { connect, type ServerOptions, startServer } from "../src/index.ts";
import { lazyCertificate } from "./fixtures/tls-cert.ts";
import { decoder, recordingLogger, waitFor } from "./helpers.ts";

const dir = mkdtempSync(join(tmpdir(), "echokit-handshake-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const certificate = lazyCertificate(dir);

/** The first 11 bytes of a ClientHello record that announces 512 bytes: half a hello. */
const HALF_CLIENT_HELLO = new Uint8Array([
	0x16, 0x03, 0x01, 0x02, 0x00, 0x01, 0x00, 0x01, 0xfc, 0x03, 0x03,
]);

/** A raw TCP client on the TLS port: it resolves `closed` when the server closes it. */
async function rawClient(port: number, first?: Uint8Array | string) {
	const closed = Promise.withResolvers<Uint8Array>();
	const received: Uint8Array[] = [];
	const socket: Socket = await Bun.connect({
		hostname: "127.0.0.1",
		port,
		socket: {
			data: (_socket, chunk) => void received.push(chunk),
			close: () => closed.resolve(Buffer.concat(received)),
			error: () => {},
		},
	});
	if (first !== undefined) socket.write(first);
	return { socket, closed: closed.promise };
}

async function tlsServer(options: ServerOptions) {
	const { cert, key } = certificate();
	const logger = recordingLogger();
	const server = await startServer({
		port: 0,
		tls: { cert: Bun.file(cert), key: Bun.file(key) },
		logger,
		...options,
	});
	return { server, logger, cert };
}

const warnings = (logger: ReturnType<typeof recordingLogger>) =>
	logger.lines.filter((line) => line.level === "warn").map((line) => line.message);

describe("the handshake deadline", () => {
	test("a client that says nothing and one that sends half a ClientHello are closed, counted and logged", async () => {
		const { server, logger } = await tlsServer({ handshakeTimeoutMs: 200, idleTimeoutMs: 0 });
		try {
			const silent = await rawClient(server.port);
			const half = await rawClient(server.port, HALF_CLIENT_HELLO);
			await waitFor("both to be accepted", () => server.connections === 2);
			await Promise.all([silent.closed, half.closed]); // the test's timeout is the bound
			await waitFor("both to be gone", () => server.connections === 0);
			expect(server.stats().handshakeTimeouts).toBe(2);
			const lines = warnings(logger).filter((line) =>
				line.endsWith("TLS handshake not finished within 200 ms (handshake timeout)"),
			);
			expect(lines).toHaveLength(2);
		} finally {
			await server.stop({ drainTimeoutMs: 0, closeTimeoutMs: 0 });
		}
	});

	test("the idle timeout applies during the handshake too, when shorter; worded as the unfinished handshake it is", async () => {
		const { server, logger } = await tlsServer({ handshakeTimeoutMs: 60_000, idleTimeoutMs: 200 });
		try {
			const silent = await rawClient(server.port);
			await silent.closed;
			expect(server.stats().handshakeTimeouts).toBe(1);
			expect(
				warnings(logger).some((line) =>
					line.endsWith("TLS handshake not finished within 200 ms (idle timeout)"),
				),
			).toBe(true);
		} finally {
			await server.stop({ drainTimeoutMs: 0, closeTimeoutMs: 0 });
		}
	});

	test("a client that completes the handshake in time is served as usual", async () => {
		const { server, cert } = await tlsServer({ handshakeTimeoutMs: 200 });
		try {
			const client = await connect({ port: server.port, tls: { ca: Bun.file(cert) } });
			await Bun.sleep(400); // past the deadline: it no longer applies
			client.write("still here");
			await client.end();
			expect(decoder.decode(await client.readAll())).toBe("still here");
			expect(server.stats().handshakeTimeouts).toBe(0);
		} finally {
			await server.stop();
		}
	});
});

describe("counting", () => {
	test("connections in their handshake count against maxConnections", async () => {
		const { server, logger } = await tlsServer({ maxConnections: 2, handshakeTimeoutMs: 60_000 });
		try {
			const held = await Promise.all([rawClient(server.port), rawClient(server.port)]);
			await waitFor("two held connections", () => server.connections === 2);
			const third = await rawClient(server.port);
			await third.closed;
			expect(server.stats().rejected).toBe(1);
			expect(warnings(logger).some((line) => line.includes("2 connections open"))).toBe(true);
			for (const client of held) client.socket.end();
		} finally {
			await server.stop({ drainTimeoutMs: 0, closeTimeoutMs: 0 });
		}
	});

	test("a plaintext client on the TLS port is logged as a failed handshake, and counted", async () => {
		const { server, logger } = await tlsServer({});
		try {
			const plaintext = await rawClient(server.port, "hello plaintext\n");
			await plaintext.closed;
			await waitFor("the failure to be counted", () => server.stats().handshakeFailures === 1);
			expect(
				warnings(logger).some((line) =>
					/^connection #1 127\.0\.0\.1:\d+: TLS handshake failed: wrong version number \(not TLS\?\)$/.test(
						line,
					),
				),
			).toBe(true);
			expect(server.connections).toBe(0);
		} finally {
			await server.stop();
		}
	});

	test("a client that leaves during its handshake (FIN or reset) is logged and counted", async () => {
		const { server, logger } = await tlsServer({});
		try {
			const polite = await rawClient(server.port, HALF_CLIENT_HELLO);
			const rude = await rawClient(server.port, HALF_CLIENT_HELLO);
			await waitFor("both to be accepted", () => server.connections === 2);
			polite.socket.end();
			rude.socket.terminate();
			await waitFor("both to be gone", () => server.connections === 0);
			expect(server.stats().handshakeFailures).toBe(2);
			const left = warnings(logger).filter((line) =>
				line.endsWith(": the client left before its TLS handshake finished"),
			);
			expect(left).toHaveLength(2);
		} finally {
			await server.stop();
		}
	});

	test("a stop closes connections still in their handshake at once", async () => {
		const { server } = await tlsServer({ handshakeTimeoutMs: 60_000, idleTimeoutMs: 0 });
		const silent = await rawClient(server.port);
		await waitFor("the connection", () => server.connections === 1);
		await server.stop({ drainTimeoutMs: 600_000 });
		await silent.closed;
		expect(server.connections).toBe(0);
	});
});
