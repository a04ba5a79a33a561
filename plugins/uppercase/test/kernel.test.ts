/**
 * The WebAssembly kernel: built from its source, and equal to `toUpperCase` on ASCII at every
 * length, block boundaries included; `null` for anything else.
 */
import { expect, test } from "bun:test";
import fc from "fast-check";
import { assemble, GENERATED, moduleText } from "../scripts/build-wasm.ts";
import { BLOCK, SMALL, upperAscii } from "../src/kernel.ts";

test("src/ascii-upper-wasm.ts is exactly what src/ascii-upper.wat assembles to (bun run build:wasm)", async () => {
	expect(await Bun.file(GENERATED).text()).toBe(moduleText(await assemble()));
});

test("every byte value at every position: JavaScript up to SMALL, the kernel's 64- and 16-byte steps and tail beyond", () => {
	for (const length of [1, 15, SMALL, SMALL + 1, 79, 80, 81, 100, 128, 129]) {
		for (let at = 0; at < length; at++) everyByteAt(length, at);
	}
});

test("every byte value in the last block of a long message, one shorter than 16 bytes (the kernel's byte loop)", () => {
	for (let at = BLOCK; at < BLOCK + 7; at++) everyByteAt(BLOCK + 7, at);
	everyByteAt(BLOCK + 7, 0);
});

test("any bytes, any length: toUpperCase of the ASCII, or null; into a new buffer or in place", () => {
	const bytes = fc.oneof(
		fc.uint8Array({ maxLength: 300 }),
		fc.uint8Array({ max: 0x7f, maxLength: 300 }),
		// About a block long (fast-check is slow to make 64 KiB arrays byte by byte).
		fc
			.tuple(
				fc.uint8Array({ max: 0x7f, minLength: 1, maxLength: 97 }),
				fc.integer({ min: BLOCK - 70, max: BLOCK + 70 }),
			)
			.map(([pattern, length]) => Buffer.alloc(length, pattern)),
	);
	fc.assert(
		fc.property(bytes, fc.boolean(), (input, inPlace) => {
			const original = Uint8Array.from(input);
			const ascii = original.every((b) => b < 0x80);
			const result = upperAscii(input, inPlace);
			if (!ascii) {
				expect(result).toBeNull();
				expect(Buffer.from(input).equals(original)).toBe(true);
				return;
			}
			const expected = new TextDecoder().decode(original).toUpperCase();
			expect(new TextDecoder().decode(result as Uint8Array)).toBe(expected);
			if (inPlace) expect(result).toBe(input);
			else {
				expect(result).not.toBe(input);
				expect(Buffer.from(input).equals(original)).toBe(true);
			}
		}),
		{ numRuns: 300 },
	);
});

test("longer than a block: a non-ASCII byte anywhere gives null; in place, the bytes still decode to the same uppercase", () => {
	const length = 3 * BLOCK + 17;
	const text = "é";
	fc.assert(
		fc.property(fc.nat({ max: length - 2 }), fc.boolean(), (at, inPlace) => {
			const input = Buffer.alloc(length, "abcXYZ 09~");
			input.write(text, at);
			const expected = input.toString("utf8").toUpperCase();
			const original = Buffer.from(input);
			expect(upperAscii(input, inPlace)).toBeNull();
			if (!inPlace) expect(input.equals(original)).toBe(true);
			expect(input.toString("utf8").toUpperCase()).toBe(expected);
		}),
		{ numRuns: 40 },
	);
	const ascii = Buffer.alloc(length, "abcXYZ 09~");
	expect(latin1(upperAscii(ascii, false))).toBe(latin1(ascii).toUpperCase());
});

/** Every byte value at `at` in a message of `length` bytes of `z`: uppercased, or null. */
function everyByteAt(length: number, at: number): void {
	for (let byte = 0; byte < 256; byte++) {
		const input = new Uint8Array(length).fill(0x7a); // 'z'
		input[at] = byte;
		const result = upperAscii(input, false);
		if (byte >= 0x80) expect(result).toBeNull();
		else expect(latin1(result)).toBe(latin1(input).toUpperCase());
	}
}

function latin1(bytes: Uint8Array | null): string {
	return bytes === null ? "(null)" : Buffer.from(bytes).toString("latin1");
}
