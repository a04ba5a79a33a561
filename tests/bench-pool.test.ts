/**
 * bench/pool.ts: pooling saved runs into one ratio per target with a 90 % interval, and a
 * verdict only when the interval is on one side of the target. No load is run here.
 */
import { afterAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { poolRatios, type SavedRun } from "../bench/lib/pool.ts";
import { record, runBenchScript } from "./fixtures/bench-records.ts";

/** A run of `rounds` rounds where uppercase does `shares[i]` of echokit's 100,000 msg/s. */
function run(scenario: string, shares: number[]): SavedRun {
	return {
		rounds: shares.length,
		records: shares.flatMap((share, i) => [
			record(scenario, "echokit", i + 1, 100_000),
			record(scenario, "uppercase", i + 1, 100_000 * share),
		]),
	};
}

describe("poolRatios", () => {
	test("pairs rounds within each run, and pools them across runs", () => {
		const [pooled] = poolRatios([run("4k", [0.9, 0.8]), run("4k", [0.7, 1.0])]);
		expect(pooled).toMatchObject({ scenario: "4k", server: "uppercase", against: "echokit" });
		expect(pooled?.rounds).toBe(4);
		expect(pooled?.ratio).toBeCloseTo(0.85, 10);
		expect(pooled?.medianOfRounds).toBeCloseTo(0.85, 10);
		expect(pooled?.low).toBeLessThanOrEqual(pooled?.ratio as number);
		expect(pooled?.high).toBeGreaterThanOrEqual(pooled?.ratio as number);
	});

	test("met or missed only when the whole interval is on one side of the target", () => {
		const steady = poolRatios([run("4k", Array(20).fill(0.85))])[0];
		expect(steady).toMatchObject({ low: 0.85, high: 0.85, target: 0.8, verdict: "met" });
		expect(poolRatios([run("4k", Array(20).fill(0.7))])[0]?.verdict).toBe("missed");
		const noisy = poolRatios([run("4k", [0.5, 1.2, 0.6, 1.1, 0.7, 1.0])])[0];
		expect(noisy?.verdict).toBe("undecided");
		expect(noisy?.low).toBeLessThan(0.8);
		expect(noisy?.high).toBeGreaterThan(0.8);
	});

	test("a scenario's own share (latency: 0.95), the same interval for the same input", () => {
		const input = [run("latency", [0.9, 1.0, 0.97, 0.99, 0.93])];
		const [first] = poolRatios(input);
		expect(first?.target).toBe(0.95);
		expect(poolRatios(input)[0]).toEqual(first as NonNullable<typeof first>);
	});

	test("rounds where the other failed or measured 0 are left out; servers without a target too", () => {
		const saved = run("4k", [0.9, 0.9, 0.9]);
		saved.records = saved.records.filter((r) => !(r.server === "echokit" && r.round === 2));
		saved.records.push(record("4k", "node-pipe", 1, 50_000), record("4k", "__proto__", 1, 5));
		const failed = saved.records.find((r) => r.server === "uppercase" && r.round === 1);
		if (failed) failed.error = "load exited 1";
		const zero = saved.records.find((r) => r.server === "echokit" && r.round === 3);
		if (zero?.load) zero.load.report.messagesPerSec = 0;
		saved.records.push(record("4k", "uppercase", 4, 90_000), record("4k", "echokit", 4, 100_000));
		expect(poolRatios([saved]).map((p) => [p.server, p.rounds])).toEqual([["uppercase", 1]]);
	});

	test("under 6 rounds no verdict; a control whose interval excludes 1 says so", () => {
		expect(poolRatios([run("4k", Array(5).fill(0.85))])[0]?.verdict).toBe("too few rounds");
		const again = (shares: number[]) =>
			poolRatios([
				{
					rounds: shares.length,
					records: shares.flatMap((share, i) => [
						record("4k", "echokit", i + 1, 100_000),
						record("4k", "echokit-again", i + 1, 100_000 * share),
					]),
				},
			])[0]?.verdict;
		expect(again([0.9, 1.1, 0.95, 1.05, 1.0, 0.98])).toBe("control");
		expect(again([0.9, 0.92, 0.91, 0.93, 0.9, 0.92])).toBe("control: interval excludes 1");
	});

	test("a record of the wrong shape, or twice in one round, is an error naming it", () => {
		const bad = (records: unknown, names?: string[]) => () =>
			poolRatios([{ rounds: 1, records } as SavedRun], names);
		expect(bad(5)).toThrow("run 1: not a saved run");
		expect(bad([null], ["a.json"])).toThrow("a.json, record 1: not an object");
		expect(bad([{ round: "1", scenario: "4k", server: "echokit" }])).toThrow(
			'"round" (an integer)',
		);
		const nan = record("4k", "echokit", 1, Number.NaN);
		expect(bad([record("4k", "echokit", 1, 1), nan])).toThrow(
			"record 2: load.report.messagesPerSec is not a number from 0 to",
		);
		const twice = [record("4k", "echokit", 1, 1), record("4k", "echokit", 1, 2)];
		expect(bad(twice)).toThrow("record 2: a second echokit in 4k, round 1");
	});
});

describe("bun bench/pool.ts", () => {
	const dir = mkdtempSync(join(tmpdir(), "echokit-pool-"));
	afterAll(() => rmSync(dir, { recursive: true, force: true }));

	const pool = (...args: string[]) => runBenchScript("pool.ts", ...args);

	test("prints one row per target, with the verdict; the same run twice counts once", async () => {
		const file = join(dir, "a.json");
		await Bun.write(file, JSON.stringify(run("stream", Array(10).fill(0.86))));
		const { stdout, stderr, code } = await pool(file, file);
		expect(code).toBe(0);
		expect(stdout).toContain(
			"| stream   | uppercase | echokit |     10 |     0.860× |   0.860–0.860 |",
		);
		expect(stdout).toContain("| met     |");
		expect(stderr).toBe(`bench/pool.ts: ${file} is the same run as ${file}: counted once\n`);
	});

	test("--help: usage on stdout, exit 0", async () => {
		const { stdout, code } = await pool("--help");
		expect(code).toBe(0);
		expect(stdout).toStartWith("usage: bun bench/pool.ts FILE...");
	});

	test.each([
		["{}", "not a saved run"],
		["[]", "not a saved run"],
		["not json", "is not JSON"],
		['{"records":[{"round":1}]}', "record 1: expected"],
	])("%p: one line naming the problem, exit 2", async (text, problem) => {
		const file = join(dir, "bad.json");
		await Bun.write(file, text);
		const { stderr, code } = await pool(file);
		expect(code).toBe(2);
		expect(stderr.trimEnd().split("\n")).toHaveLength(1);
		expect(stderr).toContain(problem);
	});

	test("no file, or one it cannot read: one line and exit 2", async () => {
		const none = await pool();
		expect(none.code).toBe(2);
		expect(none.stderr).toStartWith("usage: bun bench/pool.ts FILE...");
		const missing = await pool(join(dir, "nosuch.json"));
		expect(missing.code).toBe(2);
		expect(missing.stderr.trimEnd().split("\n")).toHaveLength(1);
		expect(missing.stderr).toContain("cannot read");
	});
});
