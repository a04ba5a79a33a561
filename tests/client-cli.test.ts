/**
 * `echo-client` as users run it: the real bin in a child process against an in-process server
 * on a free port. One-shot, pipe mode, and every error exit code. Interactive mode, through a
 * pseudo-terminal, is in client-cli-interactive.test.ts.
 */
import { afterEach, describe, expect, test } from "bun:test";
import { randomBytes } from "node:crypto";
import {
	closedPort,
	expectOneErrorLine,
	run,
	serve,
	sha256,
	shout,
	sink,
	stopAll,
	text,
} from "./fixtures/client/harness.ts";

afterEach(stopAll);

describe("one-shot (--message)", () => {
	test("sends every --message in order, half-closes, prints the replies, exits 0", async () => {
		const server = await serve();
		const result = await run(["--port", String(server.port), "--message", "Hi", "--message=Hello"]);
		expect(result).toEqual({ code: 0, stdout: Buffer.from("HiHello"), stderr: "" });
	});

	test("lines framing appends a newline to each message", async () => {
		const server = await serve({ framing: "lines", plugins: [shout] });
		const args = ["--port", String(server.port), "--framing", "lines"];
		const result = await run([...args, "--message", "hi", "--message", "there", "--message", "3"]);
		expect(result.code).toBe(0);
		expect(text(result.stdout)).toBe("HI\nTHERE\n3\n");
	});

	test("a server that replies nothing: empty output, exit 0 once it closes", async () => {
		const server = await serve({ plugins: [sink] });
		const result = await run(["--port", String(server.port), "--message", "Hi"]);
		expect(result).toEqual({ code: 0, stdout: new Uint8Array(0), stderr: "" });
	});
});

describe("pipe mode (stdin not a terminal)", () => {
	test("8 MiB of random bytes come back identical, exit 0", async () => {
		const server = await serve();
		const input = new Uint8Array(randomBytes(8 * 1024 * 1024));
		const result = await run(["--port", String(server.port)], input);
		expect(result.stderr).toBe("");
		expect(result.code).toBe(0);
		expect(result.stdout.byteLength).toBe(input.byteLength);
		expect(sha256(result.stdout)).toBe(sha256(input));
	});

	test("binary bytes through a transforming plugin, lines framing", async () => {
		const server = await serve({ framing: "lines", plugins: [shout] });
		const result = await run(
			["--port", String(server.port), "--framing", "lines"],
			Buffer.from("one\ntwo\nlast without newline"),
		);
		expect(result.code).toBe(0);
		expect(text(result.stdout)).toBe("ONE\nTWO\nLAST WITHOUT NEWLINE");
	});

	test("a server that replies nothing: empty stdout, exit 0", async () => {
		const server = await serve({ plugins: [sink] });
		const result = await run(["--port", String(server.port)], new Uint8Array(randomBytes(65536)));
		expect(result).toEqual({ code: 0, stdout: new Uint8Array(0), stderr: "" });
	});

	test("empty stdin: half-close at once, exit 0", async () => {
		const server = await serve();
		const result = await run(["--port", String(server.port)]);
		expect(result).toEqual({ code: 0, stdout: new Uint8Array(0), stderr: "" });
	});
});

describe("failures: one line on stderr, documented exit code", () => {
	test("connection refused → exit 3", async () => {
		const port = await closedPort();
		const result = await run(["--port", String(port), "--message", "Hi"]);
		expect(result.code).toBe(3);
		expect(result.stderr).toBe(
			`echo-client: cannot connect to 127.0.0.1:${port}: connection refused (E_CONNECT)\n`,
		);
		expectOneErrorLine(result.stderr, "E_CONNECT");
	});

	test("unknown flag → exit 2, naming it", async () => {
		const result = await run(["--prot", "9000", "--message", "x", "-q"]);
		expect(result.code).toBe(2);
		expect(result.stderr).toContain('unknown flags "--prot", "-q"');
		expectOneErrorLine(result.stderr, "E_USAGE");
	});

	test.each([["70000"], ["abc"], ["0"], ["8e3"], [""]])("bad port %p → exit 2", async (port) => {
		const result = await run(["--port", port, "--message", "x"]);
		expect(result.code).toBe(2);
		expect(result.stderr).toContain("invalid --port");
		expectOneErrorLine(result.stderr, "E_USAGE");
	});

	test("bad --framing, --timeout, a missing value, a stray argument → exit 2", async () => {
		for (const args of [["--framing", "words"], ["--timeout", "-1"], ["--host"], ["hello"]]) {
			const result = await run(args);
			expect(result.code).toBe(2);
			expectOneErrorLine(result.stderr, "E_USAGE");
		}
	});

	test("server never closes after our half-close → exit 4 after --timeout", async () => {
		// Keeps the connection open after the client's FIN, unlike any echo server.
		const listener = Bun.listen({
			hostname: "127.0.0.1",
			port: 0,
			allowHalfOpen: true,
			socket: { data: (socket, data) => void socket.write(data), end() {} },
		});
		try {
			const result = await run(
				["--port", String(listener.port), "--timeout", "0.3"],
				Buffer.from("hi"),
			);
			expect(result.code).toBe(4);
			expect(text(result.stdout)).toBe("hi");
			expectOneErrorLine(result.stderr, "E_REPLY_TIMEOUT");
		} finally {
			listener.stop(true);
		}
	});

	test("server resets the connection → exit 5", async () => {
		const listener = Bun.listen({
			hostname: "127.0.0.1",
			port: 0,
			socket: { data: (socket) => socket.terminate() },
		});
		try {
			const result = await run(["--port", String(listener.port)], Buffer.from("hi"));
			expect(result.code).toBe(5);
			expect(result.stderr).toContain("connection reset by peer");
			expectOneErrorLine(result.stderr, "E_CONNECTION_LOST");
		} finally {
			listener.stop(true);
		}
	});

	test("--help prints the flags and exits 0", async () => {
		const result = await run(["--help"]);
		expect(result.code).toBe(0);
		for (const flag of ["--host", "--port", "--framing", "--timeout", "--message"]) {
			expect(text(result.stdout)).toContain(flag);
		}
		expect(text(result.stdout)).not.toContain("\u001b["); // piped: no colour codes
	});
});
