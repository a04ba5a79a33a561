/**
 * Framing is independent of how the stream is cut: any byte sequence, split at any points,
 * comes back as the same bytes in `raw` framing and as the same lines in `lines` framing, where
 * a line ends at `\n` or `\r\n` (the message without it, the reply with the same one).
 * First through `testPlugin` (the same Connection code on a fake socket, one `send` = one read)
 * with many runs, then through a real server on port 0 with fewer.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import fc from "fast-check";
import { connect, definePlugin, type EchoServer, startServer } from "../src/index.ts";
import { testPlugin } from "../src/testing.ts";
import { cut, framesOf } from "./helpers.ts";

const NEWLINE = 0x0a;
const CR = 0x0d;

/**
 * Bytes: uniformly random, rich in `\n` (and so in short and empty lines), or a mix of LF and
 * CRLF lines with stray `\r`s (in a line, doubled before `\n`, at the very end).
 */
const bytesArb = fc.oneof(
	fc.uint8Array({ maxLength: 3000 }),
	fc
		.array(
			fc.oneof(
				{ weight: 1, arbitrary: fc.constant(NEWLINE) },
				{ weight: 5, arbitrary: fc.integer({ min: 0, max: 255 }) },
			),
			{ maxLength: 600 },
		)
		.map((values) => Uint8Array.from(values)),
	fc
		.array(
			fc.oneof(
				{ weight: 2, arbitrary: fc.constant([CR, NEWLINE]) },
				{ weight: 2, arbitrary: fc.constant([NEWLINE]) },
				{ weight: 1, arbitrary: fc.constant([CR]) },
				{ weight: 6, arbitrary: fc.constantFrom([0x61], [0x62], [0x20], [0xf0, 0x9f, 0x91, 0x8d]) },
			),
			{ maxLength: 400 },
		)
		.map((values) => Uint8Array.from(values.flat())),
);

/** A byte sequence and the non-empty pieces it is cut into at arbitrary points (a read is never empty). */
const splitArb = bytesArb.chain((bytes) =>
	fc
		.uniqueArray(fc.integer({ min: 0, max: bytes.byteLength }), { maxLength: 24 })
		.map((cuts) => ({ bytes, pieces: cut(bytes, cuts) })),
);

/** A plugin that records every message it sees and passes it on unchanged. */
function recorder(seen: Uint8Array[], mode: "sync" | "async" = "sync") {
	return definePlugin({
		name: `record-${mode}`,
		transform:
			mode === "sync"
				? (message) => {
						seen.push(message.bytes); // documented to stay valid after the transform
						return null;
					}
				: async (message) => {
						const { bytes } = message; // read during the transform, keep after
						await null;
						seen.push(bytes);
						return null;
					},
	});
}

/** A plugin that replies each message's bytes reversed, after a tick in `async` mode. */
function reverser(mode: "sync" | "async" = "sync") {
	return definePlugin({
		name: `reverse-${mode}`,
		transform:
			mode === "sync"
				? (message) => message.bytes.toReversed()
				: async (message) => {
						const reversed = message.bytes.toReversed();
						await null;
						return reversed;
					},
	});
}

describe("framing through testPlugin (same connection code, fake socket)", () => {
	test("raw, no plugin: the same bytes back, whatever the cuts", async () => {
		await fc.assert(
			fc.asyncProperty(splitArb, async ({ bytes, pieces }) => {
				const t = testPlugin([]);
				for (const piece of pieces) await t.send(piece);
				await t.end();
				expect(hex(t.bytes)).toBe(hex(bytes));
				expect(t.closed).toBe(true);
			}),
			{ numRuns: 400 },
		);
	});

	test("raw, identity transform: the same bytes back, and each read is one message", async () => {
		await fc.assert(
			fc.asyncProperty(splitArb, async ({ bytes, pieces }) => {
				const seen: Uint8Array[] = [];
				const t = testPlugin(recorder(seen));
				for (const piece of pieces) await t.send(piece);
				await t.end();
				expect(hex(t.bytes)).toBe(hex(bytes));
				expect(seen.map(hex)).toEqual(pieces.map(hex));
			}),
			{ numRuns: 400 },
		);
	});

	test("lines, sync identity transform: the same lines, each reply + its own terminator (\\n or \\r\\n), an unterminated last line without", async () => {
		await fc.assert(
			fc.asyncProperty(splitArb, async ({ bytes, pieces }) => {
				const seen: Uint8Array[] = [];
				const t = testPlugin(recorder(seen), { framing: "lines" });
				for (const piece of pieces) await t.send(piece);
				await t.end();
				expect(seen.map(hex)).toEqual(linesOf(bytes).map(hex));
				expect(hex(t.bytes)).toBe(hex(expectedLinesReply(bytes)));
				expect(t.closed).toBe(true);
			}),
			{ numRuns: 400 },
		);
	});

	test("lines, async identity transform: the same lines and bytes", async () => {
		await fc.assert(
			fc.asyncProperty(splitArb, async ({ bytes, pieces }) => {
				const seen: Uint8Array[] = [];
				const t = testPlugin(recorder(seen, "async"), { framing: "lines" });
				for (const piece of pieces) await t.send(piece);
				await t.end();
				expect(seen.map(hex)).toEqual(linesOf(bytes).map(hex));
				expect(hex(t.bytes)).toBe(hex(expectedLinesReply(bytes)));
			}),
			{ numRuns: 100 },
		);
	});

	for (const mode of ["sync", "async"] as const) {
		test(`lines, ${mode} reversing transform: each message reversed, then the terminator its line came with`, async () => {
			await fc.assert(
				fc.asyncProperty(splitArb, async ({ bytes, pieces }) => {
					const t = testPlugin(reverser(mode), { framing: "lines" });
					for (const piece of pieces) await t.send(piece);
					await t.end();
					expect(hex(t.bytes)).toBe(hex(expectedReversedReply(bytes)));
				}),
				{ numRuns: mode === "sync" ? 400 : 100 },
			);
		});
	}

	test("lines, no plugin (the echo path): the same bytes back", async () => {
		await fc.assert(
			fc.asyncProperty(splitArb, async ({ bytes, pieces }) => {
				const t = testPlugin([], { framing: "lines" });
				for (const piece of pieces) await t.send(piece);
				await t.end();
				expect(hex(t.bytes)).toBe(hex(bytes));
			}),
			{ numRuns: 200 },
		);
	});
});

describe("framing through a real server on port 0", () => {
	let seen: Uint8Array[] = [];
	let raw: EchoServer;
	let lines: EchoServer;
	let linesEcho: EchoServer;
	let reversed: EchoServer;
	beforeAll(async () => {
		raw = await startServer({ port: 0 });
		// Records into `seen`, which each run replaces (runs are sequential: one connection at a time).
		lines = await startServer({
			port: 0,
			framing: "lines",
			plugins: [
				definePlugin({
					name: "record-lines",
					transform(message) {
						seen.push(message.bytes);
						return null;
					},
				}),
			],
		});
		linesEcho = await startServer({ port: 0, framing: "lines" });
		reversed = await startServer({ port: 0, framing: "lines", plugins: [reverser("async")] });
	});
	afterAll(async () => {
		await Promise.all([raw.stop(), lines.stop(), linesEcho.stop(), reversed.stop()]);
	});

	test("raw: the same bytes back, each piece written and awaited separately", async () => {
		await fc.assert(
			fc.asyncProperty(splitArb, async ({ bytes, pieces }) => {
				const echoed = await roundTrip(raw.port, pieces);
				expect(hex(echoed)).toBe(hex(bytes));
			}),
			{ numRuns: 30 },
		);
	});

	test("lines with a transform: the same lines, each reply + its own terminator, an unterminated last line without", async () => {
		await fc.assert(
			fc.asyncProperty(splitArb, async ({ bytes, pieces }) => {
				seen = [];
				const echoed = await roundTrip(lines.port, pieces);
				// readAll resolved: the server closed after its last reply, so every line was seen.
				expect(seen.map(hex)).toEqual(linesOf(bytes).map(hex));
				expect(hex(echoed)).toBe(hex(expectedLinesReply(bytes)));
			}),
			{ numRuns: 30 },
		);
	});

	test("lines with an async reversing transform: each message reversed + its own terminator", async () => {
		await fc.assert(
			fc.asyncProperty(splitArb, async ({ bytes, pieces }) => {
				const echoed = await roundTrip(reversed.port, pieces);
				expect(hex(echoed)).toBe(hex(expectedReversedReply(bytes)));
			}),
			{ numRuns: 30 },
		);
	});

	test("lines without a plugin (the echo path): the same bytes back", async () => {
		await fc.assert(
			fc.asyncProperty(splitArb, async ({ bytes, pieces }) => {
				const echoed = await roundTrip(linesEcho.port, pieces);
				expect(hex(echoed)).toBe(hex(bytes));
			}),
			{ numRuns: 30 },
		);
	});
});

/** Writes each piece on its own (so they tend to arrive as separate reads), half-closes, reads all. */
async function roundTrip(port: number, pieces: Uint8Array[]): Promise<Uint8Array> {
	const client = await connect({ port });
	for (const piece of pieces) {
		await client.send(piece);
		await Bun.sleep(0);
	}
	await client.end();
	return client.readAll();
}

/** The messages `lines` framing must produce. */
function linesOf(bytes: Uint8Array): Uint8Array[] {
	return framesOf(bytes).map((frame) => frame.message);
}

/** What an identity transform replies in `lines` framing: each message + its own terminator. */
function expectedLinesReply(bytes: Uint8Array): Uint8Array {
	return Buffer.concat(
		framesOf(bytes).flatMap(({ message, terminator }) => [message, Uint8Array.from(terminator)]),
	);
}

/** What a reversing transform replies: each message reversed + its own terminator. */
function expectedReversedReply(bytes: Uint8Array): Uint8Array {
	return Buffer.concat(
		framesOf(bytes).flatMap(({ message, terminator }) => [
			message.toReversed(),
			Uint8Array.from(terminator),
		]),
	);
}

function hex(bytes: Uint8Array): string {
	return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("hex");
}
