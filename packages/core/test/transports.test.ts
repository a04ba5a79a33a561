/**
 * Issue 4, transports: TLS (a self-signed certificate made with `openssl` at test time), Unix
 * domain sockets (stale, foreign and live files at the path; removal on stop) and UDP datagram
 * echo on the TCP port, with plugins per datagram. Real sockets throughout.
 */
import { afterAll, describe, expect, test } from "bun:test";
import { lstatSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
	connect,
	definePlugin,
	EchoError,
	type EchoServer,
	exchangeDatagram,
	NO_REPLY,
	startServer,
} from "../src/index.ts";
import { lazyCertificate } from "./fixtures/tls-cert.ts";
import { decoder, randomBytes, recordingLogger } from "./helpers.ts";

const dir = mkdtempSync(join(tmpdir(), "echokit-transports-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const certificate = lazyCertificate(dir);

describe("TLS", () => {
	test("echoes 1 MiB to a client that trusts the certificate", async () => {
		const { cert } = certificate();
		await withTlsServer(async (server) => {
			const client = await connect({ port: server.port, tls: { ca: Bun.file(cert) } });
			const data = randomBytes(1024 * 1024);
			client.write(data);
			await client.end();
			expect(Buffer.compare(await client.readAll(), data)).toBe(0);
		});
	});

	test("a client without the CA gets E_TLS; with rejectUnauthorized: false it connects", async () => {
		await withTlsServer(async (server) => {
			const error = await connect({ port: server.port, tls: true, timeoutMs: 5000 }).catch(
				(error: unknown) => error,
			);
			expect(error).toBeInstanceOf(EchoError);
			expect((error as EchoError).code).toBe("E_TLS");

			const insecure = await connect({ port: server.port, tls: { rejectUnauthorized: false } });
			insecure.write("no check");
			await insecure.end();
			expect(decoder.decode(await insecure.readAll())).toBe("no check");
		});
	});

	test("a plaintext client is dropped without an echo; TLS clients are served afterwards", async () => {
		const { cert } = certificate();
		await withTlsServer(async (server) => {
			const plaintext = "GET / HTTP/1.1\r\nHost: localhost\r\n\r\nhello plaintext\n";
			const replies = await Promise.all(
				Array.from({ length: 5 }, () => plaintextExchange(server.port, plaintext)),
			);
			for (const reply of replies) {
				// At most a TLS alert record comes back, never the plaintext.
				expect(reply.toString("latin1")).not.toContain("hello plaintext");
				if (reply.byteLength > 0) expect(reply[0]).toBe(0x15); // TLS record type: alert
			}
			const client = await connect({ port: server.port, tls: { ca: Bun.file(cert) } });
			client.write("still serving");
			await client.end();
			expect(decoder.decode(await client.readAll())).toBe("still serving");
			expect(server.connections).toBe(0);
		});
	});
});

describe("Unix domain sockets", () => {
	test("echoes over a Unix socket path, and removes the file on stop", async () => {
		const path = join(dir, "echo.sock");
		const server = await startServer({ unix: path });
		try {
			expect(server.unix).toBe(path);
			expect(lstatSync(path).isSocket()).toBe(true);
			const client = await connect({ unix: path });
			const data = randomBytes(256 * 1024);
			client.write(data);
			await client.end();
			expect(Buffer.compare(await client.readAll(), data)).toBe(0);
		} finally {
			await server.stop();
		}
		expect(lstatSync(path, { throwIfNoEntry: false })).toBeUndefined();
	});

	test("a stale socket file from a killed process is replaced", async () => {
		const path = join(dir, "stale.sock");
		// A server that dies without cleaning up: SIGKILL leaves its socket file behind
		// (a plain `stop()` in Bun unlinks it).
		const child = Bun.spawn(
			[
				process.execPath,
				"-e",
				`Bun.listen({ unix: ${JSON.stringify(path)}, socket: { data() {} } }); console.log("ready"); setInterval(() => {}, 1000);`,
			],
			{ stdout: "pipe", stderr: "inherit" },
		);
		try {
			const reader = child.stdout.getReader();
			const first = await reader.read();
			expect(decoder.decode(first.value)).toContain("ready");
			child.kill("SIGKILL");
			await child.exited;
		} finally {
			child.kill("SIGKILL");
		}
		expect(lstatSync(path).isSocket()).toBe(true);

		const server = await startServer({ unix: path });
		try {
			const client = await connect({ unix: path });
			client.write("fresh start");
			await client.end();
			expect(decoder.decode(await client.readAll())).toBe("fresh start");
		} finally {
			await server.stop();
		}
	});

	test("a regular file at the path is E_UNIX_PATH and is left alone", async () => {
		const path = join(dir, "not-a-socket");
		writeFileSync(path, "precious");
		const error = await startServer({ unix: path }).catch((error: unknown) => error);
		expect(error).toBeInstanceOf(EchoError);
		expect((error as EchoError).code).toBe("E_UNIX_PATH");
		expect(readFileSync(path, "utf8")).toBe("precious");
	});

	test("the path of a live server is E_ADDR_IN_USE, and that server keeps serving", async () => {
		const path = join(dir, "live.sock");
		const live = await startServer({ unix: path });
		try {
			const error = await startServer({ unix: path }).catch((error: unknown) => error);
			expect(error).toBeInstanceOf(EchoError);
			expect((error as EchoError).code).toBe("E_ADDR_IN_USE");
			expect(lstatSync(path).isSocket()).toBe(true);
			const client = await connect({ unix: path });
			client.write("mine");
			await client.end();
			expect(decoder.decode(await client.readAll())).toBe("mine");
		} finally {
			await live.stop();
		}
	});
});

describe("UDP", () => {
	test("udp: true echoes datagrams on the TCP port, and counts them", async () => {
		const server = await startServer({ port: 0, udp: true });
		try {
			const payload = randomBytes(1200);
			const reply = await exchangeDatagram(payload, { port: server.port });
			expect(reply).not.toBeNull();
			expect(Buffer.compare(reply as Uint8Array, payload)).toBe(0);
			expect(asText(await exchangeDatagram("ping", { port: server.port }))).toBe("ping");
			expect(server.stats().datagrams).toBe(2);

			// TCP on the same port is unaffected.
			const client = await connect({ port: server.port });
			client.write("tcp too");
			await client.end();
			expect(decoder.decode(await client.readAll())).toBe("tcp too");
		} finally {
			await server.stop();
		}
	});

	test("plugins run per datagram, each with fresh state", async () => {
		const hooks = { open: 0, close: 0 };
		const numbered = definePlugin({
			name: "numbered-upper",
			open: () => {
				hooks.open++;
				return { seen: 0 };
			},
			close: () => {
				hooks.close++;
			},
			transform: (message, ctx) => `${message.text().toUpperCase()}#${++ctx.state.seen}`,
		});
		const server = await startServer({ port: 0, udp: true, plugins: [numbered] });
		try {
			for (const word of ["hello", "again"]) {
				const reply = await exchangeDatagram(word, { port: server.port });
				expect(asText(reply)).toBe(`${word.toUpperCase()}#1`);
			}
			expect(hooks).toEqual({ open: 2, close: 2 });
			expect(server.stats().datagrams).toBe(2);
		} finally {
			await server.stop();
		}
	});

	test("NO_REPLY sends nothing back: exchangeDatagram returns null", async () => {
		const logger = recordingLogger();
		const dropper = definePlugin({
			name: "dropper",
			transform: (message) => (message.text() === "drop" ? NO_REPLY : null),
		});
		const server = await startServer({ port: 0, udp: true, plugins: [dropper], logger });
		try {
			expect(await exchangeDatagram("drop", { port: server.port, timeoutMs: 300 })).toBeNull();
			// The server is alive and answering: the null was the plugin's choice.
			const kept = await exchangeDatagram("keep", { port: server.port, timeoutMs: 2000 });
			expect(asText(kept)).toBe("keep");
			expect(logger.lines.filter((line) => line.level === "error")).toEqual([]);
		} finally {
			await server.stop();
		}
	});
});

describe("connection.transport", () => {
	/** Replies with how the message came, so each transport can be asked. */
	const tell = definePlugin({
		name: "tell",
		transform: (_, { connection }) => connection.transport,
	});

	test("tcp, tls and unix for connections, udp for each datagram", async () => {
		const { cert, key } = certificate();
		const plain = await startServer({ port: 0, udp: true, plugins: [tell] });
		const unix = await startServer({ unix: join(dir, "transport.sock"), plugins: [tell] });
		const tls = await startServer({
			port: 0,
			plugins: [tell],
			tls: { cert: Bun.file(cert), key: Bun.file(key) },
		});
		try {
			const ask = async (options: Parameters<typeof connect>[0]) => {
				const client = await connect(options);
				client.write("?");
				await client.end();
				return decoder.decode(await client.readAll());
			};
			expect(await ask({ port: plain.port })).toBe("tcp");
			expect(await ask({ port: tls.port, tls: { ca: Bun.file(cert) } })).toBe("tls");
			expect(await ask({ unix: join(dir, "transport.sock") })).toBe("unix");
			expect(asText(await exchangeDatagram("?", { port: plain.port }))).toBe("udp");
		} finally {
			await Promise.all([plain.stop(), unix.stop(), tls.stop()]);
		}
	});
});

async function withTlsServer(run: (server: EchoServer) => Promise<void>): Promise<void> {
	const { cert, key } = certificate();
	const server = await startServer({ port: 0, tls: { cert: Bun.file(cert), key: Bun.file(key) } });
	try {
		await run(server);
	} finally {
		await server.stop();
	}
}

/** A raw, plaintext TCP client: sends `text`, returns whatever came back before the close. */
async function plaintextExchange(port: number, text: string): Promise<Buffer> {
	const chunks: Uint8Array[] = [];
	let closed: () => void = () => {};
	const done = new Promise<void>((resolve) => {
		closed = resolve;
	});
	const socket = await Bun.connect({
		hostname: "127.0.0.1",
		port,
		socket: {
			data: (_socket, chunk) => {
				chunks.push(chunk);
			},
			close: () => closed(),
			error: () => closed(),
		},
	});
	socket.write(text);
	let timedOut = false;
	const timer = setTimeout(() => {
		timedOut = true;
		socket.terminate();
	}, 5000);
	await done;
	clearTimeout(timer);
	if (timedOut) throw new Error("the server kept a plaintext client on its TLS port open for 5 s");
	return Buffer.concat(chunks);
}

/** A datagram reply as text, or null when none came. */
function asText(reply: Uint8Array | null): string | null {
	return reply === null ? null : decoder.decode(reply);
}
