import { expect, test } from "bun:test";
import { type ConnectionInfo, connect, type Logger, startServer } from "@echokit/core";
import { testPlugin } from "@echokit/core/testing";
import logOnly from "../src/index.ts";

test("replies nothing and logs each message at info level", async () => {
	const t = testPlugin(logOnly());
	await t.send("hello");
	await t.send("world");
	await t.end();
	expect(t.bytes.byteLength).toBe(0);
	expect(t.logs).toEqual([
		{ level: "info", message: "message from 127.0.0.1:40000 (#1): hello" },
		{ level: "info", message: "message from 127.0.0.1:40000 (#1): world" },
	]);
	expect(t.closed).toBe(true);
});

test("lines framing: not even a newline is sent back", async () => {
	const t = testPlugin(logOnly(), { framing: "lines" });
	await t.send("one\ntwo\n");
	expect(t.bytes.byteLength).toBe(0);
	expect(t.logs.map((line) => line.message.split(": ")[1])).toEqual(["one", "two"]);
});

test("control characters are escaped", async () => {
	const t = testPlugin(logOnly());
	await t.send("a\tb\r\n\x1b[31mred\\\u2028");
	expect(t.logs[0]?.message).toEndWith(": a\\tb\\r\\n\\x1b[31mred\\\\\\u2028");
});

test("a long message is shortened with its byte count, never mid-character", async () => {
	const t = testPlugin(logOnly());
	await t.send(`${"x".repeat(199)}é${"y".repeat(800)}`);
	expect(t.logs[0]?.message).toEndWith(`: ${"x".repeat(199)}… (1001 bytes)`);
});

test("record gets the full text and the connection", async () => {
	const seen: [string, ConnectionInfo][] = [];
	const t = testPlugin(logOnly({ record: (text, connection) => seen.push([text, connection]) }));
	const long = "z".repeat(1000);
	await t.send(long);
	expect(seen.length).toBe(1);
	expect(seen[0]?.[0]).toBe(long);
	expect(seen[0]?.[1]).toMatchObject({ id: 1, remoteAddress: "127.0.0.1", remotePort: 40000 });
});

test("real socket: the client gets 0 bytes and the server's logger has the message", async () => {
	const lines: string[] = [];
	const logger: Logger = { debug() {}, info: (line) => lines.push(line), warn() {}, error() {} };
	const server = await startServer({ port: 0, logger, plugins: [logOnly()] });
	try {
		const client = await connect({ port: server.port });
		await client.send("hello");
		await client.end();
		expect((await client.readAll()).byteLength).toBe(0);
		expect(lines).toHaveLength(1);
		expect(lines[0]).toMatch(/^message from 127\.0\.0\.1:\d+ \(#1\): hello$/);
	} finally {
		await server.stop();
	}
});
