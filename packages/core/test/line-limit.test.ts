/**
 * `lines` framing's maximum line length: a longer line closes the connection with a warning,
 * after every complete line before it was answered. On the transform path no byte of the long
 * line comes back; on the echo path (no transforms) bytes stream back as they arrive, so up to
 * `maxLineBytes` of it (and a `\r` that might have begun its CRLF) may precede the close.
 */
import { describe, expect, test } from "bun:test";
import fc from "fast-check";
import { connect, definePlugin, startServer } from "../src/index.ts";
import { testPlugin } from "../src/testing.ts";
import { cut, decoder, framesOf, recordingLogger } from "./helpers.ts";

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

/**
 * The limit counts a line without its terminator (`\n` or `\r\n`), also when the `\r` and the
 * `\n` arrive in different reads. A `\r` at the end of what has arrived may be the first half of
 * a CRLF, so it never counts; that includes an unterminated last line ending in `\r`.
 */
describe("maximum line length with CRLF and LF lines", () => {
	/** Lines of `a`s ending in LF or CRLF, stray `\r`s, a limit, and arbitrary cuts. */
	const caseArb = fc
		.record({
			max: fc.integer({ min: 1, max: 6 }),
			bytes: fc
				.array(fc.constantFrom([CR, LF], [LF], [CR], [A], [A], [A], [A]), { maxLength: 60 })
				.map((values) => Uint8Array.from(values.flat())),
		})
		.chain(({ max, bytes }) =>
			fc
				.uniqueArray(fc.integer({ min: 1, max: Math.max(1, bytes.byteLength - 1) }), {
					maxLength: 12,
				})
				.map((cuts) => ({ max, bytes, pieces: cut(bytes, cuts) })),
		);

	test("transform path: every line up to the first too long is answered with its terminator, then close", async () => {
		await fc.assert(
			fc.asyncProperty(caseArb, async ({ max, bytes, pieces }) => {
				const t = testPlugin(identity, { framing: "lines", maxLineBytes: max });
				for (const piece of pieces) await t.send(piece);
				await t.end();
				const { answered, tooLong } = limitModel(bytes, max);
				expect(hex(t.bytes)).toBe(hex(bytes.subarray(0, answered)));
				expect(t.closed).toBe(true);
				expect(t.logs.some((l) => l.message.includes("E_LINE_TOO_LONG"))).toBe(tooLong);
			}),
			{ numRuns: 500 },
		);
	});

	test("echo path: the lines before the first too long come back, at most max bytes (+ a \\r) of it, then close", async () => {
		await fc.assert(
			fc.asyncProperty(caseArb, async ({ max, bytes, pieces }) => {
				const t = testPlugin([], { framing: "lines", maxLineBytes: max });
				for (const piece of pieces) await t.send(piece);
				await t.end();
				const { answered, tooLong } = limitModel(bytes, max);
				expect(hex(bytes.subarray(0, t.bytes.byteLength))).toBe(hex(t.bytes));
				if (!tooLong) expect(t.bytes.byteLength).toBe(bytes.byteLength);
				else {
					expect(t.bytes.byteLength).toBeGreaterThanOrEqual(answered);
					const ofLong = t.bytes.subarray(answered);
					expect(ofLong.byteLength - (ofLong.at(-1) === CR ? 1 : 0)).toBeLessThanOrEqual(max);
					expect(ofLong.indexOf(LF)).toBe(-1);
				}
				expect(t.closed).toBe(true);
				expect(t.logs.some((l) => l.message.includes("E_LINE_TOO_LONG"))).toBe(tooLong);
			}),
			{ numRuns: 500 },
		);
	});

	test("a CRLF line of exactly maxLineBytes is accepted on both paths (its \\r and \\n in separate reads too), one byte more is not", async () => {
		for (const plugins of [[], [identity]]) {
			for (const pieces of [
				["12345678\r\n"],
				["12345678\r", "\n"],
				["1234", "5678\r", "\nab\r\n"],
			]) {
				const t = testPlugin(plugins, { framing: "lines", maxLineBytes: MAX });
				for (const piece of pieces) await t.send(piece);
				await t.end();
				expect(t.text).toBe(pieces.join(""));
				expect(t.logs).toHaveLength(0);
			}
			// One byte more before the CRLF, or a \r inside the line, is too long.
			for (const pieces of [["123456789\r\n"], ["1234567\r8\n"], ["12345678\r", "x\n"]]) {
				const t = testPlugin(plugins, { framing: "lines", maxLineBytes: MAX });
				await t.send("ok\r\n");
				for (const piece of pieces) await t.send(piece);
				expect(t.closed).toBe(true);
				expect(t.logs.some((l) => l.message.includes("E_LINE_TOO_LONG"))).toBe(true);
				if (plugins.length > 0) expect(t.text).toBe("ok\r\n");
			}
		}
	});
});

/**
 * What the limit allows, from the model of `lines` framing: how many bytes of the input the
 * lines before the first too-long one take, and whether there is one.
 */
function limitModel(bytes: Uint8Array, max: number): { answered: number; tooLong: boolean } {
	let answered = 0;
	for (const { message, terminator } of framesOf(bytes)) {
		const counted = message.byteLength - (terminator.length === 0 && message.at(-1) === CR ? 1 : 0);
		if (counted > max) return { answered, tooLong: true };
		answered += message.byteLength + terminator.length;
	}
	return { answered, tooLong: false };
}

function hex(bytes: Uint8Array): string {
	return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("hex");
}

const LF = 0x0a;
const CR = 0x0d;
const A = 0x61;
