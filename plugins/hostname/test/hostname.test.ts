import { expect, test } from "bun:test";
import { hostname as osHostname } from "node:os";
import { connect, PluginError, startServer } from "@echokit/core";
import { testPlugin } from "@echokit/core/testing";
import hostname from "../src/index.ts";

const decoder = new TextDecoder();

test("greets with the host name and a newline, before the first reply", async () => {
	const t = testPlugin(hostname(), { framing: "lines" });
	await t.send("hi\n");
	expect(t.text).toBe(`${osHostname()}\nhi\n`);
});

test("on a real server: every connection's first line is the host name, then its echo", async () => {
	const server = await startServer({ port: 0, plugins: [hostname()] });
	try {
		for (let i = 0; i < 3; i++) {
			const client = await connect({ port: server.port });
			client.write(`message ${i}`);
			await client.end();
			expect(decoder.decode(await client.readAll())).toBe(`${osHostname()}\nmessage ${i}`);
		}
	} finally {
		await server.stop();
	}
});

test("a silent client still learns the host name", async () => {
	const server = await startServer({ port: 0, plugins: [hostname()] });
	try {
		const client = await connect({ port: server.port });
		const first = await client.read();
		expect(decoder.decode(first ?? new Uint8Array())).toBe(`${osHostname()}\n`);
		client.close();
	} finally {
		await server.stop();
	}
});

test("has no transform: replies keep the engine's zero-cost echo path", () => {
	expect(hostname().transform).toBeUndefined();
});

test("takes no options", () => {
	expect(() => hostname({ name: "x" } as never)).toThrow(
		new PluginError("E_PLUGIN_OPTIONS", 'unknown option "name" (it takes no options)', {
			plugin: "hostname",
			hook: "options",
		}),
	);
});
