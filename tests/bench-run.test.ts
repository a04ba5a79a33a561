/**
 * `bun run bench` as a command: a bad flag or value is one line naming it and exit 2, before
 * anything runs; the A/A control gets its ratios, not a verdict. No load is run here.
 */
import { describe, expect, test } from "bun:test";
import { scenarios } from "../bench/lib/scenarios.ts";
import { BASELINES } from "../bench/lib/servers.ts";
import { summarize } from "../bench/lib/summary.ts";
import { record, runBenchScript } from "./fixtures/bench-records.ts";

const bench = (...args: string[]) => runBenchScript("run.ts", ...args);

describe("bun run bench: bad flags", () => {
	test.each([
		[["--rounds", "1.5"], "--rounds"],
		[["--rounds", "0"], "--rounds"],
		[["--duration", "abc"], "--duration"],
		[["--warmup", "abc"], "--warmup"],
		[["--warmup=-1"], "--warmup"],
		[["--max-other", "abc"], "--max-other"],
		[["--max-other=-1"], "--max-other"],
		[["--retries", "abc"], "--retries"],
		[["--idle-connections", "2.5"], "--idle-connections"],
		[["--rounds", "--quick"], "--rounds"],
		[["--duration", "-1"], "--duration"],
		[["--servers", "nosuch"], "nosuch"],
		[["--scenarios", "nosuch"], "nosuch"],
	])("%p: one line naming %s, exit 2", async (args, named) => {
		const { stdout, stderr, code } = await bench(...args);
		expect(code).toBe(2);
		expect(stdout).toBe("");
		const lines = stderr.trimEnd().split("\n");
		expect(lines).toHaveLength(1);
		expect(lines[0]).toStartWith("bench: ");
		expect(lines[0]).toContain(named);
	});
});

describe("summary: the A/A control", () => {
	test("echokit-again gets its ratio to echokit and no met/MISSED verdict", () => {
		const latency = scenarios(10).find((s) => s.id === "latency");
		if (!latency) throw new Error("no latency scenario");
		const records = [1, 2, 3].flatMap((round) => [
			record("latency", "echokit", round, 1000),
			record("latency", "echokit-again", round, 700),
		]);
		const cells = summarize(records, [latency], ["echokit", "echokit-again"], BASELINES);
		expect(cells.find((c) => c.server === "echokit-again")?.target).toBe(
			"control (0.70× echokit tput, 1.00× µs/msg)",
		);
	});
});
