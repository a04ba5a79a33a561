/**
 * Pools the rounds of several saved runs (bench/.out/results-*.json) to decide a target that
 * one run leaves within noise. The estimate is the ratio of mean throughputs over every round
 * in which both servers ran, with a 90 % bootstrap interval (rounds resampled with replacement,
 * seeded, so the same files give the same interval).
 * @module
 */
import { median, type RunRecord, TARGETS } from "./summary.ts";

/** A saved run: what run.ts writes to bench/.out/results-*.json (the fields read here). */
export interface SavedRun {
	rounds: number;
	records: RunRecord[];
}

/** One server against its target's `against`, in one scenario, pooled over runs. */
export interface PooledRatio {
	scenario: string;
	server: string;
	against: string;
	/** Rounds in which both servers measured. */
	rounds: number;
	/** Σ throughput ÷ Σ the other's throughput over those rounds. */
	ratio: number;
	/** The 5th and 95th percentiles of {@link ratio} over bootstrap resamples. */
	low: number;
	high: number;
	/** The median of per-round ratios (what one run's table shows), for comparison. */
	medianOfRounds: number;
	/** The throughput share the target asks for; `undefined` for an A/A control. */
	target: number | undefined;
	/** `met` when the whole interval is at or above the target, `missed` when below it. */
	verdict: "met" | "missed" | "undecided" | "control";
}

const RESAMPLES = 4000;

/** Every (scenario, server with a target) pair found in `runs`, in order of first appearance. */
export function poolRatios(runs: readonly SavedRun[]): PooledRatio[] {
	const pairs = new Map<string, { scenario: string; server: string; rates: [number, number][] }>();
	for (const run of runs) {
		for (const mine of run.records) {
			const target = TARGETS[mine.server];
			if (!target || !mine.load) continue;
			const theirs = run.records.find(
				(r) =>
					r.round === mine.round && r.scenario === mine.scenario && r.server === target.against,
			);
			if (!theirs?.load) continue;
			const key = `${mine.scenario} ${mine.server}`;
			const entry = pairs.get(key) ?? { scenario: mine.scenario, server: mine.server, rates: [] };
			entry.rates.push([mine.load.report.messagesPerSec, theirs.load.report.messagesPerSec]);
			pairs.set(key, entry);
		}
	}
	return [...pairs.values()].map(({ scenario, server, rates }) => {
		const target = TARGETS[server] as (typeof TARGETS)[string];
		const share = target.control
			? undefined
			: (target.throughputIn?.[scenario] ?? target.throughput);
		const [low, high] = interval(rates);
		const verdict =
			share === undefined
				? "control"
				: low >= share
					? "met"
					: high < share
						? "missed"
						: "undecided";
		return {
			scenario,
			server,
			against: target.against,
			rounds: rates.length,
			ratio: ratioOfSums(rates),
			low,
			high,
			medianOfRounds: median(rates.map(([mine, theirs]) => mine / theirs)),
			target: share,
			verdict,
		};
	});
}

function ratioOfSums(rates: readonly [number, number][]): number {
	let mine = 0;
	let theirs = 0;
	for (const [a, b] of rates) {
		mine += a;
		theirs += b;
	}
	return mine / theirs;
}

/** The 5th and 95th percentiles of {@link ratioOfSums} over resampled rounds. */
function interval(rates: readonly [number, number][]): [number, number] {
	const random = mulberry32(0x5eed);
	const estimates: number[] = [];
	const sample: [number, number][] = new Array(rates.length);
	for (let i = 0; i < RESAMPLES; i++) {
		for (let j = 0; j < rates.length; j++) {
			sample[j] = rates[Math.floor(random() * rates.length)] as [number, number];
		}
		estimates.push(ratioOfSums(sample));
	}
	estimates.sort((a, b) => a - b);
	return [
		estimates[Math.floor(RESAMPLES * 0.05)] as number,
		estimates[Math.ceil(RESAMPLES * 0.95) - 1] as number,
	];
}

/** A small seeded PRNG (Mulberry32), uniform in [0, 1). */
function mulberry32(seed: number): () => number {
	let state = seed >>> 0;
	return () => {
		state = (state + 0x6d2b79f5) >>> 0;
		let t = state;
		t = Math.imul(t ^ (t >>> 15), t | 1);
		t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
		return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
	};
}
