import { expect, test } from "bun:test";
import { randomBytes } from "node:crypto";
import { connect, startServer } from "@echokit/core";
import { testPlugin } from "@echokit/core/testing";
import echo from "../src/index.ts";

test("is named echo and has no transform, so the engine takes its zero-cost path", () => {
	const plugin = echo();
	expect(plugin.name).toBe("echo");
	expect(plugin.transform).toBeUndefined();
});

test("raw framing: every byte comes back unchanged, invalid UTF-8 included", async () => {
	const t = testPlugin(echo());
	await t.send(Uint8Array.of(0x68, 0xc3));
	await t.send(Uint8Array.of(0xff, 0x00, 0x0a));
	await t.end();
	expect([...t.bytes]).toEqual([0x68, 0xc3, 0xff, 0x00, 0x0a]);
	expect(t.closed).toBe(true);
});

test("lines framing: lines come back as sent, however they were split", async () => {
	const t = testPlugin(echo(), { framing: "lines" });
	await t.send("one\ntw");
	await t.send("o\nthree");
	await t.end();
	expect(t.text).toBe("one\ntwo\nthree");
});

test("real socket: 1 MiB of random bytes comes back identical", async () => {
	const server = await startServer({ port: 0, plugins: [echo()] });
	try {
		const client = await connect({ port: server.port });
		const data = randomBytes(1024 * 1024);
		const reply = client.readAll();
		await client.send(data);
		await client.end();
		const received = await reply;
		expect(received.byteLength).toBe(data.byteLength);
		expect(Buffer.compare(received, data)).toBe(0);
	} finally {
		await server.stop();
	}
});
