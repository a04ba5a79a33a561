/**
 * The plugin contract holds at run time, not only in types: a transform result outside
 * `TransformResult` (a forgotten `return` included) is a plugin error like a throw, and a
 * factory passed where a plugin belongs is refused with a message that says so.
 */
import { describe, expect, test } from "bun:test";
import {
	type AnyPlugin,
	connect,
	definePlugin,
	EchoError,
	PluginError,
	startServer,
} from "../src/index.ts";
import { testPlugin } from "../src/testing.ts";
import { decoder, recordingLogger, waitFor } from "./helpers.ts";

/** A plugin that breaks the contract on the line "bad", passing every other line on. */
function returning(kind: "sync" | "async", value: unknown): AnyPlugin {
	const answer = (text: string) => (text === "bad" ? value : null);
	return {
		name: "forgetful",
		transform:
			kind === "sync"
				? (message) => answer(message.text()) as never
				: async (message) => {
						const text = message.text();
						await Bun.sleep(1);
						return answer(text) as never;
					},
	};
}

describe("a transform result outside TransformResult is a plugin error", () => {
	const cases: [string, unknown, RegExp][] = [
		["undefined", undefined, /returned undefined; .* — is a return missing\?/],
		["a number", 42, /returned 42; a transform returns/],
		["an object", { reply: "x" }, /returned an object; a transform returns/],
		["a boolean", true, /returned true; a transform returns/],
	];
	for (const kind of ["sync", "async"] as const) {
		for (const [shown, value, message] of cases) {
			test(`${kind}, ${shown}: logged once with the plugin's name and the value; replies due go out; only that connection closes`, async () => {
				const logger = recordingLogger();
				const server = await startServer({
					port: 0,
					framing: "lines",
					plugins: [returning(kind, value)],
					logger,
				});
				try {
					const good = await connect({ port: server.port });
					const bad = await connect({ port: server.port });
					bad.write("one\ntwo\nbad\nnever\n");
					expect(decoder.decode(await bad.readAll())).toBe("one\ntwo\n");
					await good.send("still here\n");
					const reply = await good.read();
					expect(decoder.decode(reply ?? new Uint8Array())).toBe("still here\n");
					const errors = logger.lines.filter((line) => line.level === "error");
					expect(errors).toHaveLength(1);
					expect(errors[0]?.message).toStartWith('plugin "forgetful" failed in transform: ');
					expect(errors[0]?.message).toMatch(message);
					expect(errors[0]?.message).toMatch(
						/ \(E_PLUGIN_RESULT, connection #2 127\.0\.0\.1:\d+\)$/,
					);
					good.close();
				} finally {
					await server.stop();
				}
			});
		}
	}

	test("testPlugin shows it too: the connection closes and the log names plugin and value", async () => {
		const t = testPlugin(
			definePlugin({
				name: "forgetful",
				// @ts-expect-error a forgotten return: void is not a TransformResult
				transform: (message) => {
					message.text();
				},
			}),
			{ framing: "lines" },
		);
		await t.send("a\nb\n");
		expect(t.text).toBe("");
		expect(t.closed).toBe(true);
		expect(t.logs).toEqual([
			{
				level: "error",
				message: expect.stringContaining(
					'plugin "forgetful" failed in transform: returned undefined;',
				),
				fields: expect.objectContaining({
					event: "plugin_error",
					code: "E_PLUGIN_RESULT",
					plugin: "forgetful",
					hook: "transform",
				}),
			},
		]);
		await t.send("c\n"); // the server closed: a late read is dropped, as by a real socket
		expect(t.text).toBe("");
	});

	test("testPlugin: send() after end() is a mistake in the test, and says so", async () => {
		const t = testPlugin(returning("sync", null), { framing: "lines" });
		await t.send("a\n");
		await t.end();
		await expect(t.send("b\n")).rejects.toThrow("send() after end()");
		expect(t.text).toBe("a\n");
	});

	test("null still passes on, NO_REPLY still replies nothing: the checks cost no valid result", async () => {
		const t = testPlugin(returning("sync", null), { framing: "lines" });
		await t.send("bad\nok\n");
		expect(t.text).toBe("bad\nok\n");
		expect(t.closed).toBe(false);
	});
});

describe("a factory passed instead of a plugin", () => {
	function uppercase() {
		return definePlugin({ name: "uppercase", transform: (m) => m.text().toUpperCase() });
	}

	test("startServer refuses it, naming the factory and how to call it; nothing listens", async () => {
		const error = await startServer({ port: 0, plugins: [uppercase as never] }).catch((e) => e);
		expect(error).toBeInstanceOf(EchoError);
		expect(error.code).toBe("E_INVALID_OPTION");
		expect(error.message).toBe(
			"plugins[0] is a function (uppercase), not a plugin: call the plugin factory, e.g. uppercase()",
		);
	});

	test("testPlugin refuses it the same way", () => {
		expect(() => testPlugin(uppercase as never)).toThrow(
			/call the plugin factory, e\.g\. uppercase\(\)/,
		);
	});

	test("a hook that is not a function is refused by name", async () => {
		const error = await startServer({
			port: 0,
			plugins: [{ name: "odd", transform: "upper" } as never],
		}).catch((e) => e);
		expect(error.code).toBe("E_INVALID_OPTION");
		expect(error.message).toContain('plugins[0].transform of plugin "odd"');
	});
});

describe("start and stop failures are PluginErrors", () => {
	test("start: rejects with the plugin and hook as data", async () => {
		const error = await startServer({
			port: 0,
			plugins: [{ name: "grumpy", start: () => Promise.reject(new Error("not today")) }],
		}).catch((e) => e);
		expect(error).toBeInstanceOf(PluginError);
		expect(error).toMatchObject({ code: "E_PLUGIN", plugin: "grumpy", hook: "start" });
		expect(error.message).toBe('plugin "grumpy" failed in start: not today');
	});

	test("stop: logged with the plugin's name; stop() still resolves", async () => {
		const logger = recordingLogger();
		const server = await startServer({
			port: 0,
			logger,
			plugins: [
				{
					name: "sulky",
					stop: () => {
						throw new Error("no");
					},
				},
			],
		});
		await server.stop();
		const errors = () => logger.lines.filter((line) => line.level !== "debug");
		await waitFor("the log line", () => errors().length > 0);
		expect(errors()).toEqual([{ level: "error", message: 'plugin "sulky" failed in stop: no' }]);
	});
});

describe("a failure line is one safe line, and the stack is there at debug", () => {
	test("what a client sent, quoted in a plugin's error, cannot forge log lines or colour them", async () => {
		const logger = recordingLogger();
		const parse = definePlugin({
			name: "parse",
			transform: (message) => {
				throw new Error(`not a number: ${message.text()}`);
			},
		});
		const server = await startServer({ port: 0, plugins: [parse], logger });
		try {
			const client = await connect({ port: server.port });
			client.write('abc\nechokit: fake "admin" logged in\n\x1b[2J\x1b[31mred\u2028');
			await client.end();
			await client.readAll();
			await waitFor("the error line", () => logger.lines.some((l) => l.level === "error"));
			const [line] = logger.lines.filter((l) => l.level === "error");
			expect(line?.message).toStartWith(
				'plugin "parse" failed in transform: not a number: abc\\nechokit: fake "admin" logged in\\n\\x1b[2J\\x1b[31mred\\u2028 (E_PLUGIN, connection #1 ',
			);
			expect(line?.message).not.toContain("\n");
			expect(line?.message).not.toContain("\u001b");
		} finally {
			await server.stop();
		}
	});

	test("the thrown error's stack, with the plugin's file and line, is logged at debug", async () => {
		const t = testPlugin(
			definePlugin({
				name: "typo",
				transform: () => {
					const table: Record<string, { reply: string }> = {};
					return (table.missing as { reply: string }).reply;
				},
			}),
		);
		await t.send("x");
		expect(t.logs.map((l) => l.level)).toEqual(["error", "debug"]);
		expect(t.logs[1]?.message).toStartWith("TypeError: ");
		expect(t.logs[1]?.message).toContain("contract.test.ts:");
	});

	test("the stack's message is escaped too: debug output is no way around it", async () => {
		const t = testPlugin({
			name: "parse",
			transform: (message) => {
				throw new Error(`not a number: ${message.text()}`);
			},
		});
		await t.send('a\nplugin "z" failed: FORGED\n\x1b[31mRED');
		const stack = t.logs.find((l) => l.level === "debug")?.message ?? "";
		expect(stack.split("\n")[0]).toBe(
			'Error: not a number: a\\nplugin "z" failed: FORGED\\n\\x1b[31mRED',
		);
		expect(
			stack
				.split("\n")
				.slice(1)
				.every((line) => /^\s+at /.test(line)),
		).toBe(true);
	});
});

test("a thenable that is not a Promise is awaited like one", async () => {
	const t = testPlugin(
		{
			name: "thenable",
			transform: () =>
				({
					// biome-ignore lint/suspicious/noThenProperty: the odd thenable under test.
					then(resolve: (value: string) => void) {
						resolve("T"); // at once, and returning nothing
					},
				}) as never,
		},
		{ framing: "lines" },
	);
	await t.send("a\nb\n");
	expect(t.text).toBe("T\nT\n");
	expect(t.closed).toBe(false);
});

test("testPlugin: each send is a fresh buffer, as a socket read is: a plugin that writes in place leaves the caller's bytes alone", async () => {
	const zero = definePlugin({
		name: "zero",
		transform: ({ bytes, writable }) => (writable ? bytes.fill(0x30) : "not writable"),
	});
	const t = testPlugin(zero);
	const input = new TextEncoder().encode("abc");
	await t.send(input);
	expect(t.text).toBe("000");
	expect(decoder.decode(input)).toBe("abc");
});
