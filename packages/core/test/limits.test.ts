/**
 * Issue 4, limits: `maxConnections`, `idleTimeoutMs`, `maxLineBytes` (lines framing) and a
 * configurable outbound `highWaterMark`, each on real sockets. Each test fails when its limit is
 * not enforced: the turned-away or over-long connection would stay open (the read guard throws),
 * the idle one would never close, the queue would grow to the default mark.
 */
import { describe, expect, test } from "bun:test";
import { resolveMaxConnections } from "../src/fd-limit.ts";
import {
	type AnyPlugin,
	connect,
	definePlugin,
	type EchoClient,
	startServer,
} from "../src/index.ts";
import { startChildServer } from "./fixtures/child.ts";
import { decoder, randomBytes, recordingLogger, waitFor, waitForSteady } from "./helpers.ts";

const KiB = 1024;
const MiB = 1024 * KiB;

describe("maxConnections", () => {
	test("the connection over the limit is closed at once, counted and logged; a freed slot is reused", async () => {
		const logger = recordingLogger();
		const server = await startServer({ port: 0, maxConnections: 2, logger });
		try {
			const a = await connect({ port: server.port });
			const b = await connect({ port: server.port });
			// A round trip on each: the server has opened both before the third arrives.
			expect(await roundTrip(a, "a")).toBe("a");
			expect(await roundTrip(b, "b")).toBe("b");
			expect(server.connections).toBe(2);

			const over = await connect({ port: server.port });
			over.write("never echoed");
			expect(await within(over.readAll(), 5000, "the third connection to close")).toHaveLength(0);
			expect(server.stats().rejected).toBe(1);
			expect(server.connections).toBe(2);
			const warnings = logger.lines.filter((line) => line.level === "warn");
			expect(warnings).toHaveLength(1);
			expect(warnings[0]?.message).toContain("maxConnections");
			expect(logger.events).toEqual(["warn max_connections"]);

			// Closing one frees its slot: the next connection is served, the others untouched.
			await a.end();
			expect(await within(a.readAll(), 5000, "a to close")).toHaveLength(0);
			await waitFor("the server to release a's slot", () => server.connections === 1);
			const next = await connect({ port: server.port });
			next.write("served");
			await next.end();
			expect(decoder.decode(await within(next.readAll(), 5000, "next's echo"))).toBe("served");
			expect(await roundTrip(b, "still here")).toBe("still here");
			expect(server.stats().rejected).toBe(1);
			b.close();
		} finally {
			await server.stop();
		}
	});
});

describe("maxConnections by default: what the open-file limit allows", () => {
	test("the limit less 32 and 5 % of it, at most 2^20; 1024 where the limit is unknown", () => {
		const logger = recordingLogger();
		const at = (limit: number | undefined) => resolveMaxConnections(undefined, limit, logger).value;
		expect(at(20_000)).toBe(18_968); // was a fixed 1024 whatever the limit
		expect(at(1024)).toBe(940);
		expect(at(64)).toBe(28);
		expect(at(1 << 20)).toBe(996_115);
		expect(at(1_073_741_816)).toBe(1 << 20); // a container's huge limit
		expect(at(40)).toBe(6);
		expect(at(30)).toBe(1);
		expect(at(undefined)).toBe(1024);
		expect(logger.lines).toEqual([]); // a default is not a warning
	});

	test("a value given is kept below the limit less 32, with a warning when lowered", () => {
		const logger = recordingLogger();
		expect(resolveMaxConnections(500, 20_000, logger)).toEqual({ value: 500, reason: "as set" });
		expect(resolveMaxConnections(19_968, 20_000, logger).value).toBe(19_968);
		expect(logger.lines).toEqual([]);
		expect(resolveMaxConnections(50_000, 20_000, logger).value).toBe(19_968);
		expect(logger.lines.map((line) => line.level)).toEqual(["warn"]);
		expect(logger.lines[0]?.message).toContain("open-file limit (20000)");
	});

	test("a server under `ulimit -n 200` takes 158 by default and says so at debug level", async () => {
		const child = await startChildServer({}, { fdLimit: 200 });
		try {
			await waitFor("the start-up lines", () => child.logs.length > 0);
			expect(child.logs).toContainEqual({
				log: "debug",
				message: "maxConnections 158 (the default: the open-file limit 200 less 42 kept free)",
			});
			expect(child.logs.filter((line) => line.log === "warn")).toEqual([]);
			expect((await child.stats()).connections).toBe(0);
		} finally {
			await child.kill();
		}
	});
});

describe("idleTimeoutMs", () => {
	test("an idle connection is closed after the timeout; one that keeps sending is never touched", async () => {
		const logger = recordingLogger();
		const server = await startServer({ port: 0, idleTimeoutMs: 200, logger });
		try {
			const idle = await connect({ port: server.port });
			const active = await connect({ port: server.port });
			const idleSince = performance.now();
			const idleClosed = within(idle.readAll(), 5000, "the idle connection to close").then(
				(bytes) => ({ bytes, afterMs: performance.now() - idleSince }),
			);

			// 16 sends 50 ms apart: 800 ms of traffic, four times the timeout.
			const sent: Uint8Array[] = [];
			const received = active.readAll();
			for (let i = 0; i < 16; i++) {
				const chunk = randomBytes(1000 + i);
				sent.push(chunk);
				await active.send(chunk);
				await Bun.sleep(50);
			}
			await active.end();
			expect(Buffer.compare(await received, Buffer.concat(sent))).toBe(0);

			const { bytes, afterMs } = await idleClosed;
			expect(bytes).toHaveLength(0);
			// Closed by the timeout, not at once (the sweep's tick is a quarter of the timeout).
			expect(afterMs).toBeGreaterThanOrEqual(150);
			expect(server.stats().idleClosed).toBe(1);
			const warnings = logger.lines.filter((line) => line.level === "warn");
			expect(warnings).toHaveLength(1);
			expect(warnings[0]?.message).toContain("idle");
		} finally {
			await server.stop();
		}
	});
});

const uppercase = definePlugin({
	name: "upper",
	transform: (message) => message.text().toUpperCase(),
});

describe.each([
	["the echo path (no transform)", [] as AnyPlugin[]],
	["a transform plugin", [uppercase] as AnyPlugin[]],
])("maxLineBytes with %s", (_name, plugins) => {
	const LIMIT = 1024;
	const expectReply = (text: string) => (plugins.length ? text.toUpperCase() : text);

	test("an over-long line closes only its connection, with a logged E_LINE_TOO_LONG", async () => {
		const logger = recordingLogger();
		const server = await startServer({
			port: 0,
			framing: "lines",
			maxLineBytes: LIMIT,
			plugins,
			logger,
		});
		try {
			const other = await connect({ port: server.port });
			expect(await roundTrip(other, "before\n")).toBe(expectReply("before\n"));

			// One over-long line that ends, and one that never does: both connections are closed.
			const ended = await connect({ port: server.port });
			ended.write(`ok\n${"x".repeat(4 * LIMIT)}\nnot reached\n`);
			const endless = await connect({ port: server.port });
			endless.write(`ok\n${"y".repeat(4 * LIMIT)}`);
			for (const client of [ended, endless]) {
				const reply = decoder.decode(await within(client.readAll(), 5000, "the close"));
				// The line before is answered; of the over-long one at most the limit got through
				// (the echo path sends on what it reads before the line is known to be too long).
				expect(reply.startsWith(expectReply("ok\n"))).toBe(true);
				expect(reply.length).toBeLessThanOrEqual(3 + LIMIT);
				if (plugins.length) expect(reply).toBe("OK\n");
				expect(reply).not.toContain("not reached");
			}
			const reasons = logger.lines.filter((line) => line.message.includes("E_LINE_TOO_LONG"));
			expect(reasons).toHaveLength(2);
			expect(reasons.every((line) => line.level === "warn")).toBe(true);

			// The other connection is untouched, and a line of exactly the limit is fine.
			const atLimit = `${"z".repeat(LIMIT)}\n`;
			expect(await roundTrip(other, atLimit)).toBe(expectReply(atLimit));
			other.write("after\n");
			await other.end();
			expect(decoder.decode(await within(other.readAll(), 5000, "other's close"))).toBe(
				expectReply("after\n"),
			);
			expect(server.stats().accepted).toBe(3);
		} finally {
			await server.stop();
		}
	});
});

describe("highWaterMark", () => {
	/**
	 * A client that never reads its replies; the server's queue for it grows until the server
	 * pauses reading, at the first read that takes it above `highWaterMark`. So the peak is at most
	 * the mark plus one read's reply. A pass-through plugin measures the largest read.
	 */
	async function peakFor(highWaterMark: number) {
		let largestRead = 0;
		const measure = definePlugin({
			name: "measure",
			transform({ bytes }) {
				largestRead = Math.max(largestRead, bytes.byteLength);
				return null;
			},
		});
		const server = await startServer({ port: 0, highWaterMark, plugins: [measure] });
		try {
			// The client itself stops reading after 16 KiB of unread replies.
			const client = await connect({ port: server.port, highWaterMark: 16 * KiB });
			const block = randomBytes(MiB);
			for (let i = 0; i < 24; i++) {
				client.write(block);
				await Bun.sleep(0);
			}
			await waitForSteady(() => client.pendingBytes);
			const stats = server.stats();
			client.close();
			return { peak: stats.peakQueuedBytes, pauses: stats.pauses, largestRead };
		} finally {
			await server.stop({ drainTimeoutMs: 0, closeTimeoutMs: 0 });
		}
	}

	test("64 KiB: the queue for a non-reading client stays within the mark plus one read", async () => {
		const { peak, pauses, largestRead } = await peakFor(64 * KiB);
		expect(pauses).toBeGreaterThan(0);
		expect(peak).toBeGreaterThan(0);
		expect(largestRead).toBeLessThanOrEqual(512 * KiB);
		expect(peak).toBeLessThanOrEqual(64 * KiB + largestRead);
	});

	test("512 KiB: the queue goes past 64 KiB up to the configured mark, and not past it plus one read", async () => {
		const { peak, pauses, largestRead } = await peakFor(512 * KiB);
		expect(pauses).toBeGreaterThan(0);
		expect(peak).toBeGreaterThan(512 * KiB);
		expect(peak).toBeLessThanOrEqual(512 * KiB + largestRead);
	});
});

/** Writes `text`, reads exactly as many bytes back (as UTF-8 this equals for ASCII). */
async function roundTrip(client: EchoClient, text: string): Promise<string> {
	client.write(text);
	const reply = await within(client.readBytes(Buffer.byteLength(text)), 5000, "the echo");
	return decoder.decode(reply);
}

/** Guards a wait: rejects with `what` after `ms` (a hang guard, not a speed assertion). */
function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
	let timer: Timer | undefined;
	const timeout = new Promise<never>((_, reject) => {
		timer = setTimeout(() => reject(new Error(`timed out waiting for ${what}`)), ms);
	});
	return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
