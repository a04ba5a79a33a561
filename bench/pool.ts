/**
 * `bun bench/pool.ts FILE...`: pools saved runs of `bun run bench` (bench/.out/results-*.json)
 * and prints, per scenario and server with a target, the ratio of mean throughputs over every
 * round with a 90 % interval, and a verdict that is `met` or `missed` only when the whole
 * interval is on one side of the target (bench/lib/pool.ts). For a verdict that one run leaves
 * within noise: run the servers concerned several times, then pool the files.
 * @module
 */
import { poolRatios, type SavedRun } from "./lib/pool.ts";
import { markdown } from "./lib/summary.ts";

const files = process.argv.slice(2);
if (files.length === 0 || files.some((f) => f.startsWith("-"))) {
	console.error("usage: bun bench/pool.ts FILE... (saved runs: bench/.out/results-*.json)");
	process.exit(2);
}
const runs: SavedRun[] = [];
for (const file of files) {
	try {
		runs.push((await Bun.file(file).json()) as SavedRun);
	} catch (error) {
		console.error(`bench/pool.ts: cannot read ${file}: ${(error as Error).message}`);
		process.exit(2);
	}
}
const pooled = poolRatios(runs);
if (pooled.length === 0) {
	console.error("bench/pool.ts: no rounds with a server and the server its target is against");
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
console.log(
	markdown([...header, "median of rounds", "target", "verdict"], rows, [
		false,
		false,
		false,
		true,
		true,
		true,
		true,
		true,
		false,
	]),
);
console.log(
	`\n${runs.length} run(s). tput ratio = Σ msg/s ÷ Σ the other's msg/s over the rounds where both ran; interval: 5th–95th percentile of that ratio over rounds resampled with replacement (seeded).`,
);
