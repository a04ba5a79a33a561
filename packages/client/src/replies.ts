/**
 * Turns reply bytes into the text shown after `Received: ` in interactive mode.
 * @module
 */
import type { Framing } from "@echokit/core";

/**
 * Decodes replies as UTF-8 across chunk borders and cuts them into displayable pieces:
 * in `lines` framing one piece per line (its terminator, `\n` or `\r\n` as the server's
 * framing has it, is dropped; a partial line waits for its end); in `raw` framing one piece per
 * chunk received, as the lab's `recv` did.
 * Control characters are escaped so a reply cannot move the cursor or clear the screen.
 */
export class ReplyText {
	private readonly decoder = new TextDecoder();
	private partial = "";

	constructor(private readonly framing: Framing) {}

	/** The pieces completed by this chunk, ready to print. */
	push(chunk: Uint8Array): string[] {
		const text = this.decoder.decode(chunk, { stream: true });
		if (this.framing === "raw") return text === "" ? [] : [printable(text)];
		const lines = (this.partial + text).split("\n");
		this.partial = lines.pop()!;
		return lines.map((line) => printable(line.endsWith("\r") ? line.slice(0, -1) : line));
	}

	/**
	 * What is left once the server closed: an unfinished line (a final `\r` is part of it: no
	 * `\n` came) or a split character.
	 */
	flush(): string[] {
		const rest = this.partial + this.decoder.decode();
		this.partial = "";
		return rest === "" ? [] : [printable(rest)];
	}
}

/**
 * The `Received: …` lines for one whole reply (a UDP datagram, a WebSocket message): its pieces
 * as {@link ReplyText} cuts them, or one empty `Received: ` for an empty reply.
 * @example
 * replyLines(Buffer.from("a\nb\n"), "lines"); // ["Received: a", "Received: b"]
 */
export function replyLines(reply: Uint8Array, framing: Framing): string[] {
	const text = new ReplyText(framing);
	const pieces = [...text.push(reply), ...text.flush()];
	return (pieces.length > 0 ? pieces : [""]).map((piece) => `Received: ${piece}`);
}

const named: Record<string, string> = { "\n": "\\n", "\r": "\\r", "\t": "\\t" };

/**
 * Escapes C0 controls, DEL and C1 controls (as `\n`, `\r`, `\t`, else `\xNN`) so a reply cannot
 * drive the terminal; everything else, including non-ASCII text, is shown as is.
 * @example
 * printable("a\tb\u0007"); // "a\\tb\\x07"
 */
export function printable(text: string): string {
	// biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point.
	return text.replace(/[\u0000-\u001f\u007f-\u009f]/g, (char) => {
		return named[char] ?? `\\x${char.charCodeAt(0).toString(16).padStart(2, "0")}`;
	});
}
