/**
 * `bun bench/pool.ts FILE...`: pools saved runs of `bun run bench` (bench/.out/results-*.json)
 * and prints, per scenario and server with a target, the ratio of summed throughputs over every
 * round with a 90 % interval, and a verdict that is `met` or `missed` only when the whole
 * interval is on one side of the target (bench/lib/pool.ts). For a verdict that one run leaves
 * within noise: run the servers concerned several times, then pool the files. A file given
 * twice (the same bytes) counts once. Bad input: one line, exit 2.
 * @module
 */
import { MIN_ROUNDS, poolRatios, type SavedRun } from "./lib/pool.ts";
import { markdown } from "./lib/summary.ts";

const USAGE = "usage: bun bench/pool.ts FILE... (saved runs: bench/.out/results-*.json)";

const args = process.argv.slice(2);
if (args.includes("--help") || args.includes("-h")) {
	console.log(USAGE);
	process.exit(0);
}
if (args.length === 0 || args.some((arg) => arg.startsWith("-"))) fail(USAGE);

const runs: SavedRun[] = [];
const names: string[] = [];
const seen = new Map<string, string>();
for (const file of args) {
	let text: string;
	try {
		text = await Bun.file(file).text();
	} catch (error) {
		fail(`bench/pool.ts: cannot read ${file}: ${(error as Error).message}`);
	}
	const same = seen.get(text);
	if (same !== undefined) {
		console.error(`bench/pool.ts: ${file} is the same run as ${same}: counted once`);
		continue;
	}
	seen.set(text, file);
	try {
		runs.push(JSON.parse(text) as SavedRun);
	} catch (error) {
		fail(`bench/pool.ts: ${file} is not JSON: ${(error as Error).message}`);
	}
	names.push(file);
}

let pooled: ReturnType<typeof poolRatios>;
try {
	pooled = poolRatios(runs, names);
} catch (error) {
	fail(`bench/pool.ts: ${(error as Error).message}`);
}
if (pooled.length === 0) {
	console.error("bench/pool.ts: no round has both a server and the server its target is against");
	process.exit(1);
}
const rows = pooled.map((p) => [
	p.scenario,
	p.server,
	p.against,
	String(p.rounds),
	`${p.ratio.toFixed(3)}×`,
	`${p.low.toFixed(3)}–${p.high.toFixed(3)}`,
	`${p.medianOfRounds.toFixed(3)}×`,
	p.target === undefined ? "–" : `${p.target}×`,
	p.verdict,
]);
const header = ["scenario", "server", "against", "rounds", "tput ratio", "90 % interval"];
const right = [false, false, false, true, true, true, true, true, false];
console.log(markdown([...header, "median of rounds", "target", "verdict"], rows, right));
console.log(
	`\n${runs.length} run(s). tput ratio = Σ msg/s ÷ Σ the other's msg/s over the rounds where both ran; ` +
		"interval: 5th–95th percentile of that ratio over rounds resampled with replacement (seeded), " +
		`which treats rounds as independent: where the A/A control's interval excludes 1, it claims more ` +
		`precision than it has. No verdict under ${MIN_ROUNDS} rounds.`,
);

function fail(message: string): never {
	console.error(message);
	process.exit(2);
}
