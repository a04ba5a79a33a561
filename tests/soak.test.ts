/**
 * Soak (issue 4): one core server, many mixed clients at once for ~15 s.
 *
 * The server runs in a child process, so its memory figure is its own: `lines` framing,
 * `maxLineBytes` 64 KiB, `highWaterMark` 128 KiB (so slow readers make it pause), and the fixture plugin `upper` (ASCII uppercase byte by byte, length
 * preserving), which makes the server cut every line out of the stream and allocate a reply per
 * line — more work and more garbage than the echo path, and every reply is still exactly
 * predictable: it is the sent bytes with `a`–`z` uppercased.
 *
 * Clients, in loops until the deadline:
 * - normal: random bytes (newlines included) in random writes, half-close, sha256 of the reply;
 * - slow reader: the same, reading in small steps with pauses (backpressure on the server);
 * - half-closer: half-closes in the middle of a line before reading anything;
 * - resetter: pumps megabytes and resets (terminate) in the middle of the reply;
 * - oversize: a few lines, then one over 64 KiB: gets the earlier lines back, then the close.
 *
 * Every client except the resetter must get exactly its bytes back. The server's heap (after a
 * full GC) may not grow by more than 64 MiB from start to end; RSS is printed, not asserted.
 */
import { expect, test } from "bun:test";
import { connect } from "@echokit/core";
import type { Socket } from "bun";
import { startChildServer } from "../packages/core/test/fixtures/child.ts";

const KiB = 1024;
const MiB = 1024 * KiB;
const MAX_LINE = 64 * KiB;
const RUN_MS = 15_000;

test("soak: mixed clients for 15 s; every byte owed comes back, memory stays flat", async () => {
	const server = await startChildServer(
		{ framing: "lines", maxLineBytes: MAX_LINE, highWaterMark: 128 * KiB },
		{ plugins: ["upper"] },
	);
	try {
		const port = server.port;
		// Warm up (JIT, first allocations) before the starting figure.
		await normal(port, 256 * KiB, false);
		const start = await server.mem();
		const samples = [start.mem];

		const counts = { normal: 0, slow: 0, halfClose: 0, reset: 0, oversize: 0, bytes: 0 };
		const deadline = Date.now() + RUN_MS;
		const loop = async (run: () => Promise<void>) => {
			while (Date.now() < deadline) await run();
		};
		const sampler = async () => {
			while (Date.now() < deadline) {
				await Bun.sleep(3000);
				samples.push((await server.mem()).mem);
			}
		};
		const size = (max: number) => 1 + Math.floor(Math.random() * max);
		await Promise.all([
			...Array.from({ length: 6 }, () =>
				loop(async () => {
					counts.bytes += await normal(port, size(2 * MiB), false);
					counts.normal++;
				}),
			),
			...Array.from({ length: 2 }, () =>
				loop(async () => {
					counts.bytes += await normal(port, 4 * MiB + size(4 * MiB), true);
					counts.slow++;
				}),
			),
			...Array.from({ length: 2 }, () =>
				loop(async () => {
					counts.bytes += await halfCloser(port, size(256 * KiB));
					counts.halfClose++;
				}),
			),
			...Array.from({ length: 2 }, () =>
				loop(async () => {
					await resetter(port, 1 + Math.floor(Math.random() * 4));
					counts.reset++;
				}),
			),
			loop(async () => {
				await oversize(port);
				counts.oversize++;
			}),
			sampler(),
		]);

		// Every client is done; the server closes its side of each connection right after.
		let end = await server.mem();
		for (let i = 0; i < 100 && end.stats.connections > 0; i++) {
			await Bun.sleep(50);
			end = await server.mem();
		}
		samples.push(end.mem);

		const mib = (bytes: number) => `${(bytes / MiB).toFixed(1)} MiB`;
		console.log(
			`soak: ${counts.normal} normal, ${counts.slow} slow-reader, ${counts.halfClose} half-close, ${counts.reset} reset, ${counts.oversize} oversize clients; ${mib(counts.bytes)} verified`,
		);
		for (const [label, mem] of [
			["start", start.mem],
			["end", end.mem],
		] as const) {
			console.log(
				`soak: server ${label}: heapUsed ${mib(mem.heapUsed)}, rss ${mib(mem.rss)}, VmRSS ${mib(mem.vmRss)}`,
			);
		}
		console.log(`soak: heapUsed samples: ${samples.map((mem) => mib(mem.heapUsed)).join(", ")}`);
		console.log(`soak: server stats at end: ${JSON.stringify(end.stats)}`);

		for (const kind of ["normal", "slow", "halfClose", "reset", "oversize"] as const) {
			expect(counts[kind]).toBeGreaterThan(0);
		}
		expect(end.stats.connections).toBe(0);
		expect(end.stats.queuedBytes).toBe(0);
		expect(end.stats.rejected).toBe(0);
		// The slow readers really pushed back: the server paused reading from them.
		expect(end.stats.pauses).toBeGreaterThan(0);
		expect(end.mem.heapUsed - start.mem.heapUsed).toBeLessThan(64 * MiB);
		const tooLong = server.logs.filter((line) => line.message.includes("E_LINE_TOO_LONG"));
		expect(tooLong).toHaveLength(counts.oversize);
		expect(server.logs.filter((line) => line.log === "error")).toEqual([]);

		// Still serving at the end.
		expect(await normal(port, 512 * KiB, false)).toBe(512 * KiB);
		expect(server.exitCode).toBeNull();
	} finally {
		await server.kill();
	}
}, 60_000);

/**
 * Sends `length` random bytes in random writes, half-closes, and checks the reply's sha256
 * against the expected one. A slow reader reads in small steps with pauses.
 * @returns the bytes verified.
 */
async function normal(port: number, length: number, slow: boolean): Promise<number> {
	const data = randomLines(length);
	const client = await connect({ port, highWaterMark: slow ? 32 * KiB : MiB });
	const reply = new Bun.CryptoHasher("sha256");
	let received = 0;
	const reading = (async () => {
		for await (const chunk of client) {
			reply.update(chunk);
			received += chunk.byteLength;
			if (slow) await Bun.sleep(5 + Math.random() * 10);
		}
	})();
	for (let offset = 0; offset < data.byteLength; ) {
		const step = 1 + Math.floor(Math.random() * 128 * KiB);
		await client.send(data.subarray(offset, offset + step));
		offset += step;
	}
	await client.end();
	await reading;
	expect(received).toBe(data.byteLength);
	expect(reply.digest("hex")).toBe(sha256(upper(data)));
	return received;
}

/** Half-closes in the middle of a line, before reading anything; the unfinished line is answered too. */
async function halfCloser(port: number, length: number): Promise<number> {
	const data = randomLines(length);
	data[data.byteLength - 1] = 0x78; // "x": the last line never ends
	const client = await connect({ port });
	client.write(data);
	await client.end();
	const reply = await client.readAll();
	expect(reply.byteLength).toBe(data.byteLength);
	expect(sha256(reply)).toBe(sha256(upper(data)));
	return reply.byteLength;
}

/** Pumps `mib` MiB of lines, resets once part of the reply came back. */
async function resetter(port: number, mib: number): Promise<void> {
	const block = randomLines(MiB);
	const resetAfter = Math.floor(Math.random() * mib * MiB);
	let received = 0;
	let left = mib;
	let offset = 0;
	let reset = () => {};
	const done = new Promise<void>((resolve) => {
		reset = resolve;
	});
	const pump = (socket: Socket) => {
		while (left > 0) {
			const written = socket.write(block.subarray(offset));
			if (written <= 0) return;
			offset += written;
			if (offset < block.byteLength) return;
			offset = 0;
			left--;
		}
	};
	const socket = await Bun.connect({
		hostname: "127.0.0.1",
		port,
		socket: {
			open: pump,
			drain: pump,
			data(socket, chunk) {
				received += chunk.byteLength;
				if (received >= resetAfter) socket.terminate();
			},
			close: () => reset(),
			error: () => reset(),
		},
	});
	pump(socket);
	// Reset as promised even if the reply is slower than the loop (it never is in practice).
	const timer = setTimeout(() => socket.terminate(), 10_000);
	await done;
	clearTimeout(timer);
}

/** A few lines, then one over the limit: the earlier lines come back, then the server closes. */
async function oversize(port: number): Promise<void> {
	const before = randomLines(8 * KiB);
	before[before.byteLength - 1] = 0x0a;
	const client = await connect({ port });
	client.write(before);
	client.write(new Uint8Array(MAX_LINE + 1 + Math.floor(Math.random() * MAX_LINE)).fill(0x61));
	client.write("\nnever answered\n");
	const reply = await client.readAll();
	expect(sha256(reply)).toBe(sha256(upper(before)));
}

/** Random bytes with a newline every 1 to 4096 bytes (well under the line limit). */
function randomLines(length: number): Uint8Array {
	const data = new Uint8Array(length);
	for (let offset = 0; offset < length; offset += 65536) {
		crypto.getRandomValues(data.subarray(offset, Math.min(length, offset + 65536)));
	}
	for (
		let i = Math.floor(Math.random() * 4096);
		i < length;
		i += 1 + Math.floor(Math.random() * 4096)
	) {
		data[i] = 0x0a;
	}
	return data;
}

/** What the `upper` plugin makes of `data`: ASCII a–z uppercased, everything else kept. */
function upper(data: Uint8Array): Uint8Array {
	const out = new Uint8Array(data.byteLength);
	for (let i = 0; i < out.length; i++) {
		const byte = data[i] as number;
		out[i] = byte >= 0x61 && byte <= 0x7a ? byte - 0x20 : byte;
	}
	return out;
}

function sha256(data: Uint8Array): string {
	return new Bun.CryptoHasher("sha256").update(data).digest("hex");
}
