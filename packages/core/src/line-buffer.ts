/**
 * The unfinished tail of a line in `lines` framing, kept across socket reads. Parts are kept as
 * they came (no copy) and joined once, when the line's `\n` arrives, so a long line that trickles
 * in byte by byte costs O(length), not O(length²).
 */
export class LineBuffer {
	/** Bytes held, summed over the parts. */
	bytes = 0;
	private parts: Uint8Array[] = [];
	/** Bytes since the last `\n`, for {@link scan}. */
	private openLineBytes = 0;

	constructor(private readonly maxLineBytes: number) {}

	/**
	 * Holds the start of a line whose end has not arrived.
	 * @returns false when the line is already longer than the limit.
	 */
	hold(part: Uint8Array): boolean {
		if (part.byteLength === 0) return true;
		this.parts.push(part);
		this.bytes += part.byteLength;
		return this.bytes <= this.maxLineBytes;
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
	 * The line limit without cutting lines out, for the echo path (nothing is held).
	 * @returns how many bytes of `chunk` are within the limit: all of them, or up to the start of
	 * the first line that is too long.
	 */
	scan(chunk: Uint8Array): number {
		const max = this.maxLineBytes;
		let start = 0;
		let newline = chunk.indexOf(NEWLINE);
		while (newline !== -1 && this.openLineBytes + newline - start <= max) {
			this.openLineBytes = 0;
			start = newline + 1;
			newline = chunk.indexOf(NEWLINE, start);
		}
		this.openLineBytes += (newline === -1 ? chunk.byteLength : newline) - start;
		return this.openLineBytes <= max ? chunk.byteLength : start;
	}

	/** True when `line` (a complete one) is within the limit. */
	fits(line: Uint8Array): boolean {
		return line.byteLength <= this.maxLineBytes;
	}
}

const EMPTY = new Uint8Array(0);
const NEWLINE = 0x0a;
