/**
 * `echo-server` stopping (SIGTERM/SIGINT, --drain-timeout) and TLS connections that never finish
 * their handshake (--handshake-timeout), as users meet them: the real command in a child process.
 * (A second signal and the doubled Ctrl-C are in server-cli.test.ts's "signals".)
 */
import { afterAll, afterEach, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Socket } from "bun";
import { makeCertificate, type TestCertificate } from "../packages/core/test/fixtures/tls-cert.ts";
import { client, decoder, killAll, ServerProcess } from "./fixtures/server/harness.ts";

afterEach(killAll);

const MiB = 1024 * 1024;

/** Reads to EOF; the error that ended it (a reset) or `null` for a clean EOF. */
async function readToEnd(c: Awaited<ReturnType<typeof client>>) {
	const chunks: Uint8Array[] = [];
	try {
		for await (const chunk of c) chunks.push(chunk);
		return { bytes: Buffer.concat(chunks), error: null };
	} catch (error) {
		return { bytes: Buffer.concat(chunks), error: String(error) };
	}
}

describe("SIGTERM: a graceful stop", () => {
	test("1 MiB sent and SIGTERM in the same tick: every byte comes back, then EOF; exit 0 (10 rounds)", async () => {
		const data = new Uint8Array(MiB).map((_, i) => (i * 7 + 3) & 0xff);
		for (let round = 0; round < 10; round++) {
			const server = new ServerProcess(["--port", "0", "--quiet"]);
			const c = await client(await server.listening());
			c.write(data);
			server.signal("SIGTERM");
			const { bytes, error } = await readToEnd(c);
			await c.end().catch(() => {});
			expect({ round, error, bytes: bytes.byteLength }).toEqual({
				round,
				error: null,
				bytes: data.byteLength,
			});
			expect(Buffer.from(bytes).equals(data)).toBe(true);
			expect(await server.exited()).toBe(0);
		}
	}, 60_000);

	test("the same with --workers 2", async () => {
		const data = new Uint8Array(MiB).map((_, i) => (i * 5 + 1) & 0xff);
		const server = new ServerProcess(["--port", "0", "--quiet", "--workers", "2"]);
		const port = await server.listening();
		const clients = await Promise.all(Array.from({ length: 4 }, () => client(port)));
		for (const c of clients) c.write(data);
		server.signal("SIGTERM");
		for (const c of clients) {
			const { bytes, error } = await readToEnd(c);
			await c.end().catch(() => {});
			expect({ error, bytes: bytes.byteLength }).toEqual({ error: null, bytes: data.byteLength });
		}
		expect(await server.exited()).toBe(0);
	}, 30_000);

	test("idle clients do not hold the exit: they get EOF at once, far before --drain-timeout", async () => {
		const server = new ServerProcess(["--port", "0", "--drain-timeout", "600"]);
		const port = await server.listening();
		const idle = await Promise.all([client(port), client(port)]);
		await server.waitFor(/Connected to .*\n.*Connected to /);
		server.signal("SIGTERM");
		for (const c of idle) {
			expect(await readToEnd(c)).toEqual({ bytes: Buffer.alloc(0), error: null });
			await c.end().catch(() => {});
		}
		expect(await server.exited()).toBe(0); // the test's timeout is far below 600 s
	});

	test("--drain-timeout: a client in the middle of a line is served until the deadline, then its line is answered", async () => {
		const args = [
			"--port",
			"0",
			"--framing",
			"lines",
			"--plugin",
			"uppercase",
			"--drain-timeout",
			"0.5",
		];
		const server = new ServerProcess(args);
		const c = await client(await server.listening());
		c.write("first\nsecond, unfinished");
		expect(decoder.decode(await c.readBytes(6))).toBe("FIRST\n");
		server.signal("SIGTERM");
		await server.waitFor(/SIGTERM: stopping/);
		expect(decoder.decode((await readToEnd(c)).bytes)).toBe("SECOND, UNFINISHED");
		await c.end().catch(() => {});
		expect(await server.exited()).toBe(0);
	});

	test("bad --drain-timeout / --handshake-timeout: one line, E_USAGE, exit 2", async () => {
		for (const flag of ["--drain-timeout", "--handshake-timeout"]) {
			const server = new ServerProcess(["--port", "0", flag, "-1"]);
			expect(await server.exited()).toBe(2);
			expect(server.stderr.trim().split("\n")).toHaveLength(1);
			expect(server.stderr).toContain(`invalid ${flag} "-1"`);
			expect(server.stderr).toContain("(E_USAGE)");
		}
	});
});

describe("TLS connections that never finish the handshake", () => {
	let dir: string;
	let certificate: TestCertificate;
	beforeAll(() => {
		dir = mkdtempSync(join(tmpdir(), "echokit-cli-handshake-"));
		certificate = makeCertificate(dir);
	});
	afterAll(() => rmSync(dir, { recursive: true, force: true }));

	const tlsArgs = () => [
		"--port",
		"0",
		"--tls-cert",
		certificate.cert,
		"--tls-key",
		certificate.key,
	];

	/** A raw TCP client: resolves `closed` when the server closes it. */
	async function raw(port: number, first?: Uint8Array | string) {
		const closed = Promise.withResolvers<void>();
		const socket: Socket = await Bun.connect({
			hostname: "127.0.0.1",
			port,
			socket: { data() {}, close: () => closed.resolve(), error() {} },
		});
		if (first !== undefined) socket.write(first);
		return { socket, closed: closed.promise };
	}
	const HALF_CLIENT_HELLO = new Uint8Array([
		0x16, 0x03, 0x01, 0x02, 0x00, 0x01, 0x00, 0x01, 0xfc, 0x03, 0x03,
	]);

	test("--idle-timeout 1 (the report): a silent client and half a ClientHello are closed, and logged", async () => {
		const server = new ServerProcess([...tlsArgs(), "--idle-timeout", "1"]);
		const port = await server.listening();
		const silent = await raw(port);
		const half = await raw(port, HALF_CLIENT_HELLO);
		await Promise.all([silent.closed, half.closed]);
		const line = "TLS handshake not finished within 1000 ms \\(idle timeout\\)";
		await server.waitFor(new RegExp(`${line}[\\s\\S]*${line}`), "stderr");
	});

	test("--handshake-timeout 0.3: closed by the handshake deadline, with its own log line", async () => {
		const server = new ServerProcess([...tlsArgs(), "--handshake-timeout", "0.3"]);
		const port = await server.listening();
		const silent = await raw(port);
		await silent.closed;
		await server.waitFor(
			/closing connection #1 127\.0\.0\.1:\d+: TLS handshake not finished within 300 ms \(handshake timeout\)/,
			"stderr",
		);
	});

	test("--max-connections counts connections still in their handshake", async () => {
		const server = new ServerProcess([...tlsArgs(), "--max-connections", "1"]);
		const port = await server.listening();
		await raw(port);
		const refused = await raw(port);
		await refused.closed;
		await server.waitFor(/refusing 127\.0\.0\.1:\d+: 1 connection open/, "stderr");
	});

	test("a plaintext client on the TLS port is logged as a failed handshake", async () => {
		const server = new ServerProcess(tlsArgs());
		const port = await server.listening();
		const plaintext = await raw(port, "hello\n");
		await plaintext.closed;
		await server.waitFor(/TLS handshake failed: wrong version number \(not TLS\?\)/, "stderr");
	});
});
