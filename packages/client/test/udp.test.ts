import { describe, expect, test } from "bun:test";
import { CliError } from "../src/errors.ts";
import { datagramLines } from "../src/udp.ts";

const text = (bytes: Uint8Array) => new TextDecoder().decode(bytes);

async function* chunks(...parts: string[]): AsyncGenerator<Uint8Array> {
	for (const part of parts) yield Buffer.from(part);
}

async function lines(source: AsyncIterable<Uint8Array>, framing: "raw" | "lines") {
	const out: string[] = [];
	for await (const datagram of datagramLines(source, framing)) out.push(text(datagram));
	return out;
}

describe("datagramLines", () => {
	test("one datagram per line, across chunk borders; empty lines count; the last needs no newline", async () => {
		expect(await lines(chunks("on", "e\ntw", "o\n\nla", "st"), "raw")).toEqual([
			"one",
			"two",
			"",
			"last",
		]);
		expect(await lines(chunks("a\nb\n"), "raw")).toEqual(["a", "b"]);
		expect(await lines(chunks(), "raw")).toEqual([]);
	});

	test("lines framing puts the newline back on every datagram, the last one too", async () => {
		expect(await lines(chunks("a\n", "b"), "lines")).toEqual(["a\n", "b\n"]);
	});

	test("a line too long for one datagram is a usage error naming the line", async () => {
		const long = chunks("ok\n", "x".repeat(40_000), "x".repeat(40_000), "\n");
		const error = await lines(long, "raw").catch((error: unknown) => error);
		expect(error).toBeInstanceOf(CliError);
		expect((error as CliError).code).toBe("E_USAGE");
		expect((error as CliError).message).toContain("line 2 of stdin is longer than 65507 bytes");
	});
});
