/**
 * Pools the rounds of several saved runs (bench/.out/results-*.json) to decide a target that
 * one run leaves within noise. The estimate is the ratio of summed throughputs over every round
 * in which both servers ran, with a 90 % bootstrap interval (rounds resampled with replacement,
 * seeded, so the same files give the same interval). Rounds are treated as independent: the A/A
 * control's row is the check on that (see {@link PooledRatio.verdict}).
 * @module
 */
import { median, type RunRecord, TARGETS, type Target } from "./summary.ts";

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
	/** Rounds in which both servers measured, the other more than 0 msg/s. */
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
	/**
	 * `met` / `missed` when the whole interval is on one side of the target, else `undecided`;
	 * `too few rounds` under {@link MIN_ROUNDS}. For an A/A control: `control`, or
	 * `control: interval excludes 1` — noise the interval does not capture, so the verdicts of
	 * that scenario claim more precision than they have.
	 */
	verdict:
		| "met"
		| "missed"
		| "undecided"
		| "too few rounds"
		| "control"
		| "control: interval excludes 1";
}

/** Fewer rounds than this give no verdict: a bootstrap over 1–5 rounds has too few resamples. */
export const MIN_ROUNDS = 6;

const RESAMPLES = 4000;

/**
 * Every (scenario, server with a target) pair found in `runs`, in order of first appearance.
 * Records that failed (`error`, no `load`) are skipped, as are rounds where the other server
 * measured 0 msg/s. `names` (file names) go into the errors, else `run N`.
 * @throws {Error} a record that is not what run.ts writes, naming the run and record.
 */
export function poolRatios(runs: readonly SavedRun[], names?: readonly string[]): PooledRatio[] {
	const pairs = new Map<string, { scenario: string; server: string; rates: [number, number][] }>();
	for (const [index, run] of runs.entries()) {
		const rates = checkedRates(run, names?.[index] ?? `run ${index + 1}`);
		for (const [key, rate] of rates) {
			const [scenario, round, server] = key.split("\0") as [string, string, string];
			const target = targetOf(server);
			const theirs = target && rates.get(`${scenario}\0${round}\0${target.against}`);
			if (!target || theirs === undefined || theirs === 0) continue;
			const entry = pairs.get(`${scenario} ${server}`) ?? { scenario, server, rates: [] };
			entry.rates.push([rate, theirs]);
			pairs.set(`${scenario} ${server}`, entry);
		}
	}
	return [...pairs.values()].map(({ scenario, server, rates }) => {
		const target = targetOf(server) as Target;
		const share = target.control
			? undefined
			: (target.throughputIn?.[scenario] ?? target.throughput);
		const [low, high] = interval(rates);
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
			verdict: verdict(share, low, high, rates.length),
		};
	});
}

function verdict(share: number | undefined, low: number, high: number, rounds: number) {
	if (share === undefined) return low > 1 || high < 1 ? "control: interval excludes 1" : "control";
	if (rounds < MIN_ROUNDS) return "too few rounds";
	return low >= share ? "met" : high < share ? "missed" : "undecided";
}

/** A server's target, if it has one of its own (not a property every object inherits). */
function targetOf(server: string): Target | undefined {
	return Object.hasOwn(TARGETS, server) ? TARGETS[server] : undefined;
}

/** The most msg/s a record may claim: far above any loopback echo, far below overflow. */
const MAX_RATE = 1e12;

/**
 * A run's load throughputs by scenario, round and server (joined by NUL).
 * @throws {Error} when the run or a record has the wrong shape, or a record repeats.
 */
function checkedRates(run: SavedRun, where: string): Map<string, number> {
	if (typeof run !== "object" || run === null || !Array.isArray(run.records)) {
		throw new Error(`${where}: not a saved run (expected an object with a "records" array)`);
	}
	const rates = new Map<string, number>();
	for (const [at, record] of run.records.entries()) {
		const what = `${where}, record ${at + 1}`;
		if (typeof record !== "object" || record === null) throw new Error(`${what}: not an object`);
		const { round, scenario, server } = record;
		if (!Number.isInteger(round) || typeof scenario !== "string" || typeof server !== "string") {
			throw new Error(`${what}: expected "round" (an integer), "scenario" and "server" (strings)`);
		}
		if (record.error !== undefined || record.load === undefined) continue;
		const rate = (record.load as { report?: { messagesPerSec?: unknown } } | null)?.report
			?.messagesPerSec;
		if (typeof rate !== "number" || !(rate >= 0 && rate <= MAX_RATE)) {
			throw new Error(`${what}: load.report.messagesPerSec is not a number from 0 to ${MAX_RATE}`);
		}
		const key = `${scenario}\0${round}\0${server}`;
		if (rates.has(key))
			throw new Error(`${what}: a second ${server} in ${scenario}, round ${round}`);
		rates.set(key, rate);
	}
	return rates;
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
