import { expect, test } from "bun:test";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { connect, definePlugin, startServer } from "@echokit/core";
import { testPlugin } from "@echokit/core/testing";
import fc from "fast-check";
import { readAllHashed, waitFor } from "../../../packages/core/test/helpers.ts";
import uppercase from "../src/index.ts";

test("lines framing: each line uppercased, ASCII and beyond", async () => {
	const t = testPlugin(uppercase(), { framing: "lines" });
	await t.send("hello\nstraße ünïcödé\n\n");
	expect(t.text).toBe("HELLO\nSTRASSE ÜNÏCÖDÉ\n\n");
});

test("raw framing: é split across two reads gives É, and the first read replies nothing", async () => {
	const t = testPlugin(uppercase());
	await t.send(Uint8Array.of(0xc3));
	expect(t.bytes.byteLength).toBe(0);
	await t.send(Uint8Array.of(0xa9));
	expect(t.text).toBe("É");
});

test("raw framing: a 4-byte character fed one byte at a time, between ASCII", async () => {
	const t = testPlugin(uppercase());
	for (const byte of Buffer.from("a😀b")) await t.send(Uint8Array.of(byte));
	expect(t.text).toBe("A😀B");
});

test("lines framing: a character split across reads inside a line", async () => {
	const t = testPlugin(uppercase(), { framing: "lines" });
	await t.send(Uint8Array.of(0x63, 0x61, 0x66, 0xc3));
	await t.send(Uint8Array.of(0xa9, 0x0a));
	expect(t.text).toBe("CAFÉ\n");
});

test("an unfinished character when the input ends comes back as U+FFFD (end flushes the decoder)", async () => {
	const raw = testPlugin(uppercase());
	await raw.send(Uint8Array.of(0x63, 0x61, 0x66, 0xc3));
	expect(raw.text).toBe("CAF");
	await raw.end();
	expect(Buffer.from(raw.bytes).toString("hex")).toBe("434146efbfbd");
	// lines: the unterminated last line is answered first, then the flushed half character.
	const lines = testPlugin(uppercase(), { framing: "lines" });
	await lines.send(Uint8Array.of(0x61, 0x0a, 0x63, 0x61, 0x66, 0xc3));
	await lines.end();
	expect(lines.text).toBe("A\nCAF\uFFFD");
});

test("a character completed before the input ends: end adds nothing", async () => {
	const t = testPlugin(uppercase());
	await t.send(Uint8Array.of(0xc3));
	await t.send(Uint8Array.of(0xa9));
	await t.end();
	expect(Buffer.from(t.bytes).toString("hex")).toBe("c389"); // É, and nothing after it
	expect(t.closed).toBe(true);
	// Held state is cleared: the hook ran once and found nothing to flush.
	const plugin = uppercase();
	const end = plugin.end as NonNullable<typeof plugin.end>;
	const ctx = { connection: CONNECTION, logger: console, state: { decoder: null, pending: false } };
	expect(end(ctx)).toBeNull();
});

test("any bytes, split anywhere, then FIN: the replies join to the uppercased whole decode", async () => {
	const input = fc.uint8Array({ maxLength: 300 });
	const cuts = fc.array(fc.nat({ max: 300 }), { maxLength: 8 });
	await fc.assert(
		fc.asyncProperty(input, cuts, async (bytes, at) => {
			const t = testPlugin(uppercase());
			for (const chunk of split(bytes, at)) await t.send(chunk);
			await t.end();
			const whole = new TextDecoder("utf-8", { ignoreBOM: true }).decode(bytes).toUpperCase();
			expect(Buffer.from(t.bytes)).toEqual(Buffer.from(whole));
		}),
		{ numRuns: 300 },
	);
});

test("an unfinished character followed by ASCII becomes U+FFFD, then the ASCII", async () => {
	const t = testPlugin(uppercase());
	await t.send(Uint8Array.of(0xc3));
	await t.send("ab");
	await t.send("cd");
	expect(t.text).toBe("\uFFFDABCD");
});

test("a leading byte-order mark is kept", async () => {
	const t = testPlugin(uppercase());
	await t.send("\uFEFFabc");
	// Compare bytes: a default TextDecoder (as in t.text) would strip the BOM itself.
	expect(Buffer.from(t.bytes).toString("hex")).toBe("efbbbf414243");
});

test("each connection has its own decoder", async () => {
	const plugin = uppercase();
	const first = testPlugin(plugin);
	const second = testPlugin(plugin);
	await first.send(Uint8Array.of(0xc3));
	await second.send("x");
	await first.send(Uint8Array.of(0xa9));
	expect(first.text).toBe("É");
	expect(second.text).toBe("X");
});

test("any bytes, split anywhere: the replies join to the uppercased stream", async () => {
	const input = fc.uint8Array({ maxLength: 600 });
	const cuts = fc.array(fc.nat({ max: 600 }), { maxLength: 8 });
	await fc.assert(
		fc.asyncProperty(input, cuts, async (bytes, at) => {
			const t = testPlugin(uppercase());
			for (const chunk of split(bytes, at)) await t.send(chunk);
			expect(Buffer.from(t.bytes)).toEqual(Buffer.from(uppercaseStream(bytes)));
		}),
		{ numRuns: 300 },
	);
});

test("real socket: é sent as two separate reads comes back as É", async () => {
	// A probe before uppercase tells us when the server has read the first byte, so the second
	// write is certainly a separate read, without guessing at delays.
	const firstRead = Promise.withResolvers<void>();
	const reads: number[] = [];
	const probe = definePlugin({
		name: "probe",
		transform: ({ bytes }) => {
			reads.push(bytes.byteLength);
			firstRead.resolve();
			return null;
		},
	});
	const server = await startServer({ port: 0, plugins: [probe, uppercase()] });
	try {
		const client = await connect({ port: server.port });
		await client.send(Uint8Array.of(0xc3));
		await firstRead.promise;
		await client.send(Uint8Array.of(0xa9));
		await client.end();
		expect(new TextDecoder().decode(await client.readAll())).toBe("É");
		expect(reads).toEqual([1, 1]);
	} finally {
		await server.stop();
	}
});

test("real socket: 0xC3 then FIN comes back as EF BF BD; é split across reads then FIN as É alone", async () => {
	const reads: number[] = [];
	let read = Promise.withResolvers<void>();
	const probe = definePlugin({
		name: "probe",
		transform: ({ bytes }) => {
			reads.push(bytes.byteLength);
			read.resolve();
			return null;
		},
	});
	const server = await startServer({ port: 0, plugins: [probe, uppercase()] });
	try {
		const half = await connect({ port: server.port });
		await half.send(Uint8Array.of(0xc3));
		await half.end();
		expect(Buffer.from(await half.readAll()).toString("hex")).toBe("efbfbd");
		const split = await connect({ port: server.port });
		reads.length = 0;
		read = Promise.withResolvers<void>();
		await split.send(Uint8Array.of(0xc3));
		await read.promise; // the server has read the first byte: the second is another read
		await split.send(Uint8Array.of(0xa9));
		await split.end();
		expect(Buffer.from(await split.readAll()).toString("hex")).toBe("c389");
		expect(reads).toEqual([1, 1]);
	} finally {
		await server.stop();
	}
});

test("an ASCII message the engine owns is uppercased in its own buffer; one it does not, into a new one", () => {
	const plugin = uppercase();
	const transform = plugin.transform as NonNullable<typeof plugin.transform>;
	const ctx = { connection: CONNECTION, logger: console, state: { decoder: null, pending: false } };
	const owned = Buffer.from("hello, World 42");
	expect(transform({ bytes: owned, writable: true, text: () => "" }, ctx)).toBe(owned);
	expect(owned.toString()).toBe("HELLO, WORLD 42");
	const shared = Buffer.from("hello");
	const reply = transform({ bytes: shared, writable: false, text: () => "" }, ctx);
	expect(reply).not.toBe(shared);
	expect(Buffer.from(reply as Uint8Array).toString()).toBe("HELLO");
	expect(shared.toString()).toBe("hello");
});

test("mostly ASCII text with some multi-byte characters, up to 3 kernel blocks, split anywhere: exact", async () => {
	const chars = fc.oneof(
		{ weight: 20, arbitrary: fc.string({ unit: "grapheme-ascii", minLength: 1, maxLength: 40 }) },
		{ weight: 1, arbitrary: fc.constantFrom("ß", "é", "ǅ", "ﬃ", "😀", "İ", "\uFEFF", "ŉ") },
	);
	const text = fc
		.tuple(fc.array(chars, { maxLength: 40 }), fc.integer({ min: 1, max: 5000 }))
		.map(([parts, times]) => Buffer.from(parts.join("").repeat(times)));
	const cuts = fc.array(fc.nat({ max: 200_000 }), { maxLength: 6 });
	await fc.assert(
		fc.asyncProperty(text, cuts, async (bytes, at) => {
			const t = testPlugin(uppercase());
			for (const chunk of split(bytes, at)) await t.send(chunk);
			expect(Buffer.from(t.bytes).equals(Buffer.from(uppercaseStream(bytes)))).toBe(true);
		}),
		{ numRuns: 60 },
	);
});

test("lines framing, any text: each line is its toUpperCase, whatever the reads", async () => {
	const line = fc.string({ unit: "binary", maxLength: 80 }).map((s) => s.replaceAll("\n", " "));
	const cuts = fc.array(fc.nat({ max: 3000 }), { maxLength: 8 });
	await fc.assert(
		fc.asyncProperty(fc.array(line, { maxLength: 30 }), cuts, async (lines, at) => {
			const bytes = Buffer.from(lines.map((l) => `${l}\n`).join(""));
			const t = testPlugin(uppercase(), { framing: "lines" });
			for (const chunk of split(bytes, at)) await t.send(chunk);
			expect(t.text).toBe(lines.map((l) => `${l.toUpperCase()}\n`).join(""));
		}),
		{ numRuns: 200 },
	);
});

test("real socket, 16 MiB of ASCII to a reader that starts late: replies uppercased in place stay exact while queued", async () => {
	const server = await startServer({ port: 0, plugins: [uppercase()] });
	try {
		const data = Buffer.alloc(
			16 * 1024 * 1024,
			"The quick brown fox jumps over the lazy dog 0123456789\n",
		);
		const expected = new Bun.CryptoHasher("sha256")
			.update(data.toString("latin1").toUpperCase(), "latin1")
			.digest("hex");
		const client = await connect({ port: server.port });
		client.write(data);
		const ending = client.end();
		// Read only once replies queue in the server (it paused reading): later reads are
		// uppercased while earlier replies still wait in its outbound queue.
		await waitFor("the server to pause reading", () => server.stats().pauses >= 1);
		const received = await readAllHashed(client);
		await ending;
		expect(received.bytes).toBe(data.byteLength);
		expect(received.sha256).toBe(expected);
	} finally {
		await server.stop();
	}
});

test("bun build --compile: a binary with the plugin inside loads the kernel", async () => {
	const dir = mkdtempSync(join(tmpdir(), "uppercase-compile-"));
	try {
		const entry = join(dir, "main.ts");
		writeFileSync(
			entry,
			`import { testPlugin } from ${JSON.stringify(resolve(import.meta.dir, "../../../packages/core/src/testing.ts"))};
import uppercase from ${JSON.stringify(resolve(import.meta.dir, "../src/index.ts"))};
const t = testPlugin(uppercase());
await t.send("hello, kernel ".repeat(10));
await t.send("straße");
process.stdout.write(t.text);
`,
		);
		const binary = join(dir, "main");
		const build = Bun.spawnSync(["bun", "build", "--compile", entry, "--outfile", binary]);
		expect(build.stderr.toString()).not.toContain("error");
		expect(build.exitCode).toBe(0);
		// Run from elsewhere: nothing may be read from the repository at run time.
		const run = Bun.spawnSync([binary], { cwd: tmpdir() });
		expect(run.stdout.toString()).toBe(`${"HELLO, KERNEL ".repeat(10)}STRASSE`);
		expect(run.exitCode).toBe(0);
	} finally {
		rmSync(dir, { recursive: true, force: true });
	}
});

const CONNECTION = {
	id: 1,
	transport: "tcp",
	remoteAddress: "127.0.0.1",
	remotePort: 1,
	framing: "raw",
} as const;

/** Reference: the whole stream through one streaming decoder (a trailing partial character stays held). */
function uppercaseStream(bytes: Uint8Array): string {
	return new TextDecoder("utf-8", { ignoreBOM: true })
		.decode(bytes, { stream: true })
		.toUpperCase();
}

function split(bytes: Uint8Array, at: number[]): Uint8Array[] {
	const points = [...new Set(at.map((n) => Math.min(n, bytes.byteLength)))].sort((a, b) => a - b);
	const chunks: Uint8Array[] = [];
	let start = 0;
	for (const point of [...points, bytes.byteLength]) {
		chunks.push(bytes.subarray(start, point));
		start = point;
	}
	return chunks;
}
