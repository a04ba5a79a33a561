/**
 * `echo-client` over TLS (`--tls`, `--ca`, `--insecure`, `--servername`), Unix domain sockets
 * (`--unix`) and UDP (`--udp`): the real bin in a child process against in-process core servers.
 * The TLS certificate is made with `openssl` at test time; without openssl these tests fail.
 */
import { afterAll, afterEach, describe, expect, test } from "bun:test";
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
	definePlugin,
	type EchoServer,
	NO_REPLY,
	type ServerOptions,
} from "../packages/core/src/index.ts";
import { lazyCertificate } from "../packages/core/test/fixtures/tls-cert.ts";
import {
	CTRL_D,
	closedPort,
	expectOneErrorLine,
	PROMPT,
	run,
	serve,
	sha256,
	shout,
	sink,
	stopAll,
	TerminalSession,
	text,
} from "./fixtures/client/harness.ts";

const INSECURE_WARNING =
	"echo-client: warning: --insecure: the server's certificate is not verified; anyone on the path can read and change the traffic\n";

const dir = mkdtempSync(join(tmpdir(), "echokit-client-transports-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const certificate = lazyCertificate(dir);

afterEach(stopAll);

function serveTls(options: ServerOptions = {}): Promise<EchoServer> {
	const { cert, key } = certificate();
	return serve({ ...options, tls: { cert: Bun.file(cert), key: Bun.file(key) } });
}

describe("TLS", () => {
	test("--ca: one-shot echo through a server with a self-signed certificate", async () => {
		const server = await serveTls();
		const args = ["--port", String(server.port), "--ca", certificate().cert];
		const result = await run([...args, "--message", "Hi", "--message", "Hello"]);
		expect(result).toEqual({ code: 0, stdout: Buffer.from("HiHello"), stderr: "" });
	});

	test("--ca, pipe mode: 1 MiB of random bytes come back identical", async () => {
		const server = await serveTls();
		const input = new Uint8Array(randomBytes(1024 * 1024));
		const result = await run(["--port", String(server.port), "--ca", certificate().cert], input);
		expect(result.stderr).toBe("");
		expect(result.code).toBe(0);
		expect(result.stdout.byteLength).toBe(input.byteLength);
		expect(sha256(result.stdout)).toBe(sha256(input));
	});

	test("--tls without --ca: an untrusted certificate is E_TLS, exit 6, one line", async () => {
		const server = await serveTls();
		const result = await run(["--port", String(server.port), "--tls", "--message", "Hi"]);
		expect(result.code).toBe(6);
		expect(result.stdout).toHaveLength(0);
		expect(result.stderr).toContain("self signed certificate");
		expect(result.stderr).toContain("--ca FILE");
		expectOneErrorLine(result.stderr, "E_TLS");
	});

	test("--servername: a name the certificate does not cover is E_TLS; one it covers works", async () => {
		const server = await serveTls();
		const args = ["--port", String(server.port), "--ca", certificate().cert, "--message", "Hi"];
		const wrong = await run([...args, "--servername", "echo.example"]);
		expect(wrong.code).toBe(6);
		expect(wrong.stderr).toContain("does not match");
		expectOneErrorLine(wrong.stderr, "E_TLS");
		const right = await run([...args, "--servername", "localhost"]);
		expect(right).toEqual({ code: 0, stdout: Buffer.from("Hi"), stderr: "" });
	});

	test("--insecure connects without a check and warns on stderr, one line", async () => {
		const server = await serveTls();
		const result = await run(["--port", String(server.port), "--insecure", "--message", "Hi"]);
		expect(result).toEqual({ code: 0, stdout: Buffer.from("Hi"), stderr: INSECURE_WARNING });
	});

	test("--tls against a plaintext echo server: E_TLS, exit 6, no hang", async () => {
		const server = await serve();
		const args = ["--port", String(server.port), "--tls", "--timeout", "5", "--message", "Hi"];
		const result = await run(args);
		expect(result.code).toBe(6);
		expect(result.stderr).toContain("is the server speaking TLS");
		expectOneErrorLine(result.stderr, "E_TLS");
	});

	test("--tls against a plaintext server that never answers: bounded by --timeout, exit 3", async () => {
		const server = await serve({ plugins: [sink] });
		const args = ["--port", String(server.port), "--tls", "--timeout", "0.5", "--message", "Hi"];
		const result = await run(args);
		expect(result.code).toBe(3);
		expectOneErrorLine(result.stderr, "E_CONNECT_TIMEOUT");
	});

	test("a --ca file that is missing, holds no certificate, or is corrupt: E_CA_FILE, exit 2", async () => {
		const server = await serveTls();
		const corrupt = join(dir, "corrupt.pem");
		writeFileSync(corrupt, "-----BEGIN CERTIFICATE-----\nnot base64!\n-----END CERTIFICATE-----\n");
		const cases = [
			[join(dir, "missing.pem"), "no such file"],
			[certificate().key, "holds no PEM certificate"],
			[dir, "it is a directory"],
			[corrupt, "is not a valid PEM certificate"],
		];
		for (const [file, reason] of cases) {
			const result = await run(["--port", String(server.port), "--ca", file!, "--message", "x"]);
			expect(result.code).toBe(2);
			expect(result.stderr).toContain(reason!);
			expectOneErrorLine(result.stderr, "E_CA_FILE");
		}
	});
});

describe("Unix domain sockets (--unix)", () => {
	test("one-shot and pipe mode over a socket path", async () => {
		const path = join(dir, "echo.sock");
		await serve({ unix: path, framing: "lines", plugins: [shout] });
		const oneShot = await run(["--unix", path, "--framing", "lines", "--message", "hi"]);
		expect(oneShot).toEqual({ code: 0, stdout: Buffer.from("HI\n"), stderr: "" });
		const piped = await run(["--unix", path], Buffer.from("one\ntwo\n"));
		expect(piped).toEqual({ code: 0, stdout: Buffer.from("ONE\nTWO\n"), stderr: "" });
	});

	test("pipe mode: 1 MiB of random bytes come back identical", async () => {
		const path = join(dir, "binary.sock");
		await serve({ unix: path });
		const input = new Uint8Array(randomBytes(1024 * 1024));
		const result = await run(["--unix", path], input);
		expect(result.stderr).toBe("");
		expect(result.code).toBe(0);
		expect(sha256(result.stdout)).toBe(sha256(input));
	});

	test("TLS over a Unix socket with --ca", async () => {
		const path = join(dir, "tls.sock");
		await serveTls({ unix: path });
		const result = await run(["--unix", path, "--ca", certificate().cert, "--message", "safe"]);
		expect(result).toEqual({ code: 0, stdout: Buffer.from("safe"), stderr: "" });
	});

	test("no socket at the path: E_CONNECT, exit 3, one line", async () => {
		const path = join(dir, "nobody.sock");
		const result = await run(["--unix", path, "--message", "x"]);
		expect(result.code).toBe(3);
		expect(result.stderr).toBe(
			`echo-client: cannot connect to ${path}: no such file or socket (E_CONNECT)\n`,
		);
	});
});

describe("UDP (--udp)", () => {
	test("one-shot: each --message is one datagram; replies in order", async () => {
		const server = await serve({ udp: true, plugins: [shout] });
		const args = ["--udp", "--port", String(server.port), "--framing", "lines"];
		const result = await run([...args, "--message", "hi", "--message", "there"]);
		expect(result).toEqual({ code: 0, stdout: Buffer.from("HI\nTHERE\n"), stderr: "" });
	});

	test("pipe mode: each line is one datagram, each reply on its own line", async () => {
		const server = await serve({ udp: true, plugins: [shout] });
		const input = Buffer.from("one\ntwo\n\nlast without newline");
		const result = await run(["--udp", "--port", String(server.port)], input);
		expect(result).toEqual({
			code: 0,
			stdout: Buffer.from("ONE\nTWO\n\nLAST WITHOUT NEWLINE\n"),
			stderr: "",
		});
	});

	test("a server that replies nothing: E_NO_REPLY, exit 4, one line", async () => {
		const server = await serve({ udp: true, plugins: [sink] });
		const args = ["--udp", "--port", String(server.port), "--timeout", "0.3"];
		const one = await run([...args, "--message", "anyone?"]);
		expect(one.code).toBe(4);
		expect(one.stdout).toHaveLength(0);
		expect(one.stderr).toBe(
			`echo-client: no reply from 127.0.0.1:${server.port} within 0.3 s to the datagram (E_NO_REPLY)\n`,
		);
		const piped = await run(args, Buffer.from("a\nb\n"));
		expect(piped.code).toBe(4);
		expect(piped.stderr).toContain("to 2 of 2 datagrams");
		expectOneErrorLine(piped.stderr, "E_NO_REPLY");
	});

	test("a reply that comes after --timeout bounces off the closed socket; the next datagram still gets its own, and only the first is reported unanswered", async () => {
		// Holds the reply to "late" until the next datagram comes (the client has given up on it
		// and closed that socket by then), then lets both go in the same tick, "late" first: the
		// server's send of "late" meets ICMP port unreachable just before it sends "next".
		let releaseLate: (() => void) | undefined;
		const late = definePlugin({
			name: "late",
			transform: (message) =>
				new Promise<null>((resolve) => {
					if (message.text() === "late") releaseLate = () => resolve(null);
					else {
						releaseLate?.();
						resolve(null);
					}
				}),
		});
		const server = await serve({ udp: true, plugins: [late] });
		const args = ["--udp", "--port", String(server.port), "--timeout", "0.5"];
		const result = await run([...args, "--message", "late", "--message", "next"]);
		expect(text(result.stdout)).toBe("next");
		expect(result.stderr).toBe(
			`echo-client: no reply from 127.0.0.1:${server.port} within 0.5 s to 1 of 2 datagrams (E_NO_REPLY)\n`,
		);
		expect(result.code).toBe(4);
	});

	test("a closed port: E_CONNECT (connection refused), exit 3, no stack trace", async () => {
		const port = await closedPort({ udp: true });
		const result = await run(["--udp", "--port", String(port), "--message", "x"]);
		expect(result.code).toBe(3);
		expect(result.stderr).toContain("connection refused");
		expectOneErrorLine(result.stderr, "E_CONNECT");
	});

	test("interactive: Received: per datagram, a note when none comes, Ctrl-D exits 0", async () => {
		const drop = definePlugin({
			name: "drop",
			transform: (message) => (message.text() === "drop" ? NO_REPLY : message.text().toUpperCase()),
		});
		const server = await serve({ udp: true, plugins: [drop] });
		const args = ["--udp", "--port", String(server.port), "--timeout", "0.3"];
		const client = new TerminalSession(args);
		await client.prompts(1, "first prompt");
		client.type("hello\r");
		await client.prompts(2, "a reply and a second prompt");
		client.type("drop\r");
		await client.prompts(3, "the no-reply note and a third prompt");
		client.type(CTRL_D);
		expect(await client.exitCode()).toBe(0);
		expect(client.screen).toStartWith(
			`${PROMPT}hello\nReceived: HELLO\n${PROMPT}drop\n(no reply within 0.3 s)\n${PROMPT}`,
		);
	});
});

describe("flag checks: exit 2, one line", () => {
	test.each([
		[["--udp", "--tls"], "--udp cannot be combined with --tls"],
		[["--udp", "--insecure", "--servername", "x"], "--udp cannot be combined with --insecure"],
		[["--unix", "/tmp/x.sock", "--port", "1"], "--unix cannot be combined with --port"],
		[["--unix", "/tmp/x.sock", "--udp"], "--unix cannot be combined with --udp"],
		[["--tls=yes"], "--tls takes no value"],
		[["--no-tls"], 'unknown flag "--no-tls"'],
		[["--ca"], "missing value for --ca"],
		[["--unix="], "--unix must not be empty"],
		[["--insecure", "--ca", "ca.pem"], "--insecure and --ca contradict"],
	])("%p", async (args, problem) => {
		const result = await run(["--message", "x", ...args]);
		expect(result.code).toBe(2);
		expect(result.stderr).toContain(problem);
		expectOneErrorLine(result.stderr, "E_USAGE");
	});

	test("--help lists the transport flags", async () => {
		const result = await run(["--help"]);
		expect(result.code).toBe(0);
		for (const flag of ["--tls", "--ca", "--insecure", "--servername", "--unix", "--udp"]) {
			expect(text(result.stdout)).toContain(flag);
		}
	});
});
