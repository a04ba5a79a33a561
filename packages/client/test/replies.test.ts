import { expect, test } from "bun:test";
import { printable, ReplyText } from "../src/replies.ts";

const bytes = (text: string) => new TextEncoder().encode(text);

test("raw framing: one piece per chunk, UTF-8 split across chunks decodes whole", () => {
	const replies = new ReplyText("raw");
	const euro = bytes("€"); // 3 bytes
	expect(replies.push(bytes("Hi"))).toEqual(["Hi"]);
	expect(replies.push(euro.subarray(0, 2))).toEqual([]);
	expect(replies.push(euro.subarray(2))).toEqual(["€"]);
	expect(replies.flush()).toEqual([]);
});

test("lines framing: one piece per line, the newline dropped, the rest on flush", () => {
	const replies = new ReplyText("lines");
	expect(replies.push(bytes("HI\nHEL"))).toEqual(["HI"]);
	expect(replies.push(bytes("LO\n\nlast"))).toEqual(["HELLO", ""]);
	expect(replies.flush()).toEqual(["last"]);
});

test("lines framing: a CRLF line shows without its \\r, also when \\r and \\n come in separate chunks", () => {
	const replies = new ReplyText("lines");
	expect(replies.push(bytes("PONG\r\nLF\nsplit\r"))).toEqual(["PONG", "LF"]);
	expect(replies.push(bytes("\na\rb\r\r\n\r\nlast\r"))).toEqual(["split", "a\\rb\\r", ""]);
	// No \n came after the last \r: it is part of the line, shown escaped.
	expect(replies.flush()).toEqual(["last\\r"]);
});

test("control characters are escaped, text is kept", () => {
	expect(printable("a\tb\r\n\u0007\u001b[2J\u007f\u009bé")).toBe(
		"a\\tb\\r\\n\\x07\\x1b[2J\\x7f\\x9bé",
	);
	expect(printable("plain text, ünïcødé 🙂")).toBe("plain text, ünïcødé 🙂");
});
