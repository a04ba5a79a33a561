/**
 * A failed bind, one code and one message per cause whatever the transport: the causes a test
 * can make real in-process through `startServer`, then the table of system errors for those it
 * cannot (no permission as root, no IPv6, a host name that does not resolve).
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { EchoError, type EchoErrorCode, type ServerOptions, startServer } from "../src/index.ts";
import { listenError } from "../src/listen-error.ts";
import { makeCertificate, type TestCertificate } from "./fixtures/tls-cert.ts";

let dir: string;
let certificate: TestCertificate;

beforeAll(() => {
	dir = mkdtempSync(join(tmpdir(), "echo-bind-"));
	certificate = makeCertificate(dir);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** What `startServer(options)` rejects with, as `{ code, message }`. */
async function rejection(options: ServerOptions): Promise<{ code: string; message: string }> {
	const error = await startServer(options).then(
		async (server) => {
			await server.stop();
			return new Error("it listened");
		},
		(error: unknown) => error,
	);
	expect(error).toBeInstanceOf(EchoError);
	const { code, message } = error as EchoError;
	return { code, message };
}

const tls = () => ({ cert: Bun.file(certificate.cert), key: Bun.file(certificate.key) });

describe("startServer: the same cause gives the same code and message on TCP, TLS and UDP", () => {
	test("a port in use; with udp, only the UDP port in use", async () => {
		const tcp = Bun.listen({ hostname: "127.0.0.1", port: 0, socket: { data() {} } });
		const udp = await Bun.udpSocket({ hostname: "127.0.0.1", port: 0 });
		try {
			const expected = (port: number) => ({
				code: "E_ADDR_IN_USE",
				message: `port ${port} on 127.0.0.1 is already in use`,
			});
			expect(await rejection({ port: tcp.port })).toEqual(expected(tcp.port));
			expect(await rejection({ port: tcp.port, tls: tls() })).toEqual(expected(tcp.port));
			// Only the UDP side of udp.port is held: the TCP bind succeeds, then the UDP bind fails.
			expect(await rejection({ port: udp.port, udp: true })).toEqual(expected(udp.port));
		} finally {
			tcp.stop(true);
			udp.close();
		}
	});

	test("an address no interface has (bound only, never sent to)", async () => {
		const expected = {
			code: "E_ADDR_NOT_AVAILABLE",
			message:
				"cannot listen on 192.0.2.1:40007: no interface of this machine has this address (use one of its own, or 0.0.0.0 or :: for all)",
		};
		for (const options of [{}, { tls: tls() }, { udp: true }]) {
			expect(await rejection({ hostname: "192.0.2.1", port: 40_007, ...options })).toEqual(
				expected,
			);
		}
	});
});

describe("startServer on a Unix socket path that cannot be", () => {
	const cases: [string, () => string, string, (path: string) => string][] = [
		[
			"too long",
			() => join(dir, "s".repeat(120)),
			"E_UNIX_PATH",
			(path) =>
				`cannot listen on ${path}: the path is too long for a socket (${Buffer.byteLength(path)} bytes, at most 107): choose a shorter one`,
		],
		[
			"in a directory that does not exist",
			() => join(dir, "missing", "s.sock"),
			"E_UNIX_PATH",
			(path) =>
				`cannot listen on ${path}: the directory ${join(dir, "missing")} does not exist (create it first)`,
		],
		[
			"under a file",
			() => {
				writeFileSync(join(dir, "a-file"), "");
				return join(dir, "a-file", "s.sock");
			},
			"E_UNIX_PATH",
			(path) => `cannot listen on ${path}: a part of ${join(dir, "a-file")} is not a directory`,
		],
		[
			"a file that is not a socket",
			() => {
				writeFileSync(join(dir, "precious"), "precious");
				return join(dir, "precious");
			},
			"E_UNIX_PATH",
			(path) =>
				`cannot listen on ${path}: it exists and is not a socket (remove it, or choose another path)`,
		],
	];
	for (const [what, makePath, code, message] of cases) {
		test(`${what}: ${code}, with and without TLS`, async () => {
			const path = makePath();
			expect(await rejection({ unix: path })).toEqual({ code, message: message(path) });
			expect(await rejection({ unix: path, tls: tls() })).toEqual({ code, message: message(path) });
		});
	}
});

describe("listenError: a system error to a code and a message", () => {
	const port80 = { host: "127.0.0.1", port: 80 };
	const port8080 = { host: "::1", port: 8080 };
	const sock = { unix: "/run/echo/e.sock" };
	type Row = [string, Parameters<typeof listenError>[0], string | undefined, EchoErrorCode, string];
	const rows: Row[] = [
		[
			"EADDRINUSE on a port",
			port8080,
			"EADDRINUSE",
			"E_ADDR_IN_USE",
			"port 8080 on ::1 is already in use",
		],
		[
			"EACCES below 1024",
			port80,
			"EACCES",
			"E_PERMISSION",
			"cannot listen on 127.0.0.1:80: permission denied (ports below 1024 need root or the CAP_NET_BIND_SERVICE capability; choose a port from 1024 up)",
		],
		[
			"EPERM from 1024 up",
			port8080,
			"EPERM",
			"E_PERMISSION",
			"cannot listen on [::1]:8080: permission denied",
		],
		[
			"EAFNOSUPPORT (no IPv6)",
			port8080,
			"EAFNOSUPPORT",
			"E_ADDR_NOT_AVAILABLE",
			"cannot listen on [::1]:8080: this machine does not support this address family (is IPv6 turned off?)",
		],
		[
			"a host name that fails without a code (TCP)",
			{ host: "nowhere.invalid", port: 7 },
			undefined,
			"E_ADDR_NOT_AVAILABLE",
			"cannot listen on nowhere.invalid:7: the name nowhere.invalid does not resolve, or not to an address of this machine",
		],
		[
			"a host name that fails with ENOENT (UDP)",
			{ host: "nowhere.invalid", port: 7 },
			"ENOENT",
			"E_ADDR_NOT_AVAILABLE",
			"cannot listen on nowhere.invalid:7: the name nowhere.invalid does not resolve, or not to an address of this machine",
		],
		[
			"anything else on a port",
			port8080,
			"EMFILE",
			"E_LISTEN",
			"cannot listen on [::1]:8080: system error EMFILE",
		],
		[
			"EADDRINUSE on a socket path",
			sock,
			"EADDRINUSE",
			"E_ADDR_IN_USE",
			"/run/echo/e.sock is already in use by a running server",
		],
		[
			"EACCES on a socket path",
			sock,
			"EACCES",
			"E_PERMISSION",
			"cannot listen on /run/echo/e.sock: permission denied (this user needs write access to /run/echo, and to the socket if one is there)",
		],
		[
			"anything else on a socket path",
			sock,
			"EMFILE",
			"E_LISTEN",
			"cannot listen on /run/echo/e.sock: system error EMFILE",
		],
	];
	test.each(rows)("%s", (_, target, systemCode, code, message) => {
		const cause = Object.assign(new Error("Failed to listen"), { code: systemCode });
		const error = listenError(target, cause);
		expect({ code: error.code, message: error.message }).toEqual({ code, message });
		expect(error.cause).toBe(cause);
	});

	test("an IP literal that fails without a code keeps the system's message", () => {
		const error = listenError(port80, new Error("Failed to listen at 127.0.0.1"));
		expect({ code: error.code, message: error.message }).toEqual({
			code: "E_LISTEN",
			message: "cannot listen on 127.0.0.1:80: Failed to listen at 127.0.0.1",
		});
	});
});
