/**
 * Small helpers shared by the core tests: random data, polling for a condition, a recording
 * logger. Not a test file itself.
 */
import { afterEach } from "bun:test";
import type { EchoClient, EchoServer, LogFields, Logger, StopOptions } from "../src/index.ts";

/** `length` random bytes (crypto.getRandomValues fills at most 64 KiB per call). */
export function randomBytes(length: number): Uint8Array {
	const bytes = new Uint8Array(length);
	for (let offset = 0; offset < length; offset += 65536) {
		crypto.getRandomValues(bytes.subarray(offset, Math.min(length, offset + 65536)));
	}
	return bytes;
}

/**
 * Polls until `condition` holds. Throws with `what` after `timeoutMs`: a guard against hanging,
 * never an assertion about speed.
 */
export async function waitFor(
	what: string,
	condition: () => boolean,
	timeoutMs = 10_000,
): Promise<void> {
	const deadline = Date.now() + timeoutMs;
	while (!condition()) {
		if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
		await Bun.sleep(2);
	}
}

/**
 * Polls `read` until it returns the same value `times` polls in a row, `intervalMs` apart:
 * the point where traffic has stopped moving. Returns that value.
 */
export async function waitForSteady(
	read: () => number,
	{ intervalMs = 50, times = 6, timeoutMs = 10_000 } = {},
): Promise<number> {
	const deadline = Date.now() + timeoutMs;
	let last = read();
	let same = 0;
	while (same < times) {
		if (Date.now() > deadline) throw new Error("timed out waiting for a steady state");
		await Bun.sleep(intervalMs);
		const now = read();
		same = now === last ? same + 1 : 0;
		last = now;
	}
	return last;
}

/**
 * A logger that keeps every line, for asserting on what the engine logged; `events` keeps the
 * `event` field (a {@link LogFields}'s) of the lines that have one, in order, as `level event`.
 */
export function recordingLogger(): Logger & {
	lines: { level: string; message: string }[];
	events: string[];
} {
	const lines: { level: string; message: string }[] = [];
	const events: string[] = [];
	const record = (level: string) => (message: string, fields?: LogFields) => {
		lines.push({ level, message });
		if (fields?.event) events.push(`${level} ${fields.event}`);
	};
	return {
		lines,
		events,
		debug: record("debug"),
		info: record("info"),
		warn: record("warn"),
		error: record("error"),
	};
}

/**
 * Reads to the end with a 1 ms pause after each chunk, like a client slower than loopback.
 * Returns what arrived and the error that ended it, or `null` for a clean EOF.
 */
export async function readAllSlowly(
	client: EchoClient,
): Promise<{ bytes: Uint8Array; error: Error | null }> {
	const chunks: Uint8Array[] = [];
	try {
		for (let chunk = await client.read(); chunk; chunk = await client.read()) {
			chunks.push(chunk);
			await Bun.sleep(1);
		}
		return { bytes: Buffer.concat(chunks), error: null };
	} catch (error) {
		return { bytes: Buffer.concat(chunks), error: error as Error };
	}
}

/**
 * Reads `client` to the end without keeping what arrives (for transfers too large to hold
 * twice): how many bytes came, and their sha256 in hex.
 */
export async function readAllHashed(
	client: EchoClient,
): Promise<{ bytes: number; sha256: string }> {
	const hasher = new Bun.CryptoHasher("sha256");
	let bytes = 0;
	for await (const chunk of client) {
		hasher.update(chunk);
		bytes += chunk.byteLength;
	}
	return { bytes, sha256: hasher.digest("hex") };
}

/**
 * The model of `lines` framing, written out plainly: a line ends at `\n`, and a `\r` just before
 * it belongs to the terminator; a non-empty unterminated tail is a last message with none.
 */
export function framesOf(bytes: Uint8Array): { message: Uint8Array; terminator: number[] }[] {
	const frames: { message: Uint8Array; terminator: number[] }[] = [];
	let start = 0;
	for (let i = 0; i < bytes.byteLength; i++) {
		if (bytes[i] !== LF) continue;
		const crlf = i > start && bytes[i - 1] === CR;
		frames.push({
			message: bytes.subarray(start, crlf ? i - 1 : i),
			terminator: crlf ? [CR, LF] : [LF],
		});
		start = i + 1;
	}
	if (start < bytes.byteLength) frames.push({ message: bytes.subarray(start), terminator: [] });
	return frames;
}

const LF = 0x0a;
const CR = 0x0d;

export const encoder = new TextEncoder();
export const decoder = new TextDecoder();

/** Cuts `bytes` at the given offsets into non-empty pieces. */
export function cut(bytes: Uint8Array, cuts: number[]): Uint8Array[] {
	const points = [0, ...[...cuts].sort((a, b) => a - b), bytes.byteLength];
	const pieces: Uint8Array[] = [];
	for (let i = 1; i < points.length; i++) {
		const piece = bytes.subarray(points[i - 1], points[i]);
		if (piece.byteLength > 0) pieces.push(piece);
	}
	return pieces;
}

/**
 * The servers a test file starts: push each one; after every test they are stopped with
 * `options` (default: at once, nothing drained). Call at module or `describe` level.
 */
export function stoppedAfterEach(
	options: StopOptions = { drainTimeoutMs: 0, closeTimeoutMs: 0 },
): EchoServer[] {
	const servers: EchoServer[] = [];
	afterEach(async () => {
		await Promise.all(servers.splice(0).map((server) => server.stop(options)));
	});
	return servers;
}
