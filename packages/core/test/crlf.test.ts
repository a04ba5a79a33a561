/**
 * `lines` framing with CRLF (telnet, Windows tools, most line protocols): a line ends at `\n`
 * with an optional `\r` before it; the message excludes that terminator and its reply ends with
 * the same one. A `\r` anywhere else is part of the line. The property tests (framing,
 * line-limit) cover random mixes and cuts; these are the cases by name.
 */
import { describe, expect, test } from "bun:test";
import { connect, definePlugin, startServer } from "../src/index.ts";
import { testPlugin } from "../src/testing.ts";
import { decoder } from "./helpers.ts";

/** Replies `PONG` to `PING` and `?` to anything else, comparing the text as a plugin would. */
const pingPong = definePlugin({
	name: "ping-pong",
	transform: (message) => (message.text() === "PING" ? "PONG" : "?"),
});

/** Replies each message's characters reversed: a terminator left in would come out first. */
const reverse = (mode: "sync" | "async") =>
	definePlugin({
		name: `reverse-${mode}`,
		transform:
			mode === "sync"
				? (message) => [...message.text()].reverse().join("")
				: async (message) => {
						const text = message.text();
						await Bun.sleep(1);
						return [...text].reverse().join("");
					},
	});

/** Records each message's text. */
function recorder(seen: string[]) {
	return definePlugin({
		name: "record",
		transform(message) {
			seen.push(message.text());
			return null;
		},
	});
}

describe("lines framing with CRLF, through testPlugin", () => {
	test("a CRLF line reaches the plugin without its \\r, and the reply ends with \\r\\n", async () => {
		const t = testPlugin(pingPong, { framing: "lines" });
		await t.send("PING\r\n");
		expect(t.text).toBe("PONG\r\n");
	});

	test("LF and CRLF lines mixed: each reply ends with the terminator its own line came with", async () => {
		for (const mode of ["sync", "async"] as const) {
			const t = testPlugin(reverse(mode), { framing: "lines" });
			await t.send("abc\r\nde\nf\r\n\r\n\n");
			await t.end();
			expect(t.text).toBe("cba\r\ned\nf\r\n\r\n\n");
		}
	});

	test("the \\r at the end of one read and the \\n at the start of the next are one terminator", async () => {
		for (const mode of ["sync", "async"] as const) {
			const t = testPlugin(reverse(mode), { framing: "lines" });
			await t.send("ab\r");
			expect(t.text).toBe(""); // not a line end yet: the next read decides
			await t.send("\ncd\r");
			await t.send("\n");
			expect(t.text).toBe("ba\r\ndc\r\n");
		}
	});

	test("a \\r inside a line, or several before the \\n, stays part of the message (only one is the terminator's)", async () => {
		const seen: string[] = [];
		const t = testPlugin(recorder(seen), { framing: "lines" });
		await t.send("a\rb\r\nc\r\r\n\rd\n");
		expect(seen).toEqual(["a\rb", "c\r", "\rd"]);
		expect(t.text).toBe("a\rb\r\nc\r\r\n\rd\n");
	});

	test("a lone \\r at the end of input is part of the unterminated last line, answered without a terminator", async () => {
		for (const mode of ["sync", "async"] as const) {
			const t = testPlugin(reverse(mode), { framing: "lines" });
			await t.send("ok\r\nlast\r");
			await t.end();
			expect(t.text).toBe("ko\r\n\rtsal");
			expect(t.closed).toBe(true);
		}
	});

	test("an async transform holding later lines back keeps each line's terminator", async () => {
		const seen: string[] = [];
		const slowFirst = definePlugin({
			name: "slow-first",
			async transform(message) {
				const text = message.text();
				if (seen.push(text) === 1) await Bun.sleep(20);
				return text.toUpperCase();
			},
		});
		const t = testPlugin(slowFirst, { framing: "lines" });
		const first = t.send("one\r\ntwo\n");
		await t.send("three\r");
		await t.send("\nfour");
		await first;
		await t.end();
		expect(seen).toEqual(["one", "two", "three", "four"]);
		expect(t.text).toBe("ONE\r\nTWO\nTHREE\r\nFOUR");
	});
});

describe("lines framing with CRLF, over a real socket", () => {
	test("a telnet-style client gets its answers in CRLF, with and without transforms", async () => {
		const withPlugin = await startServer({ port: 0, framing: "lines", plugins: [pingPong] });
		const echo = await startServer({ port: 0, framing: "lines" });
		try {
			const client = await connect({ port: withPlugin.port });
			client.write("PING\r");
			await Bun.sleep(5); // the \n in a later segment
			client.write("\nPING\nnope\r\n");
			await client.end();
			expect(decoder.decode(await client.readAll())).toBe("PONG\r\nPONG\n?\r\n");

			const plain = await connect({ port: echo.port });
			plain.write("PING\r\nPING\n");
			await plain.end();
			expect(decoder.decode(await plain.readAll())).toBe("PING\r\nPING\n");
		} finally {
			await Promise.all([withPlugin.stop(), echo.stop()]);
		}
	});
});
