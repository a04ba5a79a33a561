/**
 * `echo-client` over TLS (`--tls`, `--ca`, `--insecure`, `--servername`), Unix domain sockets
 * (`--unix`) and UDP (`--udp`): the real bin in a child process against in-process core servers.
 * The TLS certificate is made with `openssl` at test time; without openssl these tests fail.
 */
import { afterAll, afterEach, describe, expect, test } from "bun:test";
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import {
	definePlugin,
	type EchoServer,
	NO_REPLY,
	type ServerOptions,
	startServer,
} from "../packages/core/src/index.ts";

const repoRoot = resolve(import.meta.dir, "..");
const bin = "packages/client/src/bin.ts";
const PROMPT = "Enter message to send: ";
const CTRL_D = "\x04";
const INSECURE_WARNING =
	"echo-client: warning: --insecure: the server's certificate is not verified; anyone on the path can read and change the traffic\n";

const dir = mkdtempSync(join(tmpdir(), "echokit-client-transports-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const servers: EchoServer[] = [];
afterEach(async () => {
	await Promise.all(servers.splice(0).map((server) => server.stop({ timeoutMs: 100 })));
});

async function serve(options: ServerOptions = {}): Promise<EchoServer> {
	const server = await startServer(options.unix ? options : { ...options, port: 0 });
	servers.push(server);
	return server;
}

function serveTls(options: ServerOptions = {}): Promise<EchoServer> {
	const { cert, key } = certificate();
	return serve({ ...options, tls: { cert: Bun.file(cert), key: Bun.file(key) } });
}

interface Run {
	code: number;
	stdout: Uint8Array;
	stderr: string;
}

/** Runs echo-client to completion; stdin is the given bytes (or empty, not a terminal). */
async function run(args: string[], stdin: Uint8Array = new Uint8Array(0)): Promise<Run> {
	const proc = Bun.spawn(["bun", bin, ...args], {
		cwd: repoRoot,
		stdin,
		stdout: "pipe",
		stderr: "pipe",
	});
	try {
		const [stdout, stderr, code] = await Promise.all([
			new Response(proc.stdout).bytes(),
			new Response(proc.stderr).text(),
			proc.exited,
		]);
		return { code, stdout, stderr };
	} finally {
		proc.kill();
	}
}

const text = (bytes: Uint8Array) => new TextDecoder().decode(bytes);
const sha256 = (bytes: Uint8Array) => new Bun.CryptoHasher("sha256").update(bytes).digest("hex");
const shout = definePlugin({ name: "shout", transform: (message) => message.text().toUpperCase() });
const sink = definePlugin({ name: "sink", transform: () => NO_REPLY });

/** One line on stderr, in the documented shape, and nothing that looks like a stack trace. */
function expectOneErrorLine(stderr: string, code: string): void {
	expect(stderr.startsWith("echo-client: ")).toBe(true);
	expect(stderr.endsWith(`(${code})\n`)).toBe(true);
	expect(stderr.split("\n")).toHaveLength(2);
	expect(stderr).not.toMatch(/\n\s+at |\^/);
}

let made: { cert: string; key: string } | undefined;

/** A self-signed certificate for localhost / 127.0.0.1, made once per run with `openssl`. */
function certificate(): { cert: string; key: string } {
	if (made) return made;
	if (!Bun.which("openssl")) {
		throw new Error(
			"openssl is not installed: the TLS tests need it to make a self-signed certificate (apt-get install openssl)",
		);
	}
	const cert = join(dir, "cert.pem");
	const key = join(dir, "key.pem");
	const result = Bun.spawnSync(
		[
			"openssl",
			"req",
			"-x509",
			"-newkey",
			"rsa:2048",
			"-nodes",
			"-keyout",
			key,
			"-out",
			cert,
			"-days",
			"1",
			"-subj",
			"/CN=localhost",
			"-addext",
			"subjectAltName=DNS:localhost,IP:127.0.0.1",
		],
		{ stdout: "ignore", stderr: "pipe" },
	);
	if (result.exitCode !== 0) {
		throw new Error(`openssl failed to make a certificate: ${result.stderr.toString()}`);
	}
	made = { cert, key };
	return made;
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

	test("a closed port: E_CONNECT (connection refused), exit 3, no stack trace", async () => {
		const server = await startServer({ port: 0, udp: true });
		const { port } = server;
		await server.stop();
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
		let screen = "";
		const decoder = new TextDecoder();
		const proc = Bun.spawn(["bun", bin, ...args], {
			cwd: repoRoot,
			terminal: {
				cols: 120,
				rows: 40,
				data: (_terminal, bytes) => {
					screen += decoder.decode(bytes, { stream: true });
				},
			},
		});
		const shown = () => Bun.stripANSI(screen).replaceAll("\r", "");
		/** Waits (bounded, so a stuck client fails with its screen) until `done` holds. */
		const until = async (what: string, done: (screen: string) => boolean) => {
			for (const deadline = Date.now() + 15_000; !done(shown()); await Bun.sleep(10)) {
				if (Date.now() > deadline) throw new Error(`no ${what}; screen:\n${shown()}`);
			}
		};
		const prompts = (count: number) => (s: string) => s.split(PROMPT).length > count;
		try {
			await until("first prompt", prompts(1));
			proc.terminal!.write("hello\r");
			await until("a reply and a second prompt", prompts(2));
			proc.terminal!.write("drop\r");
			await until("the no-reply note and a third prompt", prompts(3));
			proc.terminal!.write(CTRL_D);
			expect(await proc.exited).toBe(0);
			expect(shown()).toStartWith(
				`${PROMPT}hello\nReceived: HELLO\n${PROMPT}drop\n(no reply within 0.3 s)\n${PROMPT}`,
			);
		} finally {
			proc.kill();
			proc.terminal?.close();
		}
	});
});

describe("flag checks: exit 2, one line", () => {
	test.each([
		[["--udp", "--tls"], "--udp cannot be combined with --tls"],
		[["--udp", "--insecure", "--servername", "x"], "--udp cannot be combined with --insecure"],
		[["--unix", "/tmp/x.sock", "--port", "1"], "--unix cannot be combined with --port"],
		[["--unix", "/tmp/x.sock", "--udp"], "--unix cannot be combined with --udp"],
		[["--tls=yes"], "--tls takes no value"],
		[["--no-tls"], "unknown option --no-tls"],
		[["--ca"], "--ca needs a value"],
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
