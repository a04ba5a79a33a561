/**
 * The unfinished tail of a line in `lines` framing, kept across socket reads. Parts are kept as
 * they came (no copy) and joined once, when the line's `\n` arrives, so a long line that trickles
 * in byte by byte costs O(length), not O(length²).
 *
 * A line ends at `\n`, with an optional `\r` before it (CRLF, as telnet and most line protocols
 * send): the message is the line without that terminator, and the limit counts the line without
 * it. A `\r` anywhere else is part of the line. Since a `\r` at the end of a read may be the
 * first half of a CRLF split across two reads, a line's trailing `\r` never counts toward the
 * limit, also when the input ends right after it (then it is answered as part of the line).
 */
export class LineBuffer {
	/** Bytes held, summed over the parts. */
	bytes = 0;
	/** Lines {@link scan} saw end (their `\n`), for the message count of the echo path. */
	ended = 0;
	private parts: Uint8Array[] = [];
	/** Bytes since the last `\n`, for {@link scan}. */
	private openLineBytes = 0;
	/** The last byte since the last `\n` is a `\r`, for {@link scan}. */
	private openLineCR = false;

	constructor(private readonly maxLineBytes: number) {}

	/**
	 * Holds the start of a line whose end has not arrived.
	 * @returns false when the line is already longer than the limit.
	 */
	hold(part: Uint8Array): boolean {
		if (part.byteLength === 0) return true;
		this.parts.push(part);
		this.bytes += part.byteLength;
		return this.bytes - trailingCR(part) <= this.maxLineBytes;
	}

	/** Joins what was held with `end`, the rest of the line, and empties the buffer. */
	complete(end: Uint8Array): Uint8Array {
		if (this.bytes === 0) return end;
		this.parts.push(end);
		const line = Buffer.concat(this.parts, this.bytes + end.byteLength);
		this.parts.length = 0;
		this.bytes = 0;
		return line;
	}

	/** Empties the buffer and returns what it held (an unterminated last line). */
	take(): Uint8Array | null {
		return this.bytes === 0 ? null : this.complete(EMPTY);
	}

	/**
	 * The line limit without cutting lines out, for the echo path (nothing is held, nothing is
	 * allocated: the reply is the chunk itself, terminators included).
	 * @returns how many bytes of `chunk` are within the limit: all of them, or up to the start of
	 * the first line that is too long.
	 */
	scan(chunk: Uint8Array): number {
		const max = this.maxLineBytes;
		let start = 0;
		let newline = chunk.indexOf(LF);
		while (newline !== -1) {
			// The `\r` of a CRLF may have ended the previous read (the line's start is held there).
			const cr = newline > start ? chunk[newline - 1] === CR : this.openLineCR;
			if (this.openLineBytes + newline - start - (cr ? 1 : 0) > max) return start;
			this.openLineBytes = 0;
			this.openLineCR = false;
			this.ended++;
			start = newline + 1;
			newline = chunk.indexOf(LF, start);
		}
		if (start < chunk.byteLength) {
			this.openLineBytes += chunk.byteLength - start;
			this.openLineCR = chunk[chunk.byteLength - 1] === CR;
		}
		return this.openLineBytes - (this.openLineCR ? 1 : 0) <= max ? chunk.byteLength : start;
	}

	/** True when `message` (a complete line, without its terminator) is within the limit. */
	fits(message: Uint8Array): boolean {
		return message.byteLength <= this.maxLineBytes;
	}
}

/** True when a complete line (the bytes before its `\n`) ends with `\r`: it came with CRLF. */
export function endsWithCR(line: Uint8Array): boolean {
	return line.byteLength > 0 && line[line.byteLength - 1] === CR;
}

/** 1 when `part` ends with `\r` (the first half of a CRLF, maybe), else 0. */
function trailingCR(part: Uint8Array): number {
	return part[part.byteLength - 1] === CR ? 1 : 0;
}

const EMPTY = new Uint8Array(0);
const LF = 0x0a;
const CR = 0x0d;
