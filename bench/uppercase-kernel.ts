/**
 * `bun bench/uppercase-kernel.ts`: what ASCII uppercase costs per message and per byte, in the
 * ways the uppercase plugin could do it, at 64 B, 4 KiB and 64 KiB (printable ASCII). One CPU,
 * no sockets: this is the transform alone. Figures drift on a shared machine: each is the
 * best of several timed batches.
 * @module
 */
import { isAscii } from "node:buffer";
import { upperAscii } from "../plugins/uppercase/src/kernel.ts";

const SIZES = [64, 4096, 65536];
const BATCHES = 9;
const BYTES_PER_BATCH = 64 * 1024 * 1024;

type Variant = (bytes: Uint8Array) => unknown;
const decoder = new TextDecoder("utf-8", { ignoreBOM: true });

const VARIANTS: Record<string, Variant> = {
	"before: decode + toUpperCase + encode": (b) =>
		Buffer.from(decoder.decode(b, { stream: true }).toUpperCase()),
	"before: isAscii + byte loop into new buffer": (b) =>
		isAscii(b) && loopInto(b, new Uint8Array(b.byteLength)),
	"byte loop in place": (b) => loopInto(b, b),
	"SWAR (Uint32) in place": (b) => swar(b),
	"isAscii only": (b) => isAscii(b),
	"new Uint8Array(n) only": (b) => new Uint8Array(b.byteLength),
	"Buffer.allocUnsafe(n) only": (b) => Buffer.allocUnsafe(b.byteLength),
	"after: upperAscii into a new buffer (JS up to 64 B, kernel beyond)": (b) => upperAscii(b, false),
	"after: upperAscii in place (JS up to 64 B, kernel beyond)": (b) => upperAscii(b, true),
};

function loopInto(src: Uint8Array, dst: Uint8Array): Uint8Array {
	for (let i = 0; i < src.length; i++) {
		const byte = src[i] as number;
		dst[i] = byte - 0x61 < 26 && byte >= 0x61 ? byte - 0x20 : byte;
	}
	return dst;
}

function swar(bytes: Uint8Array): Uint8Array {
	const words = new Uint32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength >>> 2);
	for (let i = 0; i < words.length; i++) {
		const w = words[i] as number;
		// Per byte: (byte + 0x1f) sets bit 7 from 'a' (0x61+0x1f=0x80); (byte + 0x05) sets it above 'z'.
		const a = (w & 0x7f7f7f7f) + 0x1f1f1f1f;
		const z = (w & 0x7f7f7f7f) + 0x05050505;
		const mask = (a & ~z & ~w & 0x80808080) >>> 2;
		words[i] = w - mask;
	}
	return bytes;
}

function payload(size: number): Uint8Array {
	const out = new Uint8Array(size);
	for (let i = 0; i < size; i++) out[i] = 0x20 + ((i * 7) % 95);
	return out;
}

const rows: string[] = [
	`| variant | ${SIZES.map((s) => `${s} B: ns/msg | ns/byte`).join(" | ")} |`,
];
rows.push(`| --- | ${SIZES.map(() => "---: | ---:").join(" | ")} |`);
for (const [name, run] of Object.entries(VARIANTS)) {
	const cells: string[] = [];
	for (const size of SIZES) {
		const input = payload(size);
		const calls = Math.max(1000, Math.floor(BYTES_PER_BATCH / size / 8));
		let best = Number.POSITIVE_INFINITY;
		for (let batch = 0; batch < BATCHES; batch++) {
			const start = Bun.nanoseconds();
			for (let i = 0; i < calls; i++) run(input);
			best = Math.min(best, (Bun.nanoseconds() - start) / calls);
		}
		cells.push(`${best.toFixed(1)} | ${(best / size).toFixed(3)}`);
	}
	rows.push(`| ${name} | ${cells.join(" | ")} |`);
}
console.log(`Bun ${Bun.version}, best of ${BATCHES} batches\n`);
console.log(rows.join("\n"));
