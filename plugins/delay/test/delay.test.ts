import { describe, expect, test } from "bun:test";
import { connect, PluginError, startServer } from "@echokit/core";
import { testPlugin } from "@echokit/core/testing";
import delay from "../src/index.ts";

// Delays are checked only from below: a busy machine can make a reply later, never earlier.

test("each reply waits at least ms, in order; the bytes are unchanged", async () => {
	const t = testPlugin(delay({ ms: 30 }), { framing: "lines" });
	const started = performance.now();
	await t.send("one\ntwo\nthree\n");
	expect(t.text).toBe("one\ntwo\nthree\n");
	// One after another: three replies take three delays.
	expect(performance.now() - started).toBeGreaterThanOrEqual(3 * 30 - 2);
});

test("command-line strings work: delay({ ms: '20', jitter: '10' }) waits 10 to 30 ms per reply", async () => {
	const t = testPlugin(delay({ ms: "20", jitter: "10" }), { framing: "lines" });
	const started = performance.now();
	await t.send("a\nb\nc\nd\n");
	expect(t.text).toBe("a\nb\nc\nd\n");
	expect(performance.now() - started).toBeGreaterThanOrEqual(4 * 10 - 2);
});

test("ms=0 without jitter is plain echo: no transform at all", () => {
	expect(delay({ ms: 0 }).transform).toBeUndefined();
	expect(delay({ ms: 0, jitter: 5 }).transform).toBeFunction();
});

test("the default is one second", async () => {
	const t = testPlugin(delay());
	const started = performance.now();
	await t.send("x");
	expect(t.text).toBe("x");
	expect(performance.now() - started).toBeGreaterThanOrEqual(998);
});

describe("options are checked, naming the plugin and the option", () => {
	const refused: [string, object, string][] = [
		["a negative ms", { ms: -5 }, "invalid option ms=-5: expected a number from 0 to 3600000"],
		["a word for ms", { ms: "soon" }, 'invalid option ms="soon"'],
		["an unknown option", { msec: 5 }, 'unknown option "msec" (known options: ms, jitter)'],
	];
	for (const [what, options, message] of refused) {
		test(what, () => {
			let error: unknown;
			try {
				delay(options as never);
			} catch (thrown) {
				error = thrown;
			}
			expect(error).toBeInstanceOf(PluginError);
			expect(error).toMatchObject({ code: "E_PLUGIN_OPTIONS", plugin: "delay" });
			expect((error as Error).message).toStartWith(`plugin "delay": ${message}`);
		});
	}
});

test("a fast sender: every byte back in order, and the bytes held meanwhile stay bounded", async () => {
	const highWaterMark = 64 * 1024;
	const server = await startServer({ port: 0, plugins: [delay({ ms: 2 })], highWaterMark });
	try {
		const data = new Uint8Array(8 * 1024 * 1024).map((_, i) => (i * 7919) % 251);
		const client = await connect({ port: server.port });
		client.write(data);
		await client.end();
		const received = await client.readAll();
		expect(Buffer.from(received).equals(data)).toBe(true);
		const stats = server.stats();
		// Reading paused while replies waited; what was held never exceeded the mark by more
		// than one socket read (Bun reads at most 512 KiB at once here).
		expect(stats.pauses).toBeGreaterThan(0);
		expect(stats.peakInboxBytes).toBeGreaterThan(0);
		expect(stats.peakInboxBytes).toBeLessThanOrEqual(highWaterMark + 512 * 1024);
	} finally {
		await server.stop();
	}
});
