/**
 * `echo-client --ws URL` (issue 11, item 4): one-shot, pipe and interactive mode over WebSocket,
 * `wss://` with the TLS flags, close codes as errors, usage errors. The real bin in a child
 * process against the real `echo-server --ws-port 0` (tests/fixtures/ws-server.ts's
 * {@link serveWs}); a stand-in server only for a close the real one never makes.
 */
import { afterAll, afterEach, describe, expect, test } from "bun:test";
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { lazyCertificate } from "../packages/core/test/fixtures/tls-cert.ts";
import {
	BIN,
	CTRL_D,
	expectOneErrorLine,
	labTranscript,
	PROMPT,
	ROOT,
	run,
	sha256,
	stopAll,
	TerminalSession,
	text,
} from "./fixtures/client/harness.ts";
import { killAll } from "./fixtures/server/harness.ts";
import {
	serveWs,
	serveWsStandIn,
	stopWsStandIns,
	texts,
	type WsServerOptions,
} from "./fixtures/ws-server.ts";

const INSECURE_WARNING =
	"echo-client: warning: --insecure: the server's certificate is not verified; anyone on the path can read and change the traffic\n";

const dir = mkdtempSync(join(tmpdir(), "echokit-client-ws-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const certificate = lazyCertificate(dir);

afterEach(async () => {
	await stopAll();
	killAll();
	await stopWsStandIns();
});

function serveWss(options: WsServerOptions = {}) {
	return serveWs({ ...options, tls: certificate() });
}

/** A port nothing listens on: bind one, note it, close it. */
async function closedPort(): Promise<number> {
	const listener = Bun.listen({ hostname: "127.0.0.1", port: 0, socket: { data() {} } });
	const port = listener.port;
	listener.stop(true);
	return port;
}

describe("one-shot (--message)", () => {
	test("each --message is one text message; the replies are printed unchanged, exit 0", async () => {
		const server = await serveWs();
		const result = await run(["--ws", server.url, "--message", "Hi", "--message", "Hello"]);
		expect(result).toEqual({ code: 0, stdout: Buffer.from("HiHello"), stderr: "" });
		expect(await texts(server, 2)).toEqual(["Hi", "Hello"]);
	});

	test("--framing lines appends a newline to each message; an uppercasing server's replies", async () => {
		const server = await serveWs({ behaviour: "uppercase" });
		const result = await run(["--ws", server.url, "--framing", "lines", "-m", "hi", "-m", "there"]);
		expect(result).toEqual({ code: 0, stdout: Buffer.from("HI\nTHERE\n"), stderr: "" });
		expect(await texts(server, 2)).toEqual(["hi\\n", "there\\n"]); // escaped in the log
	});

	test("IPv6: ws://[::1]:PORT/", async () => {
		const server = await serveWs({ hostname: "::1" });
		expect(server.url).toStartWith("ws://[::1]:");
		const result = await run(["--ws", server.url, "--message", "Hi"]);
		expect(result).toEqual({ code: 0, stdout: Buffer.from("Hi"), stderr: "" });
	});

	test("a server that replies nothing: E_NO_REPLY after --timeout, exit 4, one line", async () => {
		const server = await serveWs({ behaviour: "silent" });
		const result = await run(["--ws", server.url, "--timeout", "0.5", "-m", "a", "-m", "b"]);
		expect(result.code).toBe(4);
		expect(result.stdout).toHaveLength(0);
		expect(result.stderr).toBe(
			`echo-client: no reply from ${server.url} within 0.5 s to 2 of 2 messages (E_NO_REPLY)\n`,
		);
		expect(await texts(server, 2)).toEqual(["a", "b"]);
	});
});

describe("pipe mode (stdin not a terminal)", () => {
	test("1 MiB of random bytes come back identical, sent as binary messages of at most 64 KiB", async () => {
		// Random bytes as text messages would be closed with 1007 (not UTF-8): they went as binary.
		const server = await serveWs();
		const input = new Uint8Array(randomBytes(1024 * 1024));
		const result = await run(["--ws", server.url], input);
		expect(result.stderr).toBe("");
		expect(result.code).toBe(0);
		expect(result.stdout.byteLength).toBe(input.byteLength);
		expect(sha256(result.stdout)).toBe(sha256(input));
		await server.messages(16); // at least 1 MiB / 64 KiB
		const sizes = server.received.map((message) => message.bytes);
		expect(Math.max(...sizes)).toBeLessThanOrEqual(64 * 1024);
		expect(sizes.reduce((a, b) => a + b, 0)).toBe(input.byteLength);
	});

	test("stdout closed early (| head -c 10): stops quietly, exit 0, as over TCP", async () => {
		const server = await serveWs({ args: ["--quiet"] });
		const input = join(dir, "2MiB.bin");
		await Bun.write(input, randomBytes(2 * 1024 * 1024));
		const script = `bun "$0" --ws "$1" < "$2" 2>"$3" | head -c 10 | wc -c; exit "\${PIPESTATUS[0]}"`;
		const stderr = join(dir, "head.stderr");
		const proc = Bun.spawn(["bash", "-c", script, BIN, server.url, input, stderr], {
			cwd: ROOT,
			stdout: "pipe",
			stderr: "inherit",
		});
		const [out, code] = await Promise.all([new Response(proc.stdout).text(), proc.exited]);
		expect(out.trim()).toBe("10");
		expect(await Bun.file(stderr).text()).toBe(""); // no EPIPE stack trace
		expect(code).toBe(0);
	});

	test("empty stdin: nothing sent, nothing printed, exit 0", async () => {
		const server = await serveWs();
		const result = await run(["--ws", server.url]);
		expect(result).toEqual({ code: 0, stdout: new Uint8Array(0), stderr: "" });
		expect(await server.stop()).toBe(0); // all it logged is in
		expect(server.received).toEqual([]);
	});
});

describe("close codes from the server", () => {
	test("1011 (a plugin failed): E_WS_CLOSED naming the code, exit 5, one line", async () => {
		const server = await serveWs({ behaviour: "fail" });
		const result = await run(["--ws", server.url, "--message", "Hi"]);
		expect(result.code).toBe(5);
		expect(result.stderr).toBe(
			`echo-client: ${server.url} closed the WebSocket: 1011 internal error (E_WS_CLOSED)\n`,
		);
	});

	test("a close reason is shown: 1011 with one from a stand-in server", async () => {
		// echo-server's 1011 has no reason; the client names one when a server gives it.
		const server = serveWsStandIn({ code: 1011, reason: "plugin failed" });
		const result = await run(["--ws", server.url, "--message", "Hi"]);
		expect(result.code).toBe(5);
		expect(result.stderr).toBe(
			`echo-client: ${server.url} closed the WebSocket: 1011 internal error ("plugin failed") (E_WS_CLOSED)\n`,
		);
	});

	test("1009 (message too big): E_WS_CLOSED, exit 5", async () => {
		const server = await serveWs({ maxMessageBytes: 1000 });
		const result = await run(["--ws", server.url], new Uint8Array(5000));
		expect(result.code).toBe(5);
		// Bun's reason, as the client README shows.
		expect(result.stderr).toBe(
			`echo-client: ${server.url} closed the WebSocket: 1009 message too big ("Received too big message") (E_WS_CLOSED)\n`,
		);
		expectOneErrorLine(result.stderr, "E_WS_CLOSED");
	});

	test("1000 (normal closure) while replies are owed: E_CONNECTION_LOST, exit 5", async () => {
		const server = serveWsStandIn({ code: 1000 });
		const result = await run(["--ws", server.url, "--message", "a", "--message", "b"]);
		expect(result.code).toBe(5);
		expect(result.stderr).toContain(`${server.url} closed the WebSocket (1000) before`);
		expectOneErrorLine(result.stderr, "E_CONNECTION_LOST");
	});

	test("1001 (the server stops) while a reply is owed: E_WS_CLOSED, exit 5", async () => {
		const server = await serveWs({ behaviour: "silent" });
		const proc = Bun.spawn(["bun", BIN, "--ws", server.url, "--message", "Hi"], {
			cwd: ROOT,
			stdout: "pipe",
			stderr: "pipe",
		});
		try {
			expect(await texts(server, 1)).toEqual(["Hi"]);
			expect(await server.stop()).toBe(0);
			const [stderr, code] = await Promise.all([new Response(proc.stderr).text(), proc.exited]);
			expect(code).toBe(5);
			expect(stderr).toContain(`${server.url} closed the WebSocket: 1001 going away`);
			expectOneErrorLine(stderr, "E_WS_CLOSED");
		} finally {
			proc.kill();
		}
	});
});

describe("cannot connect", () => {
	test("nothing listening: E_CONNECT, exit 3, one line", async () => {
		const url = `ws://127.0.0.1:${await closedPort()}/`;
		const result = await run(["--ws", url, "--message", "Hi"]);
		expect(result.code).toBe(3);
		expect(result.stderr).toBe(
			`echo-client: cannot connect to ${url}: connection refused (E_CONNECT)\n`,
		);
	});

	test("an HTTP server that does not upgrade: E_CONNECT naming the status, exit 3", async () => {
		const http = Bun.serve({
			hostname: "127.0.0.1",
			port: 0,
			fetch: () => new Response("no", { status: 404 }),
		});
		try {
			const result = await run(["--ws", `ws://127.0.0.1:${http.port}/`, "--message", "Hi"]);
			expect(result.code).toBe(3);
			expect(result.stderr).toContain("HTTP 404 instead of a WebSocket upgrade");
			expectOneErrorLine(result.stderr, "E_CONNECT");
		} finally {
			await http.stop(true);
		}
	});
});

describe("wss:// with the TLS flags", () => {
	test("--ca: one-shot, and 1 MiB through pipe mode", async () => {
		const server = await serveWss();
		expect(server.url).toStartWith("wss://");
		const oneShot = await run(["--ws", server.url, "--ca", certificate().cert, "-m", "Hi"]);
		expect(oneShot).toEqual({ code: 0, stdout: Buffer.from("Hi"), stderr: "" });
		const input = new Uint8Array(randomBytes(1024 * 1024));
		const piped = await run(["--ws", server.url, "--ca", certificate().cert], input);
		expect(piped.stderr).toBe("");
		expect(piped.code).toBe(0);
		expect(sha256(piped.stdout)).toBe(sha256(input));
	});

	test("no --ca: the self-signed certificate is E_TLS with the hint, exit 6", async () => {
		const server = await serveWss();
		const result = await run(["--ws", server.url, "--message", "Hi"]);
		expect(result.code).toBe(6);
		expect(result.stderr).toContain("self signed certificate");
		expect(result.stderr).toContain("--ca FILE");
		expectOneErrorLine(result.stderr, "E_TLS");
	});

	test("--servername: a name the certificate does not cover is E_TLS; one it covers works", async () => {
		const server = await serveWss();
		const args = ["--ws", server.url, "--ca", certificate().cert, "--message", "Hi"];
		const wrong = await run([...args, "--servername", "echo.example"]);
		expect(wrong.code).toBe(6);
		expect(wrong.stderr).toContain("does not match");
		expectOneErrorLine(wrong.stderr, "E_TLS");
		const right = await run([...args, "--servername", "localhost"]);
		expect(right).toEqual({ code: 0, stdout: Buffer.from("Hi"), stderr: "" });
	});

	test("--insecure connects without a check and warns", async () => {
		const server = await serveWss();
		const result = await run(["--ws", server.url, "--insecure", "--message", "Hi"]);
		expect(result).toEqual({ code: 0, stdout: Buffer.from("Hi"), stderr: INSECURE_WARNING });
	});

	test("wss:// to a plaintext server: E_TLS, exit 6", async () => {
		const server = await serveWs();
		const url = server.url.replace("ws://", "wss://");
		const result = await run(["--ws", url, "--ca", certificate().cert, "--message", "Hi"]);
		expect(result.code).toBe(6);
		expect(result.stderr).toContain("is the server speaking TLS");
		expectOneErrorLine(result.stderr, "E_TLS");
	});
});

describe("usage errors (exit 2, one line naming --ws)", () => {
	const cases: [string, string[], string][] = [
		[
			"not ws:// or wss://",
			["--ws", "http://127.0.0.1:8080/"],
			'invalid --ws "http://127.0.0.1:8080/": expected ws:// or wss://, not http://',
		],
		[
			"a port above 65535",
			["--ws", "ws://127.0.0.1:99999/"],
			'invalid --ws "ws://127.0.0.1:99999/": port "99999" is not 1 to 65535',
		],
		[
			"an IPv6 address without its closing ]",
			["--ws", "ws://[::1:23501/"],
			'invalid --ws "ws://[::1:23501/": the IPv6 address has no closing "]" (ws://[::1]:8080/)',
		],
		[
			"an IPv6 address without brackets",
			["--ws", "ws://::1:23501/"],
			'invalid --ws "ws://::1:23501/": an IPv6 address goes in brackets (ws://[::1]:8080/)',
		],
		[
			"port 0",
			["--ws", "ws://127.0.0.1:0/"],
			'invalid --ws "ws://127.0.0.1:0/": port "0" is not 1 to 65535',
		],
		[
			"not a URL",
			["--ws", "8080"],
			'invalid --ws "8080": expected a URL like ws://127.0.0.1:8080/',
		],
		[
			"with --port",
			["--ws", "ws://127.0.0.1:8080/", "--port", "1"],
			"--ws cannot be combined with --port",
		],
		[
			"with --host",
			["--ws", "ws://127.0.0.1:8080/", "--host", "::1"],
			"--ws cannot be combined with --host",
		],
		["with --udp", ["--ws", "ws://127.0.0.1:8080/", "--udp"], "--ws cannot be combined with --udp"],
		[
			"with --unix",
			["--ws", "ws://127.0.0.1:8080/", "--unix", "x.sock"],
			"--ws cannot be combined with --unix",
		],
		[
			"TLS flags with ws://",
			["--ws", "ws://127.0.0.1:8080/", "--ca", "c.pem"],
			'--ca with --ws needs a wss:// URL, not "ws://127.0.0.1:8080/"',
		],
	];
	for (const [what, args, message] of cases) {
		test(what, async () => {
			const result = await run([...args, "--message", "Hi"]);
			expect(result.code).toBe(2);
			expect(result.stderr).toStartWith(`echo-client: ${message}`);
			expectOneErrorLine(result.stderr, "E_USAGE");
		});
	}

	test("--help lists --ws", async () => {
		const result = await run(["--help"]);
		expect(result.code).toBe(0);
		expect(text(result.stdout)).toMatch(
			/--ws=<url> +WebSocket: connect to this ws:\/\/ or wss:\/\/ URL/,
		);
	});
});

describe("interactive (a terminal)", () => {
	test("the lab's dialogue: Hi, Hello, 123 as text messages, then Ctrl-D closes with 1000, exit 0", async () => {
		const server = await serveWs();
		const client = new TerminalSession(["--ws", server.url]);
		expect(await client.labDialogue()).toBe(0);
		expect(client.labScreen).toStartWith(labTranscript());
		expect(await texts(server, 3)).toEqual(["Hi", "Hello", "123"]);
	});

	test("Ctrl-D typed right after a message (Hi⏎^D in one go): its reply is printed, exit 0", async () => {
		const server = await serveWs({ args: ["--plugin", "delay:ms=300"] });
		const client = new TerminalSession(["--ws", server.url]);
		await client.until("first prompt", () => client.screen.includes(PROMPT));
		client.type(`Hi\r${CTRL_D}`);
		expect(await client.exitCode()).toBe(0);
		await client.until("the reply", () => client.screen.includes("Received: Hi\n"));
		expect(client.screen).not.toContain("E_UNEXPECTED");
	});

	test("over wss:// to [::1] with --ca", async () => {
		const server = await serveWss({ hostname: "::1", behaviour: "uppercase" });
		const client = new TerminalSession(["--ws", server.url, "--ca", certificate().cert]);
		await client.until("first prompt", () => client.screen.includes(PROMPT));
		client.type("Hi\r");
		await client.promptAfter("Received: HI");
		client.type(CTRL_D);
		expect(await client.exitCode()).toBe(0);
	});

	test("a server that replies nothing: the prompt comes back; Ctrl-D says what is missing, exit 0", async () => {
		const server = await serveWs({ behaviour: "silent" });
		const client = new TerminalSession(["--ws", server.url, "--timeout", "0.5"]);
		await client.until("first prompt", () => client.screen.includes(PROMPT));
		client.type("Hi\r");
		await client.prompts(2, "a second prompt");
		client.type(CTRL_D);
		expect(await client.exitCode()).toBe(0);
		expect(client.screen).toContain("(no reply to 1 of 1 messages within 0.5 s)");
	});

	test("the server closing with 1000 (--idle-timeout): Connection closed by server., exit 0", async () => {
		const server = await serveWs({ args: ["--idle-timeout", "1"] });
		const client = new TerminalSession(["--ws", server.url]);
		await client.until("first prompt", () => client.screen.includes(PROMPT));
		client.type("Hi\r");
		await client.promptAfter("Received: Hi");
		expect(await client.exitCode()).toBe(0);
		await client.until("the goodbye", () =>
			client.screen.includes("Connection closed by server.\n"),
		);
	});

	test("the server closing with 1011: one error line, exit 5", async () => {
		const server = await serveWs({ behaviour: "fail" });
		const client = new TerminalSession(["--ws", server.url]);
		await client.until("first prompt", () => client.screen.includes(PROMPT));
		client.type("Hi\r");
		expect(await client.exitCode()).toBe(5);
		await client.until("the error", () => client.screen.includes("(E_WS_CLOSED)"));
		expect(client.screen).toContain("closed the WebSocket: 1011 internal error");
	});
});
