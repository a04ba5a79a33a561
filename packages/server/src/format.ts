/**
 * Message bytes as one safe log line: UTF-8 shown as text, anything that could break or colour a
 * terminal escaped (`\n`, `\x00`, `\x1b`, `\u2028`), a backslash doubled so escapes stay
 * unambiguous, and a long message cut with its size: `abc… (70000 bytes)`.
 */

/** Characters of output shown before a message is cut. */
export const PREVIEW_CHARS = 120;

/**
 * Formats bytes for `Data received: …`. Reads only as many bytes as it shows, so a 64 KiB read
 * costs the same as a short one.
 * @example
 * formatBytes(new TextEncoder().encode("Hi\n\x00")); // "Hi\\n\\x00"
 */
export function formatBytes(bytes: Uint8Array, maxChars: number = PREVIEW_CHARS): string {
	let out = "";
	let i = 0;
	while (i < bytes.length && out.length < maxChars) {
		const byte = bytes[i] as number;
		if (byte >= 0x20 && byte < 0x7f) {
			out += byte === BACKSLASH ? "\\\\" : String.fromCharCode(byte);
			i++;
		} else if (byte < 0x80) {
			out += NAMED[byte] ?? `\\x${hex(byte, 2)}`;
			i++;
		} else {
			const length = sequenceLength(bytes, i);
			if (length === 0) {
				out += `\\x${hex(byte, 2)}`;
				i++;
			} else {
				const code = codePoint(bytes, i, length);
				const char = String.fromCodePoint(code);
				out += UNPRINTABLE.test(char) && code !== ZWJ ? `\\u{${hex(code, 4)}}` : char;
				i += length;
			}
		}
	}
	return i < bytes.length ? `${out}… (${bytes.length} bytes)` : out;
}

const BACKSLASH = 0x5c;
const NAMED: Record<number, string> = { 9: "\\t", 10: "\\n", 13: "\\r" };
/** Zero-width joiner: a format character, but it holds emoji sequences together. */
const ZWJ = 0x200d;
/** C1 controls, line/paragraph separators and invisible format characters (bidi overrides…). */
const UNPRINTABLE = /^[\p{Cc}\p{Zl}\p{Zp}\p{Cf}]$/u;

/**
 * Length of the valid UTF-8 sequence starting at `i`, or 0 when it is not one (a stray
 * continuation byte, an overlong form, a surrogate, beyond U+10FFFF, or cut off).
 */
function sequenceLength(bytes: Uint8Array, i: number): number {
	const lead = bytes[i] as number;
	let length: number;
	let min: number;
	let max = 0xbf;
	if (lead >= 0xc2 && lead <= 0xdf) [length, min] = [2, 0x80];
	else if (lead >= 0xe0 && lead <= 0xef) {
		length = 3;
		min = lead === 0xe0 ? 0xa0 : 0x80;
		if (lead === 0xed) max = 0x9f;
	} else if (lead >= 0xf0 && lead <= 0xf4) {
		length = 4;
		min = lead === 0xf0 ? 0x90 : 0x80;
		if (lead === 0xf4) max = 0x8f;
	} else return 0;
	if (i + length > bytes.length) return 0;
	const second = bytes[i + 1] as number;
	if (second < min || second > max) return 0;
	for (let k = 2; k < length; k++) {
		const next = bytes[i + k] as number;
		if (next < 0x80 || next > 0xbf) return 0;
	}
	return length;
}

function codePoint(bytes: Uint8Array, i: number, length: number): number {
	let code = (bytes[i] as number) & (0xff >> (length + 1));
	for (let k = 1; k < length; k++) code = (code << 6) | ((bytes[i + k] as number) & 0x3f);
	return code;
}

function hex(code: number, digits: number): string {
	return code.toString(16).padStart(digits, "0");
}
