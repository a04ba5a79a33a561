/**
 * The load generator checks correctness, not speed: every byte is compared, a corrupting server
 * is caught, bad arguments are refused. No assertion here is about timing.
 */
import { afterEach, describe, expect, test } from "bun:test";
import { definePlugin, type EchoServer, type Plugin, startServer } from "@echokit/core";
import {
	type BenchProgress,
	type BenchReport,
	createProgressLine,
	formatReport,
	parseBenchArgs,
	progressText,
	runBench,
} from "../src/bench/index.ts";
import { Pattern, PERIOD } from "../src/bench/pattern.ts";
import { CliError } from "../src/errors.ts";

const servers: EchoServer[] = [];

afterEach(async () => {
	await Promise.all(
		servers.splice(0).map((server) => server.stop({ drainTimeoutMs: 0, closeTimeoutMs: 1000 })),
	);
});

async function serve(plugins: Plugin<undefined>[] = []): Promise<number> {
	const server = await startServer({ port: 0, plugins });
	servers.push(server);
	return server.port;
}

/** Flips the first byte of every read: the reply has the right length and wrong content. */
const corrupt = definePlugin({
	name: "corrupt",
	transform: ({ bytes }) => {
		const copy = new Uint8Array(bytes);
		copy[0] = (copy[0] as number) ^ 0xff;
		return copy;
	},
});

/** Uppercases ASCII letters, like the uppercase plugin does for ASCII. */
const upper = definePlugin({
	name: "upper",
	transform: ({ bytes }) =>
		bytes.map((byte) => (byte >= 0x61 && byte <= 0x7a ? byte - 0x20 : byte)),
});

describe("runBench against an in-process server", () => {
	test("a 1-second run completes messages and finds no mismatch", async () => {
		const port = await serve();
		const report = await runBench({ port, durationSec: 1, warmupSec: 0 });
		expectClean(report);
		expect(report.messagesPerSec).toBeGreaterThan(0);
		expect(report.latencyUs.p50).toBeGreaterThan(0);
		expect(report.latencyUs.p50).toBeLessThanOrEqual(report.latencyUs.p99);
		expect(report.latencyUs.p99).toBeLessThanOrEqual(report.latencyUs.max);
		expect(Object.keys(report).sort()).toEqual(
			[
				"connections",
				"durationSec",
				"errors",
				"latencyUs",
				"mbPerSec",
				"messages",
				"messagesPerSec",
				"mismatches",
				"mode",
				"pipeline",
				"rate",
				"receivedBytes",
				"size",
				"target",
			].sort(),
		);
		expect(report.receivedBytes).toBeGreaterThanOrEqual(report.messages * report.size);
	});

	test("pipelined large messages (partial writes, drain) all come back exact", async () => {
		const port = await serve();
		const report = await runBench({
			port,
			connections: 4,
			pipeline: 4,
			size: 200_000,
			durationSec: 0.5,
			warmupSec: 0.2,
		});
		expectClean(report);
	});

	test("a server that flips a byte is caught", async () => {
		const port = await serve([corrupt]);
		const report = await runBench({
			port,
			connections: 2,
			pipeline: 2,
			durationSec: 0.5,
			warmupSec: 0,
		});
		expect(report.mismatches).toBeGreaterThan(0);
	});

	test("--expect uppercase checks an uppercasing server byte for byte", async () => {
		const port = await serve([upper]);
		const ascii = { port, payload: "ascii", durationSec: 0.3, warmupSec: 0 } as const;
		const right = await runBench({ ...ascii, expect: "uppercase" });
		expect(right.messages).toBeGreaterThan(0);
		expect(right.mismatches).toBe(0);
		// The same server is wrong for a plain echo.
		const wrong = await runBench(ascii);
		expect(wrong.mismatches).toBeGreaterThan(0);
	});

	test("a server that replies more than it got counts as an error", async () => {
		const twice = definePlugin({
			name: "twice",
			transform: ({ bytes }) => Buffer.concat([bytes, bytes]),
		});
		const port = await serve([twice]);
		const report = await runBench({ port, connections: 2, durationSec: 0.3, warmupSec: 0 });
		expect(report.errors).toBeGreaterThan(0);
	});

	test("open loop (--rate) sends on its clock and checks every byte", async () => {
		const port = await serve();
		const report = await runBench({
			port,
			connections: 2,
			rate: 2000,
			durationSec: 0.5,
			warmupSec: 0,
		});
		expect(report.rate).toBe(2000);
		expectClean(report);
	});

	test("churn mode connects, echoes and closes in loops", async () => {
		const port = await serve();
		const report = await runBench({
			port,
			mode: "churn",
			connections: 4,
			durationSec: 0.5,
			warmupSec: 0,
		});
		expectClean(report);
	});

	test("churn with --close reset (no TIME_WAIT) completes cycles without errors", async () => {
		const port = await serve();
		const report = await runBench({
			port,
			mode: "churn",
			close: "reset",
			connections: 4,
			durationSec: 0.5,
			warmupSec: 0,
		});
		expectClean(report);
	});

	test("reports progress when asked", async () => {
		const port = await serve();
		const seen: BenchProgress[] = [];
		await runBench({ port, durationSec: 1.2, warmupSec: 0, onProgress: (p) => seen.push(p) });
		expect(seen.length).toBeGreaterThan(0);
		expect(seen[0]?.phase).toBe("measure");
	});

	test("nothing listening: E_CONNECT", async () => {
		const port = await serve();
		await servers.pop()?.stop();
		const error = await runBench({ port, durationSec: 0.2 }).catch((e: unknown) => e);
		expect(error).toBeInstanceOf(CliError);
		expect((error as CliError).code).toBe("E_CONNECT");
	});
});

describe("parseBenchArgs", () => {
	test("defaults and both flag forms", () => {
		expect(parseBenchArgs([])).toEqual({ json: false, help: false, version: false });
		const args = parseBenchArgs([
			"--host",
			"::1",
			"--port=9000",
			"--connections",
			"50",
			"--size",
			"4096",
			"--pipeline=8",
			"--duration",
			"2.5",
			"--warmup",
			"0",
			"--rate",
			"1000",
			"--payload",
			"ascii",
			"--json",
		]);
		expect(args).toEqual({
			json: true,
			help: false,
			version: false,
			host: "::1",
			port: 9000,
			connections: 50,
			size: 4096,
			pipeline: 8,
			durationSec: 2.5,
			warmupSec: 0,
			rate: 1000,
			payload: "ascii",
		});
		expect(parseBenchArgs(["--mode", "churn"]).mode).toBe("churn");
		expect(parseBenchArgs(["--close", "reset"]).close).toBe("reset");
		expect(parseBenchArgs(["--bogus", "--help"]).help).toBe(true);
	});

	test("short flags: -p is --port, -h --help, -v --version", () => {
		expect(parseBenchArgs(["-p", "9000"]).port).toBe(9000);
		expect(parseBenchArgs(["-p=9000"]).port).toBe(9000);
		expect(parseBenchArgs(["-h"]).help).toBe(true);
		expect(parseBenchArgs(["-v"])).toEqual({ json: false, help: false, version: true });
	});

	test.each([
		[["--prot", "9000"], 'unknown flag "--prot" (did you mean --port?)'],
		[["-c", "5"], 'unknown flag "-c"'],
		[["9000"], "unexpected argument"],
		[["--port"], "missing value for --port"],
		[["--port", "0"], "invalid --port"],
		[["--port", "70000"], "invalid --port"],
		[["--size", "64k"], "invalid --size"],
		[["--size", "1e3"], "invalid --size"],
		[["--size", "0x40"], "invalid --size"],
		[["--size", "0"], "invalid --size"],
		[["--connections", "-1"], "invalid --connections"],
		[["--connections", ""], "invalid --connections"],
		[["--pipeline", "2.5"], "invalid --pipeline"],
		[["--duration", "0"], "invalid --duration"],
		[["--duration", ".5"], "invalid --duration"],
		[["--rate", "0"], "invalid --rate"],
		[["--mode", "stream"], "invalid --mode"],
		[["--payload", "text"], "invalid --payload"],
		[["--expect", "uppercase"], "--expect uppercase needs --payload ascii"],
		[["--expect", "reverse", "--payload", "ascii"], "invalid --expect"],
		[["--json=yes"], "--json takes no value"],
		[["--size", "64", "--size", "128"], "--size given twice"],
		[["--mode", "churn", "--rate", "10"], "--rate works with --mode rr only"],
		[["--close", "rst"], "invalid --close"],
	])("%j is refused: %s", (argv, message) => {
		let error: unknown;
		try {
			parseBenchArgs(argv);
		} catch (caught) {
			error = caught;
		}
		expect(error).toBeInstanceOf(CliError);
		expect((error as CliError).code).toBe("E_USAGE");
		expect((error as CliError).message).toContain(message);
	});
});

describe("output", () => {
	const report = {
		mode: "rr" as const,
		target: "127.0.0.1:9000",
		connections: 50,
		size: 64,
		pipeline: 4,
		rate: null,
		durationSec: 3,
		messages: 1_200_000,
		messagesPerSec: 400_000,
		mbPerSec: 25.6,
		latencyUs: { p50: 100, p90: 150, p99: 300, p999: 900, max: 4000, mean: 110.5 },
		errors: 0,
		mismatches: 0,
		receivedBytes: 25_600_000,
	};

	test("formatReport shows the numbers", () => {
		const text = formatReport(report);
		expect(text).toContain("50 connections × 4 in flight × 64 B");
		expect(text).toContain("400,000 msg/s");
		expect(text).toContain("25.60 MB/s");
		expect(text).toContain("p99 300");
		expect(text).toContain("p99.9 900");
	});

	test("progress line: only on a terminal and never with --json", () => {
		const written: string[] = [];
		const tty = { isTTY: true, write: (text: string) => written.push(text) };
		expect(createProgressLine({ stream: { isTTY: false, write: () => {} } })).toBeUndefined();
		expect(createProgressLine({ json: true, stream: tty })).toBeUndefined();
		const line = createProgressLine({ stream: tty });
		const progress: BenchProgress = {
			phase: "measure",
			elapsedSec: 2,
			phaseSec: 5,
			messagesPerSec: 41_000,
			messages: 82_000,
			errors: 0,
			mismatches: 0,
		};
		line?.update(progress);
		line?.done();
		expect(written[0]?.startsWith("\r")).toBe(true);
		expect(written[0]).toContain(progressText(progress));
		expect(progressText(progress)).toBe(
			"measure 2/5 s  41,000 msg/s  82,000 messages  0 errors  0 mismatches",
		);
	});
});

describe("pattern", () => {
	test("a stream written through partial writes is the pattern, across the period's wrap", () => {
		const pattern = new Pattern("binary");
		const got: number[] = [];
		const sink = {
			write(data: Uint8Array, offset = 0, length = data.byteLength - offset) {
				const take = Math.min(length, 7777);
				got.push(...data.subarray(offset, offset + take));
				return take;
			},
		};
		const base = PERIOD - 1000;
		let sent = 0;
		while (sent < 20_000) sent += pattern.write(sink, base, sent, 20_000);
		const bytes = Uint8Array.from(got);
		expect(pattern.matches(base, 0, bytes, 0, bytes.length)).toBe(true);
		bytes[12_345] = (bytes[12_345] as number) ^ 1;
		expect(pattern.matches(base, 0, bytes, 0, bytes.length)).toBe(false);
		expect(pattern.matches(base, 12_346, bytes, 12_346, bytes.length)).toBe(true);
	});

	test("the ascii payload is printable, has lowercase letters, and its uppercase expectation none", () => {
		const { bytes, expected } = new Pattern("ascii", "uppercase");
		const lower = (byte: number) => byte >= 0x61 && byte <= 0x7a;
		expect(bytes.every((byte) => byte >= 0x20 && byte < 0x7f)).toBe(true);
		expect(bytes.some(lower)).toBe(true);
		expect(expected.some(lower)).toBe(false);
		expect(expected.length).toBe(bytes.length);
	});
});

/** Messages flowed, and every byte came back right over healthy connections. */
function expectClean(report: BenchReport): void {
	expect(report.messages).toBeGreaterThan(0);
	expect(report.mismatches).toBe(0);
	expect(report.errors).toBe(0);
}
