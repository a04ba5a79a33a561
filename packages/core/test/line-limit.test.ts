/**
 * `lines` framing's maximum line length: a longer line closes the connection with a warning,
 * after every complete line before it was answered. On the transform path no byte of the long
 * line comes back; on the echo path (no transforms) bytes stream back as they arrive, so up to
 * `maxLineBytes` of it may precede the close.
 */
import { describe, expect, test } from "bun:test";
import fc from "fast-check";
import { connect, definePlugin, startServer } from "../src/index.ts";
import { testPlugin } from "../src/testing.ts";
import { decoder, recordingLogger } from "./helpers.ts";

const MAX = 8;
const identity = definePlugin({ name: "identity", transform: () => null });
const before = "ok\n12345678\n\n"; // complete lines within the limit, the second exactly MAX bytes
const input = `${before}${"x".repeat(20)}\nnever\n`;

/** `input` cut at arbitrary points into non-empty pieces. */
const splitInput = fc
	.uniqueArray(fc.integer({ min: 1, max: input.length - 1 }), { maxLength: 10 })
	.map((cuts) => {
		const points = [0, ...cuts.sort((a, b) => a - b), input.length];
		return points.slice(1).map((end, i) => input.slice(points[i], end));
	});

describe("maximum line length", () => {
	test("transform path: complete lines before the long one are answered, nothing of it, then close", async () => {
		await fc.assert(
			fc.asyncProperty(splitInput, async (pieces) => {
				const t = testPlugin(identity, { framing: "lines", maxLineBytes: MAX });
				for (const piece of pieces) await t.send(piece);
				expect(t.text).toBe(before);
				expect(t.closed).toBe(true);
				expect(
					t.logs.some((l) => l.level === "warn" && l.message.includes("E_LINE_TOO_LONG")),
				).toBe(true);
			}),
			{ numRuns: 200 },
		);
	});

	test("echo path: the complete lines come back, then at most maxLineBytes of the long line, then close", async () => {
		await fc.assert(
			fc.asyncProperty(splitInput, async (pieces) => {
				const t = testPlugin([], { framing: "lines", maxLineBytes: MAX });
				for (const piece of pieces) await t.send(piece);
				expect(t.text.startsWith(before)).toBe(true);
				expect(input.startsWith(t.text)).toBe(true);
				expect(t.text.length - before.length).toBeLessThanOrEqual(MAX);
				expect(t.closed).toBe(true);
			}),
			{ numRuns: 200 },
		);
	});

	test("a line of exactly maxLineBytes is accepted, also as an unterminated last line", async () => {
		for (const plugins of [[], [identity]]) {
			const t = testPlugin(plugins, { framing: "lines", maxLineBytes: MAX });
			await t.send("1234");
			await t.send("5678\n8765");
			await t.send("4321");
			await t.end();
			expect(t.text).toBe("12345678\n87654321");
			expect(t.logs).toHaveLength(0);
		}
	});

	test("over a real socket: the client gets the lines before, then EOF; the server logs and carries on", async () => {
		const logger = recordingLogger();
		const server = await startServer({
			port: 0,
			framing: "lines",
			maxLineBytes: MAX,
			plugins: [identity],
			logger,
		});
		try {
			const offender = await connect({ port: server.port });
			offender.write(input);
			expect(decoder.decode(await offender.readAll())).toBe(before);
			expect(
				logger.lines.some((l) => l.level === "warn" && l.message.includes("E_LINE_TOO_LONG")),
			).toBe(true);
			const next = await connect({ port: server.port });
			next.write("fine\n");
			await next.end();
			expect(decoder.decode(await next.readAll())).toBe("fine\n");
		} finally {
			await server.stop();
		}
	});
});
