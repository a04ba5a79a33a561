/**
 * Text from clients, made safe for a log line: control characters (C0, DEL, C1), the Unicode
 * line and paragraph separators and backslashes are escaped (`\n`, `\x1b`, `\u2028`, `\\`), so a
 * client's bytes quoted in an error can neither start a new log line nor drive a terminal.
 * @example
 * escapeControls("bad\n\x1b[31mred"); // "bad\\n\\x1b[31mred"
 */
export function escapeControls(text: string): string {
	return text.replace(UNSAFE, (char) => {
		const code = char.charCodeAt(0);
		return NAMED[char] ?? (code <= 0xff ? `\\x${hex(code, 2)}` : `\\u${hex(code, 4)}`);
	});
}

// biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point.
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\\]/g;
const NAMED: Record<string, string> = { "\n": "\\n", "\r": "\\r", "\t": "\\t", "\\": "\\\\" };

function hex(code: number, digits: number): string {
	return code.toString(16).padStart(digits, "0");
}
