/**
 * `greet`: bytes a plugin sends when a connection opens, before any reply, in order with
 * everything else — sync or async, over TCP, TLS and Unix sockets, with or without transforms.
 */
import { afterAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
	type AnyPlugin,
	connect,
	definePlugin,
	type Framing,
	type ServerOptions,
	startServer,
} from "../src/index.ts";
import { testPlugin } from "../src/testing.ts";
import { makeCertificate } from "./fixtures/tls-cert.ts";
import { decoder, randomBytes, recordingLogger } from "./helpers.ts";

const dir = mkdtempSync(join(tmpdir(), "echokit-greet-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const hello = definePlugin({ name: "hello", greet: () => "hello\n" });
const slowHello = definePlugin({
	name: "slow-hello",
	async greet() {
		await Bun.sleep(30);
		return new TextEncoder().encode("slow hello\n");
	},
});
const upper = definePlugin({ name: "upper", transform: (m) => m.text().toUpperCase() });

/** Sends `data` right after connecting (before a slow greeting is out), half-closes, reads all. */
async function exchange(options: ServerOptions, data: Uint8Array | string): Promise<string> {
	const server = await startServer({ port: 0, ...options });
	try {
		const client = await connect({
			...(options.unix ? { unix: options.unix } : { port: server.port }),
			...(options.tls ? { tls: { ca: Bun.file(join(dir, "server.pem")) } } : {}),
		});
		client.write(data);
		await client.end();
		return decoder.decode(await client.readAll());
	} finally {
		await server.stop();
	}
}

describe("greetings go out first, then every reply, in order", () => {
	const chains: [string, AnyPlugin[], Framing, string][] = [
		["sync greeting, no transform (echo path)", [hello], "raw", "hello\nab\ncd\n"],
		["sync greeting, lines, no transform", [hello], "lines", "hello\nab\ncd\n"],
		["sync greeting, then a transform", [hello, upper], "lines", "hello\nAB\nCD\n"],
		["async greeting, no transform", [slowHello], "raw", "slow hello\nab\ncd\n"],
		["async greeting, lines, no transform", [slowHello], "lines", "slow hello\nab\ncd\n"],
		["async greeting, then a transform", [slowHello, upper], "lines", "slow hello\nAB\nCD\n"],
		[
			"two greeters, in plugin order",
			[slowHello, hello, upper],
			"lines",
			"slow hello\nhello\nAB\nCD\n",
		],
	];
	for (const [what, plugins, framing, expected] of chains) {
		test(`${what}: greetings are not transformed`, async () => {
			expect(await exchange({ plugins, framing }, "ab\ncd\n")).toBe(expected);
		});
	}

	test("1 MiB sent before a slow greeting is out comes back whole, behind it", async () => {
		const data = randomBytes(1024 * 1024);
		const server = await startServer({ port: 0, plugins: [slowHello], highWaterMark: 64 * 1024 });
		try {
			const client = await connect({ port: server.port });
			client.write(data);
			await client.end();
			const received = await client.readAll();
			const greeting = "slow hello\n".length;
			expect(decoder.decode(received.subarray(0, greeting))).toBe("slow hello\n");
			expect(Buffer.from(received.subarray(greeting)).equals(data)).toBe(true);
		} finally {
			await server.stop();
		}
	});

	test("over TLS: the greeting waits for the handshake, then comes first", async () => {
		const { cert, key } = makeCertificate(dir);
		const tls = { cert: Bun.file(cert), key: Bun.file(key) };
		expect(await exchange({ plugins: [hello, upper], framing: "lines", tls }, "hi\n")).toBe(
			"hello\nHI\n",
		);
		expect(await exchange({ plugins: [slowHello], tls }, "hi")).toBe("slow hello\nhi");
	});

	test("over a Unix socket", async () => {
		const unix = join(dir, "greet.sock");
		expect(await exchange({ plugins: [hello], unix }, "hi")).toBe("hello\nhi");
	});

	test("greet sees the state its plugin's open returned, and the connection", async () => {
		const numbered = definePlugin({
			name: "numbered",
			open: (connection) => ({ id: connection.id }),
			greet: ({ state, connection }) => `#${state.id} from ${connection.remoteAddress}\n`,
		});
		const t = testPlugin(numbered);
		await t.idle();
		expect(t.text).toBe("#1 from 127.0.0.1\n");
	});

	test("null greets with nothing", async () => {
		const t = testPlugin([definePlugin({ name: "shy", greet: () => null }), upper]);
		await t.send("x");
		expect(t.text).toBe("X");
	});
});

describe("a greeting that fails closes only that connection", () => {
	const failing: [string, AnyPlugin, RegExp][] = [
		[
			"throws",
			{
				name: "rude",
				greet: () => {
					throw new Error("no hello");
				},
			},
			/^plugin "rude" failed in greet: no hello \(E_PLUGIN, connection #\d+ /,
		],
		[
			"rejects",
			{ name: "rude", greet: () => Promise.reject(new Error("no hello")) },
			/^plugin "rude" failed in greet: no hello \(E_PLUGIN, connection #\d+ /,
		],
		[
			"returns undefined",
			{ name: "rude", greet: () => undefined as never },
			/^plugin "rude" failed in greet: returned undefined; greet returns a string or Uint8Array/,
		],
	];
	for (const [what, plugin, logged] of failing) {
		test(`${what}: logged with the plugin's name, the connection closes, the server goes on`, async () => {
			const logger = recordingLogger();
			const server = await startServer({ port: 0, plugins: [hello, plugin], logger });
			try {
				const client = await connect({ port: server.port });
				client.write("ignored");
				// Like one message through the chain: a failure part-way sends none of it.
				expect(decoder.decode(await client.readAll())).toBe("");
				const errors = logger.lines.filter((line) => line.level === "error");
				expect(errors).toHaveLength(1);
				expect(errors[0]?.message).toMatch(logged);
				const again = await connect({ port: server.port });
				again.close();
			} finally {
				await server.stop();
			}
		});
	}
});

test("UDP datagrams get no greeting (there is no connection to greet)", async () => {
	const server = await startServer({ port: 0, udp: true, plugins: [hello] });
	try {
		const { exchangeDatagram } = await import("../src/index.ts");
		const reply = await exchangeDatagram(new TextEncoder().encode("ping"), {
			port: server.port,
			timeoutMs: 2000,
		});
		expect(decoder.decode(reply ?? new Uint8Array())).toBe("ping");
	} finally {
		await server.stop();
	}
});
