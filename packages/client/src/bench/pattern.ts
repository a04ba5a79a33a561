/**
 * The bytes a bench connection sends, and the check of what comes back, without a per-byte loop.
 *
 * Each connection's outgoing byte stream is one periodic pseudo-random sequence: stream byte `p`
 * is `bytes[(base + p) mod PERIOD]`, with a different `base` per connection. So message `i` of
 * `size` bytes is the window at `(base + i * size) mod PERIOD`, writes are slices of one shared
 * buffer (no copy, no allocation of payloads), and a received chunk is checked with
 * `Buffer#compare` against the matching slice. PERIOD is prime, so consecutive messages (and
 * different connections) carry different bytes: a reordered or crossed reply is caught too.
 * @module
 */
import type { BenchExpect, BenchPayload } from "./types.ts";

/** Length of the repeating sequence, a prime. */
export const PERIOD = 65_521;

/** Bytes for `ascii`: printable ASCII, space to `~`. */
const ASCII = [...Array(0x7f - 0x20).keys()].map((i) => i + 0x20);

/** The shared sequence and the operations on stream positions. */
export class Pattern {
	/** Two periods back to back: any slice of up to PERIOD bytes from a position below PERIOD is contiguous. */
	readonly bytes: Buffer;
	/** What must come back: `bytes` itself for an echo, or its transformed copy. */
	readonly expected: Buffer;

	constructor(payload: BenchPayload = "binary", expect: BenchExpect = "echo", seed = 0x9e3779b9) {
		this.bytes = Buffer.allocUnsafe(2 * PERIOD);
		let state = seed >>> 0 || 1;
		for (let i = 0; i < PERIOD; i++) {
			// xorshift32: deterministic, so every run sends the same bytes.
			state ^= state << 13;
			state ^= state >>> 17;
			state ^= state << 5;
			state >>>= 0;
			this.bytes[i] = payload === "ascii" ? (ASCII[state % ASCII.length] as number) : state & 0xff;
		}
		this.bytes.copy(this.bytes, PERIOD, 0, PERIOD);
		this.expected = expect === "echo" ? this.bytes : upperAscii(this.bytes);
	}

	/**
	 * Writes stream bytes `[from, to)` of the stream starting at `base` until the socket stops
	 * taking them.
	 * @returns bytes written (may be fewer than asked), or -1 when the socket is closed.
	 */
	write(socket: PatternSink, base: number, from: number, to: number): number {
		let written = 0;
		while (from + written < to) {
			const index = (base + from + written) % PERIOD;
			const length = Math.min(to - from - written, PERIOD);
			const taken = socket.write(this.bytes, index, length);
			if (taken < 0) return written > 0 ? written : -1;
			written += taken;
			if (taken < length) break;
		}
		return written;
	}

	/** True when `chunk[start, end)` is what should come back for stream position `position` on. */
	matches(base: number, position: number, chunk: Uint8Array, start: number, end: number): boolean {
		while (start < end) {
			const index = (base + position) % PERIOD;
			const length = Math.min(end - start, PERIOD);
			if (this.expected.compare(chunk, start, start + length, index, index + length) !== 0) {
				return false;
			}
			start += length;
			position += length;
		}
		return true;
	}
}

/** What {@link Pattern.write} writes to: a Bun socket. */
export interface PatternSink {
	write(data: Uint8Array, byteOffset?: number, byteLength?: number): number;
}

/** A connection's stream start: spread connections over the period. */
export function streamBase(connection: number): number {
	return (connection * 7919) % PERIOD;
}

/** `a`–`z` → `A`–`Z` in a copy: what an uppercasing server returns for ASCII. */
function upperAscii(bytes: Buffer): Buffer {
	const upper = Buffer.allocUnsafe(bytes.byteLength);
	for (let i = 0; i < bytes.byteLength; i++) {
		const byte = bytes[i] as number;
		upper[i] = byte >= 0x61 && byte <= 0x7a ? byte - 0x20 : byte;
	}
	return upper;
}
