/**
 * `end`: a plugin's flush step (WHATWG Streams TransformStream `flush`) once input is over and
 * every message was answered — its output through the later plugins' transforms, in plugin
 * order, before the server half-closes or closes; not after a failure, a reset or a timeout.
 */
import { describe, expect, test } from "bun:test";
import {
	type AnyPlugin,
	connect,
	definePlugin,
	type EchoServer,
	NO_REPLY,
	type ServerOptions,
	startServer,
} from "../src/index.ts";
import { testPlugin } from "../src/testing.ts";
import { decoder, recordingLogger, stoppedAfterEach, waitFor } from "./helpers.ts";
import { openWebSocket } from "./websocket-client.ts";

const servers = stoppedAfterEach();

async function serve(options: ServerOptions): Promise<EchoServer> {
	const server = await startServer({ port: 0, ...options });
	servers.push(server);
	return server;
}

/** Sends `data`, half-closes, reads to the end: what came back. */
async function exchange(server: EchoServer, data: string): Promise<string> {
	const client = await connect({ port: server.port });
	client.write(data);
	await client.end();
	return decoder.decode(await client.readAll());
}

/**
 * A plugin that wraps each message as `name(…)` (after `ms` milliseconds when `ms` is given),
 * ends with `ending`, and writes what happens to `log`.
 */
function wrapper(
	name: string,
	log: string[],
	ending: string | null | undefined,
	ms?: number,
): AnyPlugin {
	return definePlugin({
		name,
		transform: async (message) => {
			const text = message.text();
			if (ms !== undefined) await Bun.sleep(ms);
			log.push(`${name}.transform ${text}`);
			return `${name}(${text})`;
		},
		...(ending === undefined
			? {}
			: {
					end: () => {
						log.push(`${name}.end`);
						return ending;
					},
				}),
		close: () => {
			log.push(`${name}.close`);
		},
	});
}

const upper = definePlugin({ name: "upper", transform: (m) => m.text().toUpperCase() });

describe("end runs once input is over, after every reply", () => {
	test("once, after the last reply and before the close; its reply comes before EOF", async () => {
		const log: string[] = [];
		const server = await serve({ framing: "lines", plugins: [wrapper("a", log, "bye\n", 5)] });
		expect(await exchange(server, "x\ny\n")).toBe("a(x)\na(y)\nbye\n");
		await waitFor("the close hook", () => log.includes("a.close"));
		expect(log).toEqual(["a.transform x", "a.transform y", "a.end", "a.close"]);
	});

	test("its output passes through the transforms of later plugins, not earlier ones", async () => {
		const log: string[] = [];
		const first = wrapper("first", log, undefined);
		const ender = definePlugin({ name: "ender", end: () => "tail" });
		const server = await serve({ framing: "lines", plugins: [first, ender, upper] });
		expect(await exchange(server, "x\n")).toBe("FIRST(X)\nTAIL");
	});

	test("across three plugins: each end runs in order, through the plugins after it", async () => {
		const log: string[] = [];
		const plugins = [wrapper("a", log, "A!"), wrapper("b", log, "B!"), wrapper("c", log, "C!")];
		const server = await serve({ framing: "lines", plugins });
		expect(await exchange(server, "x\n")).toBe("c(b(a(x)))\nc(b(A!))c(B!)C!");
		await waitFor("the close hooks", () => log.includes("c.close"));
		expect(log.filter((line) => !line.endsWith("close"))).toEqual([
			"a.transform x",
			"b.transform a(x)",
			"c.transform b(a(x))",
			"a.end",
			"b.transform A!",
			"c.transform b(A!)",
			"b.end",
			"c.transform B!",
			"c.end",
		]);
	});

	test("async end, with slow transforms still in flight at the client's FIN", async () => {
		const log: string[] = [];
		const later = definePlugin({
			name: "later",
			async end() {
				await Bun.sleep(20);
				log.push("later.end");
				return NO_REPLY; // nothing from this one
			},
		});
		const slowEnd = definePlugin({
			name: "slow-end",
			async end() {
				await Bun.sleep(20);
				log.push("slow-end.end");
				return new TextEncoder().encode("done\n");
			},
		});
		const plugins = [slowEnd, wrapper("slow", log, null, 10), later];
		const server = await serve({ framing: "lines", plugins });
		const lines = Array.from({ length: 20 }, (_, i) => `m${i}\n`).join("");
		const expected = Array.from({ length: 20 }, (_, i) => `slow(m${i})\n`).join("");
		expect(await exchange(server, lines)).toBe(`${expected}slow(done\n)`);
		expect(log.indexOf("slow-end.end")).toBe(20);
		const ends = ["slow-end.end", "slow.transform done\n", "slow.end", "later.end"];
		expect(log.slice(20, 24)).toEqual(ends);
	});

	test("lines: an unterminated last line is answered first, then end's output, unsplit", async () => {
		const ender = definePlugin({ name: "ender", end: () => "one\ntwo" });
		const server = await serve({ framing: "lines", plugins: [ender, upper] });
		// One more message, not cut into lines: the transform sees it whole, no terminator added.
		expect(await exchange(server, "a\nb")).toBe("A\nBONE\nTWO");
	});

	test("null and NO_REPLY send nothing; a plugin without end changes nothing", async () => {
		const ran: string[] = [];
		const quiet = definePlugin({
			name: "quiet",
			end: () => {
				ran.push("quiet");
				return null;
			},
		});
		const silent = definePlugin({
			name: "silent",
			end: () => {
				ran.push("silent");
				return NO_REPLY;
			},
		});
		const server = await serve({ framing: "lines", plugins: [quiet, silent, upper] });
		expect(await exchange(server, "a\nb")).toBe("A\nB");
		expect(ran).toEqual(["quiet", "silent"]);
		// Only `upper`, which has no end: the same replies, nothing after them.
		expect(await exchange(await serve({ framing: "lines", plugins: [upper] }), "a\nb")).toBe(
			"A\nB",
		);
	});

	test("an end that is not a function is refused like any other hook", async () => {
		const broken = { name: "broken", end: "flush" } as unknown as AnyPlugin;
		await expect(startServer({ port: 0, plugins: [broken] })).rejects.toMatchObject({
			code: "E_INVALID_OPTION",
			message: expect.stringContaining('plugins[0].end of plugin "broken"'),
		});
	});

	test("a graceful stop runs it for a quiet connection, before the FIN", async () => {
		const server = await serve({
			plugins: [definePlugin({ name: "bye", end: () => "bye" })],
		});
		const client = await connect({ port: server.port });
		client.write("hi");
		expect(decoder.decode((await client.read()) as Uint8Array)).toBe("hi");
		const stopped = server.stop({ drainTimeoutMs: 5000, closeTimeoutMs: 5000 });
		expect(decoder.decode(await client.readAll())).toBe("bye");
		await client.end();
		await stopped;
	});
});

describe("a failing end is a plugin error, as a transform's", () => {
	const failing: [string, AnyPlugin, string][] = [
		[
			"throws",
			definePlugin({
				name: "boom",
				end: () => {
					throw new Error("no flush");
				},
			}),
			'plugin "boom" failed in end: no flush',
		],
		[
			"rejects",
			definePlugin({ name: "boom", end: () => Promise.reject(new Error("no flush")) }),
			'plugin "boom" failed in end: no flush',
		],
		[
			"returns undefined",
			{ name: "boom", end: () => undefined as never },
			'plugin "boom" failed in end: returned undefined; end returns a string or Uint8Array',
		],
	];
	for (const [what, plugin, logged] of failing) {
		test(`${what}: logged with plugin and hook, counted, replies due sent, closed`, async () => {
			const logger = recordingLogger();
			const fine = definePlugin({ name: "fine", end: () => "not sent" });
			const server = await serve({ framing: "lines", plugins: [fine, plugin, upper], logger });
			expect(await exchange(server, "a\nb\n")).toBe("A\nB\n");
			const error = logger.lines.find((line) => line.level === "error");
			expect(error?.message).toStartWith(logged);
			expect(logger.events).toContain("error plugin_error");
			expect(server.stats().transports.tcp?.pluginErrors.boom).toBe(1);
			await waitFor("the connection to close", () => server.connections === 0);
		});
	}

	test("a later transform failing on end's output names that transform", async () => {
		const t = testPlugin([
			definePlugin({ name: "ender", end: () => "x" }),
			definePlugin({
				name: "picky",
				transform: (m) => {
					if (m.text() === "x") throw new Error("not x");
					return null;
				},
			}),
		]);
		await t.send("a");
		await t.end();
		expect(t.text).toBe("a");
		expect(t.closed).toBe(true);
		expect(t.logs[0]?.message).toStartWith('plugin "picky" failed in transform: not x');
	});
});

describe("end does not run when input did not end normally", () => {
	/** What the same server sends a client that then half-closes: end did run there. */
	const ENDED_NORMALLY = "a(ok)end";

	test("not after a plugin failure", async () => {
		const log: string[] = [];
		const boom = definePlugin({
			name: "boom",
			transform: (m) => {
				if (m.text() === "a(bad)") throw new Error("bad");
				return null;
			},
		});
		const server = await serve({ plugins: [wrapper("a", log, "end"), boom] });
		expect(await exchange(server, "bad")).toBe("");
		await waitFor("the close hook", () => log.includes("a.close"));
		expect(log).toEqual(["a.transform bad", "a.close"]);
		expect(await exchange(server, "ok")).toBe(ENDED_NORMALLY);
	});

	test("not after a line too long", async () => {
		const log: string[] = [];
		const t = testPlugin(wrapper("a", log, "end"), { framing: "lines", maxLineBytes: 4 });
		await t.send("ok\ntoo long\n");
		await t.end();
		expect(t.text).toBe("a(ok)\n");
		expect(log).toEqual(["a.transform ok", "a.close"]);
		const normal = testPlugin(wrapper("a", log, "end"), { framing: "lines", maxLineBytes: 4 });
		await normal.send("ok");
		await normal.end();
		expect(normal.text).toBe(ENDED_NORMALLY);
	});

	test("not after a reset", async () => {
		const log: string[] = [];
		const server = await serve({ plugins: [wrapper("a", log, "end")] });
		let got = 0;
		const socket = await Bun.connect({
			hostname: "127.0.0.1",
			port: server.port,
			socket: {
				data: (_socket, chunk) => {
					got += chunk.byteLength;
				},
			},
		});
		socket.write("x");
		await waitFor("the reply", () => got > 0);
		socket.terminate();
		await waitFor("the close hook", () => log.includes("a.close"));
		expect(log).toEqual(["a.transform x", "a.close"]);
		expect(await exchange(server, "ok")).toBe(ENDED_NORMALLY);
	});

	test("not after the idle timeout", async () => {
		const log: string[] = [];
		const server = await serve({ plugins: [wrapper("a", log, "end")], idleTimeoutMs: 50 });
		const client = await connect({ port: server.port });
		client.write("x");
		expect(decoder.decode(await client.readAll())).toBe("a(x)");
		await waitFor("the close hook", () => log.includes("a.close"));
		expect(log).toEqual(["a.transform x", "a.close"]);
		expect(await exchange(server, "ok")).toBe(ENDED_NORMALLY);
	});

	test("not when a WebSocket client closes (its Close frame ends both ways)", async () => {
		const log: string[] = [];
		const server = await serve({ plugins: [wrapper("a", log, "end")], webSocket: { port: 0 } });
		const client = await openWebSocket(server.webSocketPort as number);
		client.ws.send("x");
		expect(await client.receive(1)).toEqual(["a(x)"]);
		client.ws.close(1000);
		await client.closed;
		await waitFor("the close hook", () => log.includes("a.close"));
		expect(log).toEqual(["a.transform x", "a.close"]);
		expect(await exchange(server, "ok")).toBe(ENDED_NORMALLY); // the same plugin over TCP
	});

	test("on a WebSocket, a graceful stop runs it: one more message before the Close", async () => {
		const server = await serve({
			plugins: [definePlugin({ name: "bye", end: () => "bye" })],
			webSocket: { port: 0 },
		});
		const client = await openWebSocket(server.webSocketPort as number);
		client.ws.send("hi");
		await client.receive(1);
		await server.stop({ drainTimeoutMs: 5000, closeTimeoutMs: 5000 });
		expect((await client.closed).code).toBe(1001);
		expect(client.received).toEqual(["hi", "bye"]);
	});
});

describe("testPlugin", () => {
	test("t.end() runs the end hooks and waits for an async one", async () => {
		const t = testPlugin(
			definePlugin({
				name: "later",
				async end() {
					await Bun.sleep(10);
					return "flushed";
				},
			}),
		);
		await t.send("a");
		expect(t.text).toBe("a");
		await t.end();
		expect(t.text).toBe("aflushed");
		expect(t.closed).toBe(true);
	});
});
