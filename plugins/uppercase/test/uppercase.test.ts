import { expect, test } from "bun:test";
import { connect, definePlugin, startServer } from "@echokit/core";
import { testPlugin } from "@echokit/core/testing";
import fc from "fast-check";
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
