/**
 * `echo-server --proxy-protocol` as users run it behind a TCP proxy: the real command in a child
 * process; the test plays the proxy (HAProxy itself is exercised in the HAProxy tests).
 */
import { afterEach, describe, expect, test } from "bun:test";
import type { Socket } from "bun";
import { decoder, exchange, killAll, runServer, ServerProcess } from "./fixtures/server/harness.ts";

afterEach(killAll);

/** Sends `bytes` from a raw TCP client and returns what came back before the server closed. */
async function raw(port: number, bytes: string | Uint8Array): Promise<string> {
	const closed = Promise.withResolvers<string>();
	const received: Uint8Array[] = [];
	const socket: Socket = await Bun.connect({
		hostname: "127.0.0.1",
		port,
		socket: {
			data: (_socket, chunk) => void received.push(chunk),
			close: () => closed.resolve(decoder.decode(Buffer.concat(received))),
			error() {},
		},
	});
	socket.write(bytes);
	socket.shutdown();
	return closed.promise;
}

/** A v2 header (PROXY, TCP over IPv4) for 198.51.100.9:41000 → 127.0.0.1:8888. */
const V2_HEADER = new Uint8Array([
	0x0d, 0x0a, 0x0d, 0x0a, 0x00, 0x0d, 0x0a, 0x51, 0x55, 0x49, 0x54, 0x0a, 0x21, 0x11, 0x00, 0x0c,
	198, 51, 100, 9, 127, 0, 0, 1, 0xa0, 0x28, 0x22, 0xb8,
]);

describe("--proxy-protocol", () => {
	test("v1 and v2 headers: the client's address is logged, the header is not echoed, the bytes after it are", async () => {
		const server = new ServerProcess(["--port", "0", "--proxy-protocol", "--json"]);
		const port = await server.listening();
		expect(await raw(port, "PROXY TCP4 203.0.113.7 127.0.0.1 56324 8888\r\nhello\n")).toBe(
			"hello\n",
		);
		expect(await raw(port, Buffer.concat([V2_HEADER, Buffer.from("binary v2")]))).toBe("binary v2");
		await server.waitFor(/Connected to 198\.51\.100\.9:41000/);
		const arrivals = server.lines
			.map((line) => JSON.parse(line))
			.filter((line) => line.message?.startsWith("Connected to"));
		expect(arrivals.map((line) => line.remote)).toEqual([
			"203.0.113.7:56324",
			"198.51.100.9:41000",
		]);
	});

	test("a proxy's health check (v2 LOCAL, v1 UNKNOWN) is answered but left out of the transcript", async () => {
		const server = new ServerProcess(["--port", "0", "--proxy-protocol", "--framing", "lines"]);
		const port = await server.listening();
		const local = new Uint8Array([...V2_HEADER.subarray(0, 12), 0x20, 0x00, 0x00, 0x00]);
		expect(await raw(port, Buffer.concat([local, Buffer.from("check v2\n")]))).toBe("check v2\n");
		expect(await raw(port, "PROXY UNKNOWN\r\ncheck v1\n")).toBe("check v1\n");
		expect(await raw(port, "PROXY TCP4 203.0.113.7 127.0.0.1 56324 8888\r\nclient\n")).toBe(
			"client\n",
		);
		await server.waitFor(/Data received: client/);
		expect(server.lines.slice(1)).toEqual([
			"Connected to 203.0.113.7:56324",
			"Data received: client",
		]);
	});

	test("a connection without a header is closed with a warning, and the server goes on", async () => {
		const server = new ServerProcess(["--port", "0", "--proxy-protocol"]);
		const port = await server.listening();
		expect(await raw(port, "hello, no header\n")).toBe("");
		await server.waitFor(/no PROXY header/, "stderr");
		// One warning, and no "Talk to it: bunx echo-client" hint: a plain client gets no header in.
		expect(server.stderr.trim().split("\n")).toEqual([
			expect.stringMatching(
				/^echo-server: warning: closing connection #1 127\.0\.0\.1:\d+: no PROXY header/,
			),
		]);
		expect(await exchange(port, "PROXY UNKNOWN\r\nstill serving")).toBe("still serving");
	});

	test("--proxy-from: a peer outside the ranges is refused, one inside is served", async () => {
		const outside = new ServerProcess([
			"--port",
			"0",
			"--proxy-protocol",
			"--proxy-from",
			"10.0.0.0/8",
		]);
		const inside = new ServerProcess([
			"--port",
			"0",
			"--proxy-protocol",
			"--proxy-from",
			"10.0.0.0/8,127.0.0.0/8",
		]);
		const header = "PROXY TCP4 192.0.2.1 127.0.0.1 1000 8888\r\nhi";
		expect(await raw(await outside.listening(), header)).toBe("");
		await outside.waitFor(/not a trusted proxy/, "stderr");
		expect(await raw(await inside.listening(), header)).toBe("hi");
	});

	test("--proxy-from with --ws-port or --udp: one start-up warning naming what it does not cover", async () => {
		/** The server's stderr once it has started and stopped. */
		async function startUpStderr(args: string[]): Promise<string> {
			const server = new ServerProcess(["--port", "0", "--proxy-protocol", ...args]);
			await server.listening();
			server.signal("SIGTERM");
			expect(await server.exited()).toBe(0);
			return server.stderr;
		}
		const trusted = ["--proxy-from", "127.0.0.1"];
		const warning = "echo-server: warning: --proxy-from applies to the TCP port only:";
		expect(await startUpStderr([...trusted, "--ws-port", "0", "--udp"])).toBe(
			`${warning} the WebSocket port (--ws-port) and UDP (--udp) accept any peer\n`,
		);
		expect(await startUpStderr([...trusted, "--ws-port", "0"])).toBe(
			`${warning} the WebSocket port (--ws-port) accepts any peer\n`,
		);
		expect(await startUpStderr([...trusted, "--udp"])).toBe(
			`${warning} UDP (--udp) accepts any peer\n`,
		);
		// Nothing left out, or no allow-list to leave anything out of: no warning.
		expect(await startUpStderr(trusted)).toBe("");
		expect(await startUpStderr(["--ws-port", "0", "--udp"])).toBe("");
	});

	test("bad input: a bad range, and the combination with TLS, are one line and exit 2", async () => {
		const range = await runServer([
			"--port",
			"0",
			"--proxy-protocol",
			"--proxy-from",
			"10.0.0.0/33",
		]);
		expect(range.code).toBe(2);
		expect(range.stderr).toContain('invalid --proxy-from "10.0.0.0/33"');
		expect(range.stderr.trim().split("\n")).toHaveLength(1);
		const tls = await runServer([
			"--port",
			"0",
			"--proxy-protocol",
			"--tls-cert",
			"c.pem",
			"--tls-key",
			"k.pem",
		]);
		expect(tls.code).not.toBe(0);
		expect(tls.stderr.trim().split("\n")).toHaveLength(1);
		expect(tls.stderr).not.toContain("    at ");
	});
});
