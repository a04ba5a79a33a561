import { describe, expect, test } from "bun:test";
import { formatBytes, PREVIEW_CHARS } from "../src/format.ts";

const utf8 = (text: string) => new TextEncoder().encode(text);

describe("formatBytes", () => {
	test("printable text as it is, like the lab", () => {
		expect(formatBytes(utf8("Hello, world"))).toBe("Hello, world");
		expect(formatBytes(utf8("é ß 日本 😀 👨‍👩‍👧"))).toBe("é ß 日本 😀 👨‍👩‍👧");
	});

	test("control characters escaped; a backslash doubled so escapes stay unambiguous", () => {
		expect(formatBytes(utf8("a\nb\r\tc\x00\x1b[31m\x7f"))).toBe("a\\nb\\r\\tc\\x00\\x1b[31m\\x7f");
		expect(formatBytes(utf8("C:\\dir\\n"))).toBe("C:\\\\dir\\\\n");
	});

	test("invisible and line-breaking Unicode escaped", () => {
		expect(formatBytes(utf8("a\u2028b\u202ec\u0085"))).toBe("a\\u{2028}b\\u{202e}c\\u{0085}");
	});

	test("bytes that are not UTF-8 shown as \\xNN", () => {
		const bytes = new Uint8Array([0xff, 0xc3, 0x41, 0xed, 0xa0, 0x80, 0xc0, 0xaf, 0xe2, 0x82]);
		expect(formatBytes(bytes)).toBe("\\xff\\xc3A\\xed\\xa0\\x80\\xc0\\xaf\\xe2\\x82");
	});

	test("a long message is cut, with its size in bytes", () => {
		expect(formatBytes(utf8("x".repeat(70_000)))).toBe(
			`${"x".repeat(PREVIEW_CHARS)}… (70000 bytes)`,
		);
		expect(formatBytes(utf8("abcdef"), 3)).toBe("abc… (6 bytes)");
		expect(formatBytes(utf8("abc"), 3)).toBe("abc");
	});

	test("escapes count towards the cut, so binary input stays short too", () => {
		const text = formatBytes(new Uint8Array(10_000));
		expect(text.length).toBeLessThan(PREVIEW_CHARS + 30);
		expect(text).toEndWith("… (10000 bytes)");
	});

	test("empty message", () => {
		expect(formatBytes(new Uint8Array(0))).toBe("");
	});
});
