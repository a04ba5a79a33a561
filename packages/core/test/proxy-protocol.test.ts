/**
 * Issue 10, PROXY protocol on real sockets: with `proxyProtocol` each connection starts with a
 * v1 or v2 header whose source address plugins and logs see; the header is never echoed and the
 * bytes after it are; a connection without one, with a malformed one, or too slow with it, is
 * closed, counted and warned of; `proxyFrom` limits who may send one.
 */
import { afterAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
	type ConnectionInfo,
	connect,
	definePlugin,
	EchoError,
	type EchoServer,
	exchangeDatagram,
	type ServerOptions,
	startServer,
} from "../src/index.ts";
import { lazyCertificate } from "./fixtures/tls-cert.ts";
import { decoder, encoder, recordingLogger, waitFor } from "./helpers.ts";
import { ipv4Bytes, ipv6Bytes, v1, v2, v2Addresses, v2Unix } from "./proxy-headers.ts";

const dir = mkdtempSync(join(tmpdir(), "echokit-proxy-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const certificate = lazyCertificate(dir);

/** Runs `body` against a PROXY-protocol server that records each connection as plugins see it. */
async function withProxyServer(
	options: ServerOptions,
	body: (
		server: EchoServer,
		seen: ConnectionInfo[],
		logger: ReturnType<typeof recordingLogger>,
	) => Promise<void>,
): Promise<void> {
	const seen: ConnectionInfo[] = [];
	const spy = definePlugin({
		name: "spy",
		open: (info) =>
			void seen.push({ ...info, remoteAddress: info.remoteAddress, remotePort: info.remotePort }),
	});
	const logger = recordingLogger();
	const server = await startServer({
		port: 0,
		proxyProtocol: true,
		plugins: [spy],
		logger,
		...options,
	});
	try {
		await body(server, seen, logger);
	} finally {
		await server.stop({ drainTimeoutMs: 0, closeTimeoutMs: 1000 });
	}
}

/** Sends `pieces` in order, half-closes, and returns everything that came back (empty if cut). */
async function exchange(
	target: { port: number } | { unix: string },
	pieces: Uint8Array[],
	pauseMs = 0,
): Promise<string> {
	const client = await connect(target);
	for (const piece of pieces) {
		await client.send(piece);
		if (pauseMs > 0) await Bun.sleep(pauseMs);
	}
	await client.end().catch(() => {});
	const reply = await client.readAll().catch(() => new Uint8Array());
	return decoder.decode(reply);
}

const join2 = (header: Uint8Array, data: string) =>
	Uint8Array.from([...header, ...encoder.encode(data)]);
const warnings = (logger: ReturnType<typeof recordingLogger>) =>
	logger.lines.filter((line) => line.level === "warn").map((line) => line.message);

describe("a valid header", () => {
	test("v1 TCP4 and TCP6: plugins see the header's source; the data after it in the same write is echoed exactly, the header never", async () => {
		await withProxyServer({}, async (server, seen) => {
			const tcp4 = v1(
				"TCP4",
				{ address: "192.0.2.10", port: 40001 },
				{ address: "192.0.2.1", port: 8888 },
			);
			expect(await exchange(server, [join2(tcp4, "hello over v1\n")])).toBe("hello over v1\n");
			const tcp6 = v1(
				"TCP6",
				{ address: "2001:db8::7", port: 65535 },
				{ address: "::1", port: 8888 },
			);
			expect(await exchange(server, [join2(tcp6, "six")])).toBe("six");
			expect(seen.map((info) => [info.remoteAddress, info.remotePort])).toEqual([
				["192.0.2.10", 40001],
				["2001:db8::7", 65535],
			]);
			expect(server.stats()).toMatchObject({ proxyHeaderMissing: 0, proxyHeaderErrors: 0 });
		});
	});

	test("v1 UNKNOWN and v2 LOCAL (health checks): accepted, with the socket's own address", async () => {
		await withProxyServer({}, async (server, seen) => {
			expect(await exchange(server, [join2(v1("UNKNOWN"), "check")])).toBe("check");
			expect(await exchange(server, [join2(v2(0, 0x00, []), "local")])).toBe("local");
			// A LOCAL header's addresses, if any, are not the client's.
			const local = v2(0, 0x11, v2Addresses([192, 0, 2, 99], [192, 0, 2, 1], 1, 2));
			expect(await exchange(server, [join2(local, "")])).toBe("");
			expect(seen).toHaveLength(3);
			for (const info of seen) {
				expect(info.remoteAddress).toBe("127.0.0.1");
				expect(info.remotePort).toBeGreaterThan(0);
			}
		});
	});

	test("v2 PROXY TCP4, TCP6 and Unix: plugins see the source; TLVs are skipped", async () => {
		await withProxyServer({}, async (server, seen) => {
			const alpn = [0x01, 0x00, 0x02, 0x68, 0x32];
			const tcp4 = v2(
				1,
				0x11,
				v2Addresses(ipv4Bytes("198.51.100.4"), ipv4Bytes("127.0.0.1"), 51000, 8888),
				alpn,
			);
			expect(await exchange(server, [join2(tcp4, "v2 four")])).toBe("v2 four");
			const tcp6 = v2(1, 0x21, v2Addresses(ipv6Bytes("2001:db8::42"), ipv6Bytes("::1"), 443, 8888));
			expect(await exchange(server, [join2(tcp6, "v2 six")])).toBe("v2 six");
			const unix = v2(1, 0x31, v2Unix("/run/app/client.sock", "/run/echo.sock"));
			expect(await exchange(server, [join2(unix, "v2 unix")])).toBe("v2 unix");
			expect(seen.map((info) => [info.remoteAddress, info.remotePort])).toEqual([
				["198.51.100.4", 51000],
				["2001:db8::42", 443],
				["/run/app/client.sock", 0],
			]);
		});
	});

	test("a header split across writes byte by byte, then data: echoed exactly, the address taken", async () => {
		await withProxyServer({}, async (server, seen) => {
			for (const header of [
				v1("TCP4", { address: "203.0.113.5", port: 7 }, { address: "127.0.0.1", port: 8888 }),
				v2(1, 0x11, v2Addresses(ipv4Bytes("203.0.113.6"), ipv4Bytes("127.0.0.1"), 8, 8888)),
			]) {
				const bytes = join2(header, "after");
				const pieces = Array.from(bytes, (byte) => Uint8Array.of(byte));
				expect(await exchange(server, pieces, 2)).toBe("after");
			}
			expect(seen.map((info) => `${info.remoteAddress}:${info.remotePort}`)).toEqual([
				"203.0.113.5:7",
				"203.0.113.6:8",
			]);
		});
	});

	test("over a Unix socket listener", async () => {
		const path = join(dir, "proxy.sock");
		await withProxyServer({ unix: path }, async (_server, seen) => {
			const header = v2(
				1,
				0x11,
				v2Addresses(ipv4Bytes("192.0.2.33"), ipv4Bytes("192.0.2.1"), 1234, 80),
			);
			expect(await exchange({ unix: path }, [join2(header, "via unix")])).toBe("via unix");
			expect(seen.map((info) => [info.transport, info.remoteAddress, info.remotePort])).toEqual([
				["unix", "192.0.2.33", 1234],
			]);
		});
	});
});

describe("no header, a bad one, or too late: closed, counted, warned", () => {
	test("a client that talks without a header gets nothing back; the warning names it", async () => {
		await withProxyServer({}, async (server, seen, logger) => {
			expect(await exchange(server, [encoder.encode("hello, no header\n")])).toBe("");
			await waitFor("the count", () => server.stats().proxyHeaderMissing === 1);
			expect(seen).toEqual([]);
			expect(warnings(logger)).toEqual([
				expect.stringMatching(
					/^closing connection #1 127\.0\.0\.1:\d+: no PROXY header \(the connection did not start with one\)$/,
				),
			]);
			// One that connects and leaves without a byte is counted too.
			const client = await connect({ port: server.port });
			await client.end();
			await client.readAll();
			await waitFor("the second count", () => server.stats().proxyHeaderMissing === 2);
			expect(warnings(logger)[1]).toContain(
				"no PROXY header (the client closed after 0 bytes of it)",
			);
		});
	});

	test("a malformed header: closed, nothing echoed, counted, the reason in the warning", async () => {
		await withProxyServer({}, async (server, seen, logger) => {
			const bad = encoder.encode("PROXY TCP4 192.0.2.1 192.0.2.2 99999 80\r\nsecret");
			expect(await exchange(server, [bad])).toBe("");
			const badV2 = Uint8Array.from([...v2(1, 0x11, [1, 2, 3, 4]), ...encoder.encode("secret")]);
			expect(await exchange(server, [badV2])).toBe("");
			await waitFor("the counts", () => server.stats().proxyHeaderErrors === 2);
			expect(seen).toEqual([]);
			expect(warnings(logger)).toEqual([
				expect.stringContaining('malformed PROXY header: v1 port "99999" is not valid'),
				expect.stringContaining(
					"malformed PROXY header: v2 address block of 4 bytes for family 1 (needs 12)",
				),
			]);
			// A logger can tell these warnings' kind without reading their words (to rate-limit them).
			expect(logger.events).toEqual(["warn proxy_header", "warn proxy_header"]);
		});
	});

	test("a header not complete within proxyHeaderTimeoutMs: closed, counted as a timeout; trickling bytes does not extend it", async () => {
		await withProxyServer(
			{ proxyHeaderTimeoutMs: 200, idleTimeoutMs: 0 },
			async (server, seen, logger) => {
				const silent = await connect({ port: server.port });
				const trickler = await connect({ port: server.port });
				await waitFor("both accepted", () => server.stats().phases.proxy === 2);
				const header = encoder.encode("PROXY TCP4 192.0.2.1 192.0.2.2 1000 80");
				let sent = 0;
				let closed = false;
				const done = trickler.readAll().finally(() => {
					closed = true;
				});
				// One byte every 20 ms would take ~0.8 s: far past the 200 ms deadline.
				while (!closed && sent < header.byteLength) {
					trickler.write(header.subarray(sent, ++sent));
					await Bun.sleep(20);
				}
				expect(decoder.decode(await done)).toBe("");
				expect(decoder.decode(await silent.readAll())).toBe("");
				expect(sent).toBeLessThan(header.byteLength);
				await waitFor("the counts", () => server.stats().proxyHeaderTimeouts === 2);
				expect(seen).toEqual([]);
				expect(warnings(logger)).toEqual([
					expect.stringContaining("PROXY header not complete within 200 ms (PROXY header timeout)"),
					expect.stringContaining("PROXY header not complete within 200 ms (PROXY header timeout)"),
				]);
			},
		);
	});
});

describe("proxyFrom", () => {
	test("a peer inside the ranges is served", async () => {
		await withProxyServer({ proxyFrom: ["10.0.0.0/8", "127.0.0.0/8"] }, async (server, seen) => {
			const header = v1(
				"TCP4",
				{ address: "192.0.2.50", port: 5000 },
				{ address: "127.0.0.1", port: 1 },
			);
			expect(await exchange(server, [join2(header, "trusted")])).toBe("trusted");
			expect(seen.map((info) => info.remoteAddress)).toEqual(["192.0.2.50"]);
		});
	});

	test("a peer outside them is closed at once, counted and warned of, whatever it sends", async () => {
		await withProxyServer({ proxyFrom: ["10.0.0.0/8", "::1"] }, async (server, seen, logger) => {
			const header = v1(
				"TCP4",
				{ address: "192.0.2.50", port: 5000 },
				{ address: "127.0.0.1", port: 1 },
			);
			expect(await exchange(server, [join2(header, "untrusted")])).toBe("");
			await waitFor("the count", () => server.stats().proxyRefused === 1);
			expect(seen).toEqual([]);
			expect(server.stats().accepted).toBe(0);
			expect(warnings(logger)).toEqual([
				expect.stringMatching(/^refusing 127\.0\.0\.1:\d+: not a trusted proxy \(proxyFrom\)$/),
			]);
		});
	});
});

describe("what it does not cover", () => {
	test("UDP datagrams on the same port are echoed without a header, while TCP needs one", async () => {
		await withProxyServer({ udp: true }, async (server) => {
			expect(await exchange(server, [encoder.encode("datagram")])).toBe("");
			const reply = await exchangeDatagram("datagram", { port: server.port });
			expect(reply && decoder.decode(reply)).toBe("datagram");
		});
	});

	test("refused as options: with TLS (the header precedes the handshake), proxyFrom without proxyProtocol or with a Unix socket, a bad range", async () => {
		const { cert, key } = certificate();
		const refusals: [ServerOptions, string][] = [
			[
				{ proxyProtocol: true, tls: { cert: Bun.file(cert), key: Bun.file(key) } },
				"invalid proxyProtocol: true (expected no tls with it",
			],
			[{ proxyFrom: ["127.0.0.1"] }, "invalid proxyFrom"],
			[{ proxyProtocol: true, unix: join(dir, "x.sock"), proxyFrom: ["127.0.0.1"] }, "Unix socket"],
			[{ proxyProtocol: true, proxyFrom: ["127.0.0.1/33"] }, 'invalid proxyFrom: "127.0.0.1/33"'],
			[{ proxyProtocol: true, proxyFrom: ["localhost"] }, 'invalid proxyFrom: "localhost"'],
			[{ proxyProtocol: true, proxyHeaderTimeoutMs: -1 }, "invalid proxyHeaderTimeoutMs"],
		];
		for (const [options, message] of refusals) {
			const error = await startServer({ port: 0, ...options }).catch((error: unknown) => error);
			expect(error).toBeInstanceOf(EchoError);
			expect((error as EchoError).code).toBe("E_INVALID_OPTION");
			expect((error as EchoError).message).toContain(message);
		}
	});
});
