/**
 * WebSocket conformance (issue 11, item 5): the real server — core's `startServer` in-process,
 * the `echo-server` command where its behaviour is the point — talked to with an independent,
 * well-kept client, the `ws` package (tests/fixtures/ws-package.ts): fragmentation, ping/pong,
 * the close handshake and its codes (RFC 6455 §5.4, §5.5, §7.4.1, §8.1), text and binary kept
 * apart, a failing plugin closing only its own WebSocket. Load and memory: the -load file.
 */
import { afterEach, describe, expect, test } from "bun:test";
import { definePlugin } from "@echokit/core";
import { killAll, ServerProcess } from "./fixtures/server/harness.ts";
import { openWs, serve, shown, stopServers } from "./fixtures/ws-package.ts";

afterEach(async () => {
	killAll();
	await stopServers();
});

/** A plugin that records each message it is given, as text, and echoes it. */
function recorder() {
	const seen: string[] = [];
	const plugin = definePlugin({
		name: "recorder",
		transform: (message) => {
			seen.push(message.text());
			return null;
		},
	});
	return { seen, plugin };
}

describe("messages", () => {
	test("text comes back as text and binary as binary, byte for byte", async () => {
		const { url } = await serve();
		const client = await openWs(url);
		client.ws.send("héllo 👍");
		client.ws.send(Buffer.from([0, 0xff, 0xc3]));
		client.ws.send("");
		client.ws.send(Buffer.alloc(0));
		expect((await client.receive(4)).map(shown)).toEqual([
			{ text: "héllo 👍" },
			{ binary: "00ffc3" },
			{ text: "" },
			{ binary: "" },
		]);
		client.ws.close();
	});

	test("a fragmented message is one plugin message, echoed as one message; a ping between its fragments is answered", async () => {
		const { seen, plugin } = recorder();
		const { url } = await serve({ plugins: [plugin] });
		const client = await openWs(url);
		client.ws.send("Hel", { fin: false });
		client.ws.ping("mid-message"); // a control frame may come between fragments (§5.4)
		client.ws.send("lo, ", { fin: false });
		client.ws.send("world", { fin: true });
		// "é" split across two fragments: UTF-8 is checked on the whole message, not per fragment.
		client.ws.send(Buffer.from([0x63, 0x61, 0x66, 0xc3]), { binary: false, fin: false });
		client.ws.send(Buffer.from([0xa9]), { binary: false, fin: true });
		client.ws.send(Buffer.from([1, 2]), { binary: true, fin: false });
		client.ws.send(Buffer.from([3]), { binary: true, fin: true });
		expect((await client.receive(3)).map(shown)).toEqual([
			{ text: "Hello, world" },
			{ text: "café" },
			{ binary: "010203" },
		]);
		expect(seen).toEqual(["Hello, world", "café", "\x01\x02\x03"]);
		expect(client.pongs.map(String)).toEqual(["mid-message"]);
		client.ws.close();
	});

	test("a ping is answered with a pong carrying its payload", async () => {
		const { url } = await serve();
		const client = await openWs(url);
		const payload = Buffer.from([0, 1, 2, 250, 251, 252, ...Buffer.from("ping!")]);
		client.ws.ping(payload);
		client.ws.ping(); // an empty payload is answered with an empty one
		const deadline = Date.now() + 10_000;
		while (client.pongs.length < 2 && Date.now() < deadline) await Bun.sleep(2);
		expect(client.pongs.map((pong) => pong.toString("hex"))).toEqual([payload.toString("hex"), ""]);
		client.ws.close();
	});
});

describe("the close handshake (RFC 6455 §7.4.1 codes)", () => {
	test("1000: the client closes, the server answers 1000", async () => {
		const { server, url } = await serve();
		const client = await openWs(url);
		client.ws.send("last");
		await client.receive(1);
		client.ws.close(1000, "bye");
		// Bun echoes the client's code and reason, as §5.5.1 says an endpoint typically does.
		expect(await client.closed).toEqual({ code: 1000, reason: "bye" });
		await Bun.sleep(0);
		expect(server.stats().transports.websocket?.connections).toBe(0);
	});

	test("1001 on stop, after every reply owed: N messages in flight through a slow plugin all come back first", async () => {
		const slow = definePlugin({
			name: "slow",
			transform: async (message) => {
				await Bun.sleep(20);
				return message.text().toUpperCase();
			},
		});
		const { server, url } = await serve({ plugins: [slow] });
		const client = await openWs(url);
		const count = 20;
		for (let i = 0; i < count; i++) client.ws.send(`message ${i}`);
		const stats = () => server.stats().transports.websocket;
		const deadline = Date.now() + 10_000;
		while ((stats()?.messages ?? 0) < count && Date.now() < deadline) await Bun.sleep(2);
		expect(client.received.length).toBeLessThan(count); // the stop comes while replies are owed
		const stopped = server.stop({ drainTimeoutMs: 20_000 });
		const closed = await client.closed;
		await stopped;
		expect(closed.code).toBe(1001);
		expect(client.received.map(shown)).toEqual(
			Array.from({ length: count }, (_, i) => ({ text: `MESSAGE ${i}` })),
		);
	});

	test("1009: a message over maxLineBytes, even when each fragment is under it; one at the limit is echoed", async () => {
		const { url } = await serve({ maxLineBytes: 1000 });
		const atLimit = await openWs(url);
		atLimit.ws.send(Buffer.alloc(1000, 0x61));
		expect((await atLimit.receive(1))[0]?.data.byteLength).toBe(1000);
		const whole = await openWs(url);
		whole.ws.send(Buffer.alloc(1001));
		expect((await whole.closed).code).toBe(1009);
		const fragmented = await openWs(url);
		fragmented.ws.send(Buffer.alloc(600), { fin: false });
		fragmented.ws.send(Buffer.alloc(600), { fin: true });
		expect((await fragmented.closed).code).toBe(1009);
		atLimit.ws.close();
	});

	test("1007: a text message that is not UTF-8 (sent unchecked as a text frame); other clients go on", async () => {
		const { url } = await serve();
		const other = await openWs(url);
		const client = await openWs(url);
		// `binary: false` sends the bytes as a text frame; ws checks UTF-8 only on receipt.
		client.ws.send(Buffer.from([0x48, 0x69, 0xff, 0xfe]), { binary: false });
		expect((await client.closed).code).toBe(1007);
		other.ws.send("still here");
		expect((await other.receive(1)).map(shown)).toEqual([{ text: "still here" }]);
		other.ws.close();
	});

	test("1011: a plugin that throws closes only its WebSocket, after the replies already due", async () => {
		const boom = definePlugin({
			name: "boom",
			transform(message) {
				if (message.text() === "boom") throw new Error("kaput");
				return null;
			},
		});
		const { server, url } = await serve({ plugins: [boom] });
		const other = await openWs(url);
		const client = await openWs(url);
		other.ws.send("before");
		client.ws.send("one");
		client.ws.send("boom");
		client.ws.send("never echoed");
		expect((await client.closed).code).toBe(1011);
		expect(client.received.map(shown)).toEqual([{ text: "one" }]);
		for (const text of ["after", "and after"]) other.ws.send(text);
		expect((await other.receive(3)).map(shown)).toEqual([
			{ text: "before" },
			{ text: "after" },
			{ text: "and after" },
		]);
		expect(server.stats().transports.websocket?.connections).toBe(1);
		other.ws.close(1000);
		expect((await other.closed).code).toBe(1000);
	});
});

describe("echo-server --ws-port (the command)", () => {
	async function start(args: string[]) {
		const server = new ServerProcess(["--port", "0", "--ws-port", "0", ...args]);
		const match = await server.waitFor(/WebSocket on (ws:\/\/127\.0\.0\.1:\d+\/)/);
		return { server, url: match[1] as string };
	}

	test("SIGTERM with 10 replies owed (--plugin delay): all 10 arrive, then 1001; exit 0", async () => {
		const { server, url } = await start(["--plugin", "delay:ms=50"]);
		const client = await openWs(url);
		for (let i = 0; i < 10; i++) client.ws.send(`m${i}`);
		await server.waitFor(/Data received: m9\n/);
		expect(client.received.length).toBeLessThan(10);
		server.signal("SIGTERM");
		expect((await client.closed).code).toBe(1001);
		expect(client.received.map(shown)).toEqual(
			Array.from({ length: 10 }, (_, i) => ({ text: `m${i}` })),
		);
		expect(await server.exited()).toBe(0);
	});

	test("--framing lines does not split a WebSocket message: three lines are one message, one reply", async () => {
		const { url } = await start(["--quiet", "--framing", "lines", "--plugin", "uppercase"]);
		const client = await openWs(url);
		client.ws.send("a\nb\r\nc");
		client.ws.send("d");
		// Split into lines, the first two replies would be "A" and "B".
		await client.receive(2);
		expect(client.received.map(shown)).toEqual([{ text: "A\nB\r\nC" }, { text: "D" }]);
	});

	test("--max-message-bytes 64: a 65-byte message closes with 1009; 64 bytes are echoed", async () => {
		const { url } = await start(["--quiet", "--max-message-bytes", "64"]);
		const client = await openWs(url);
		client.ws.send("x".repeat(64));
		expect((await client.receive(1)).map(shown)).toEqual([{ text: "x".repeat(64) }]);
		client.ws.send("x".repeat(65));
		expect((await client.closed).code).toBe(1009);
	});
});
