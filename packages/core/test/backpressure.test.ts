/**
 * A client that writes and never reads must not make the server buffer without bound: the
 * server pauses reading from it, its queued bytes stay within the high-water mark plus one
 * chunk, and the pressure reaches the client, whose writes stall.
 *
 * Why "plus one chunk": the server checks its queue after each `data` event and pauses once the
 * queue is above `highWaterMark`. Before that event the queue was at most `highWaterMark`, and
 * one event adds at most the reply to one socket read. Bun reads into a 512 KiB receive buffer
 * (uSockets' LIBUS_RECV_BUFFER_LENGTH; measured here: the largest `data` chunk on loopback was
 * exactly 524288 bytes), so on the echo path one chunk is at most 512 KiB. Where a transform
 * sees the chunks, the test measures the largest one instead of assuming it.
 */
import { describe, expect, test } from "bun:test";
import type { Socket } from "bun";
import { connect, definePlugin, startServer } from "../src/index.ts";
import { randomBytes, readAllHashed, waitForSteady } from "./helpers.ts";

const KiB = 1024;
const MiB = 1024 * KiB;
const HIGH_WATER_MARK = 256 * KiB;
/** The most one Bun `data` event delivers (see above). */
const MAX_READ = 512 * KiB;
/** Far more than the loopback socket buffers on both sides can absorb. */
const TOTAL = 64 * MiB;

describe("backpressure", () => {
	test("echo path: queued bytes stay within highWaterMark + one read, and the client's writes stall", async () => {
		const server = await startServer({ port: 0, highWaterMark: HIGH_WATER_MARK });
		try {
			// A client that stops reading after 64 KiB of unread replies.
			const client = await connect({ port: server.port, highWaterMark: 64 * KiB });
			const block = randomBytes(MiB);
			let allTakenAtOnce = true;
			for (let written = 0; written < TOTAL; written += block.byteLength) {
				// The client's queue keeps a reference to `block`, not a copy.
				if (!client.write(block)) allTakenAtOnce = false;
				await Bun.sleep(0);
			}
			// Wait until nothing moves any more: the client's unsent bytes stop shrinking.
			const pending = await waitForSteady(() => client.pendingBytes);
			const stats = server.stats();
			console.log(
				`echo path, highWaterMark ${HIGH_WATER_MARK}: peak queued ${stats.peakQueuedBytes} bytes, queued now ${stats.queuedBytes}, pauses ${stats.pauses}; client stalled with ${pending} of ${TOTAL} bytes unsent`,
			);
			expect(stats.pauses).toBeGreaterThanOrEqual(1);
			expect(stats.peakQueuedBytes).toBeLessThanOrEqual(HIGH_WATER_MARK + MAX_READ);
			expect(stats.queuedBytes).toBeLessThanOrEqual(HIGH_WATER_MARK + MAX_READ);
			// Backpressure reached the client: its kernel stopped taking bytes.
			expect(allTakenAtOnce).toBe(false);
			expect(pending).toBeGreaterThan(0);

			// Once the client reads again, everything flows and every byte comes back.
			const ending = client.end();
			const received = await readAllHashed(client);
			await ending;
			const expected = new Bun.CryptoHasher("sha256");
			for (let i = 0; i < TOTAL / block.byteLength; i++) expected.update(block);
			expect(received.bytes).toBe(TOTAL);
			expect(received.sha256).toBe(expected.digest("hex"));
			expect(server.stats().peakQueuedBytes).toBeLessThanOrEqual(HIGH_WATER_MARK + MAX_READ);
		} finally {
			await server.stop();
		}
	});

	test("transform path, raw socket that never reads: bound holds against the largest chunk seen, write() returns 0", async () => {
		let largestChunk = 0;
		const measure = definePlugin({
			name: "measure",
			transform(message) {
				largestChunk = Math.max(largestChunk, message.bytes.byteLength);
				return null;
			},
		});
		const server = await startServer({
			port: 0,
			highWaterMark: HIGH_WATER_MARK,
			plugins: [measure],
		});
		const block = randomBytes(MiB);
		let taken = 0;
		let lastResult = -1;
		const pump = (socket: Socket<undefined>) => {
			while (taken < TOTAL) {
				lastResult = socket.write(block.subarray(0, Math.min(block.byteLength, TOTAL - taken)));
				if (lastResult > 0) taken += lastResult;
				if (lastResult < block.byteLength) return; // the rest is dropped; try again on drain
			}
		};
		const socket = await Bun.connect({
			hostname: "127.0.0.1",
			port: server.port,
			socket: {
				open: (s) => {
					s.pause(); // never read a reply
				},
				data: () => {},
				drain: pump,
			},
		});
		try {
			pump(socket);
			const stalledAt = await waitForSteady(() => taken);
			const stats = server.stats();
			console.log(
				`transform path, highWaterMark ${HIGH_WATER_MARK}: peak queued ${stats.peakQueuedBytes} bytes, queued now ${stats.queuedBytes}, largest chunk ${largestChunk}, pauses ${stats.pauses}; client kernel took ${stalledAt} of ${TOTAL} bytes`,
			);
			expect(largestChunk).toBeGreaterThan(0);
			expect(largestChunk).toBeLessThanOrEqual(MAX_READ);
			expect(stats.pauses).toBeGreaterThanOrEqual(1);
			expect(stats.peakQueuedBytes).toBeLessThanOrEqual(HIGH_WATER_MARK + largestChunk);
			expect(stats.queuedBytes).toBeLessThanOrEqual(HIGH_WATER_MARK + largestChunk);
			// The client's writes stalled: its kernel took only part of the data. Linux reports
			// "writable" (Bun's drain) only once a good part of the send buffer is free, so there
			// may be a little room left that no drain announced: fill it until write() returns 0.
			expect(stalledAt).toBeLessThan(TOTAL);
			let topUps = 0;
			while (socket.write(block) > 0 && topUps < 1000) topUps++;
			expect(socket.write(block)).toBe(0);
		} finally {
			socket.terminate();
			await server.stop();
		}
	});
});
