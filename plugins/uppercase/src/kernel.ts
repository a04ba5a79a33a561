/**
 * ASCII uppercase at memory speed: a WebAssembly SIMD kernel (src/ascii-upper.wat) that
 * uppercases 64 bytes per step and tells whether any byte was not ASCII. A message is copied
 * into the kernel's memory, uppercased there and copied back out, in blocks of at most
 * {@link BLOCK} bytes; both copies are native `memcpy`s. One instance serves the process
 * (JavaScript runs one message at a time).
 * @module
 */
import { isAscii } from "node:buffer";
import { ASCII_UPPER_WASM } from "./ascii-upper-wasm.ts";

/**
 * The most bytes copied into the kernel's memory (one 64 KiB page) per call. 16 KiB stays in
 * the CPU's first-level cache from copy-in to copy-out; it measured a little cheaper per byte
 * than 64 KiB for 64 KiB and 256 KiB reads (Bun reads up to 256 KiB at a time when streaming).
 */
export const BLOCK = 16 * 1024;

const { memory, upper } = instantiate();

/**
 * `bytes` with `a`–`z` uppercased, if every byte is ASCII (below 0x80).
 * @param inPlace write the result into `bytes` itself (no allocation) rather than a new buffer.
 * @returns the uppercased bytes (`bytes` itself when `inPlace`), or `null` when some byte is
 * not ASCII. Then `bytes` is unchanged, except, when `inPlace` and longer than {@link BLOCK},
 * for whole blocks before the first non-ASCII one: those were ASCII and are now uppercase,
 * which decodes to the same uppercased text.
 */
export function upperAscii(bytes: Uint8Array, inPlace: boolean): Uint8Array | null {
	const length = bytes.byteLength;
	if (length <= SMALL) return upperSmall(bytes, inPlace);
	if (length <= BLOCK) {
		memory.set(bytes);
		if (upper(length) !== 0) return null;
		const out = inPlace ? bytes : allocate(length);
		// Buffer#copy takes a range: no view object per message (a subarray of the kernel's
		// memory cost more than the copy itself at 64 B).
		memoryBuffer.copy(out, 0, 0, length);
		return out;
	}
	const out = inPlace ? bytes : allocate(length);
	for (let at = 0; at < length; at += BLOCK) {
		const end = Math.min(at + BLOCK, length);
		memory.set(bytes.subarray(at, end));
		if (upper(end - at) !== 0) return null;
		memoryBuffer.copy(out, at, 0, end - at);
	}
	return out;
}

/**
 * Up to this many bytes, JavaScript: as fast as the kernel there when hot (~70 ns at 64 B), and
 * no call into WebAssembly, whose cost on a cold path (one small message now and then, caches
 * evicted by other work) the 64 B request/response bench showed as ~1–2 µs more server CPU per
 * message than this loop.
 */
export const SMALL = 64;

/** {@link upperAscii} for at most {@link SMALL} bytes: `isAscii` (native), then a byte loop. */
function upperSmall(bytes: Uint8Array, inPlace: boolean): Uint8Array | null {
	if (!isAscii(bytes)) return null;
	const out = inPlace ? bytes : new Uint8Array(bytes.byteLength);
	for (let i = 0; i < bytes.byteLength; i++) {
		const byte = bytes[i] as number;
		out[i] = byte >= 0x61 && byte <= 0x7a ? byte - 0x20 : byte;
	}
	return out;
}

/**
 * A buffer for `length` bytes that the caller overwrites whole. Measured on Bun 1.4.5:
 * `new Uint8Array` is cheaper for small sizes (~20-30 ns at 64 B, against ~57); from 1 KiB on
 * `Buffer.allocUnsafe` (not zeroed) costs a half to a third as much.
 */
function allocate(length: number): Uint8Array {
	return length < 1024 ? new Uint8Array(length) : Buffer.allocUnsafe(length);
}

/** Compiles the kernel; synchronous (a few hundred bytes), so the plugin loads like any module. */
function instantiate() {
	const module = new WebAssembly.Module(Buffer.from(ASCII_UPPER_WASM, "base64"));
	const { exports } = new WebAssembly.Instance(module);
	const { buffer } = exports.memory as WebAssembly.Memory;
	return {
		/** The kernel's memory, whole; a block goes at offset 0. */
		memory: new Uint8Array(buffer),
		/** Uppercases `len` bytes at offset 0 in place; non-zero when one was not ASCII. */
		upper: exports.upper as (len: number) => number,
	};
}

/** The same memory as a Buffer, for `Buffer#copy`. The memory never grows, so this stays valid. */
const memoryBuffer = Buffer.from(memory.buffer);
