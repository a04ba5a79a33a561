/**
 * `bun run bench`: echokit against a bare Bun echo and node:net, in alternating rounds.
 *
 * Every round runs every scenario once per server, the server order rotated per round and
 * scenario, each on a freshly started server with the load in a separate process (client and
 * server never share a thread). The tables show medians over rounds; ratios are the median of
 * per-round ratios against bare Bun, so drift from other work on the machine mostly cancels.
 * A load run during which other processes kept more than `--max-other` of a core busy is
 * repeated after a pause (within a budget of `--retries` for the whole run).
 *
 * With two or more CPUs and `taskset`, servers run on CPU 0 and the load on CPU 1 (the
 * `latency-1cpu` scenario puts both on CPU 1): where processes land otherwise changes a 1-connection
 * round trip from ~8 µs to ~80 µs at the scheduler's whim. `--no-pin` turns this off.
 *
 * Flags: --quick (1 round, 1 s runs: about a minute), --rounds N, --duration S, --warmup S,
 * --servers a,b (see lib/servers.ts; also `core`, `core-uppercase`, `metrics`), --scenarios a,b,
 * --idle-connections N, --no-pin, --max-other F (default 0.3 of a core), --retries N (default 16).
 * Results: bench/.out/results-<time>.json, latest.json, latest.md.
 * @module
 */
import { mkdir } from "node:fs/promises";
import { type ParseArgsConfig, parseArgs } from "node:util";

type ParsedResults<T extends ParseArgsConfig> = ReturnType<typeof parseArgs<T>>;

import { type IdleResult, type LoadResult, measureIdle, measureLoad } from "./lib/measure.ts";
import { scenarios as allScenarios, type Scenario } from "./lib/scenarios.ts";
import { BASELINE, DEFAULT_SERVERS, SERVERS, startBenchServer, startNotes } from "./lib/servers.ts";
import { describeTargets, idleTable, loadTable, type RunRecord, summarize } from "./lib/summary.ts";

const { values } = parseFlags({
	options: {
		quick: { type: "boolean", default: false },
		rounds: { type: "string" },
		duration: { type: "string" },
		warmup: { type: "string" },
		servers: { type: "string" },
		scenarios: { type: "string" },
		"idle-connections": { type: "string", default: "10000" },
		"no-pin": { type: "boolean", default: false },
		"max-other": { type: "string", default: "0.3" },
		retries: { type: "string", default: "16" },
		help: { type: "boolean", short: "h", default: false },
	},
	strict: true,
} as const);
if (values.help) {
	// The module's own docstring is the help: print its "Flags:" paragraph.
	const source = await Bun.file(import.meta.path).text();
	console.log(
		`Usage: bun run bench [flags]\n${source.match(/ \* Flags: [\s\S]*?(?= \* Results)/)?.[0].replaceAll(" * ", "") ?? ""}`,
	);
	process.exit(0);
}

const rounds = Number(values.rounds ?? (values.quick ? 1 : 3));
const timing = {
	durationSec: Number(values.duration ?? (values.quick ? 1 : 3)),
	warmupSec: Number(values.warmup ?? (values.quick ? 0.3 : 0.5)),
};
const serverIds = values.servers?.split(",") ?? DEFAULT_SERVERS;
const servers = serverIds.map((id) => {
	const def = SERVERS.find((s) => s.id === id);
	if (!def) usage(`unknown server ${id}; known: ${SERVERS.map((s) => s.id).join(", ")}`);
	return def;
});
const idleConnections = Number(values["idle-connections"]);
const scenarios = allScenarios(idleConnections).filter(
	(s) => !values.scenarios || values.scenarios.split(",").includes(s.id),
);
for (const n of [rounds, timing.durationSec, idleConnections]) {
	if (!(n > 0)) usage("--rounds, --duration and --idle-connections must be positive");
}

/** A run during which the rest of the machine used more than this share of a core is repeated. */
const maxOther = Number(values["max-other"]);
/** Repeats allowed over the whole run, so a busy machine cannot stretch it without bound. */
let retriesLeft = Number(values.retries);
let repeated = 0;
const pinned =
	!values["no-pin"] && navigator.hardwareConcurrency >= 2 && Bun.which("taskset") !== null;
const pin = (cpu: number) => (pinned ? ["taskset", "-c", String(cpu)] : []);

const records: RunRecord[] = [];
const started = Date.now();
const total = rounds * scenarios.length * servers.length;
log(
	`echokit bench: ${rounds} round(s) × ${scenarios.length} scenarios × ${servers.length} servers, ` +
		`${timing.durationSec} s runs after ${timing.warmupSec} s warm-up, ` +
		(pinned ? "servers on CPU 0, load on CPU 1" : "not pinned to CPUs"),
);

for (let round = 1; round <= rounds; round++) {
	for (const [s, scenario] of scenarios.entries()) {
		// Rotate the order so no server always runs first (cold caches) or last (hot machine).
		const shift = (round - 1 + s) % servers.length;
		const order = [...servers.slice(shift), ...servers.slice(0, shift)];
		for (const server of order) {
			const record: RunRecord = { round, scenario: scenario.id, server: server.id };
			try {
				const result = await measureOne(server, scenario);
				if ("report" in result) record.load = result;
				else record.idle = result;
			} catch (error) {
				record.error = error instanceof Error ? error.message : String(error);
			}
			records.push(record);
			log(
				`[${records.length}/${total}] round ${round} ${scenario.id.padEnd(9)} ${server.id.padEnd(10)} ${describe(record)}`,
			);
		}
	}
}

const cells = summarize(
	records,
	scenarios,
	servers.map((s) => s.id),
	BASELINE,
);
const markdown = [
	...(scenarios.some((s) => s.kind === "load") ? [loadTable(cells, scenarios), ""] : []),
	...(scenarios.some((s) => s.kind === "idle") ? [idleTable(cells, scenarios), ""] : []),
	`Medians of ${rounds} alternating round(s), ${timing.durationSec} s each after ${timing.warmupSec} s warm-up` +
		(pinned ? ", servers pinned to CPU 0 and the load to CPU 1. " : ". ") +
		`× = median of per-round ratios to ${BASELINE}. ${describeTargets()} ` +
		"srv µs/msg = server CPU time per message; CPU = share of one core; both over the measured window. " +
		"other = CPU the rest of the machine used meanwhile (incl. loopback softirq). " +
		"bad/err = mismatched messages / connection errors." +
		(repeated > 0
			? ` ${repeated} run(s) were repeated because other work used > ${maxOther} of a core.`
			: ""),
	...[...startNotes].map((note) => `Note: ${note}`),
].join("\n");
console.log(`\n${markdown}\n`);
for (const r of records.filter((r) => r.error))
	log(`failed: round ${r.round} ${r.scenario} ${r.server}: ${r.error}`);

const outDir = new URL("./.out/", import.meta.url).pathname;
await mkdir(outDir, { recursive: true });
const stamp = new Date().toISOString().replace(/[:.]/g, "-");
const json = JSON.stringify(
	{
		date: new Date().toISOString(),
		rounds,
		timing,
		pinned,
		maxOther,
		repeated,
		servers: servers.map((s) => ({ id: s.id, label: s.label })),
		notes: [...startNotes],
		cells,
		records,
	},
	null,
	2,
);
await Bun.write(`${outDir}results-${stamp}.json`, json);
await Bun.write(`${outDir}latest.json`, json);
await Bun.write(`${outDir}latest.md`, `${markdown}\n`);
log(
	`done in ${((Date.now() - started) / 1000).toFixed(0)} s; results in bench/.out/latest.{json,md}`,
);

/**
 * One measurement. A load run that other work on the machine disturbed (more than `maxOther`
 * of a core busy besides server and load) is repeated while the retry budget lasts, after a
 * pause; the least disturbed attempt is kept.
 */
async function measureOne(
	server: (typeof servers)[number],
	scenario: Scenario,
): Promise<LoadResult | IdleResult> {
	let best: LoadResult | null = null;
	for (;;) {
		const result = await measureOnce(server, scenario);
		if (!("report" in result)) return result;
		if (!best || result.otherCpu < best.otherCpu) best = result;
		if (best.otherCpu <= maxOther || retriesLeft <= 0) return best;
		retriesLeft--;
		repeated++;
		log(`  busy machine (other CPU ${Math.round(result.otherCpu * 100)} %): repeating`);
		await Bun.sleep(5000);
	}
}

async function measureOnce(
	server: (typeof servers)[number],
	scenario: Scenario,
): Promise<LoadResult | IdleResult> {
	const serverCpu = scenario.kind === "load" && scenario.sameCpu ? 1 : 0;
	const running = await startBenchServer(server, scenario.kind === "idle", pin(serverCpu));
	try {
		return scenario.kind === "idle"
			? await measureIdle(running, scenario, pin(1))
			: await measureLoad(running, scenario, timing, server.loadArgs, pin(1));
	} finally {
		await running.stop();
	}
}

function describe(record: RunRecord): string {
	if (record.error) return `FAILED: ${record.error}`;
	if (record.idle) {
		const i = record.idle;
		return `${i.kibPerConnection.toFixed(2)} KiB/conn (${i.open} open, ${i.failed} refused)`;
	}
	const r = record.load?.report;
	if (!r) return "";
	const bad = r.mismatches + r.errors > 0 ? `  mismatches ${r.mismatches} errors ${r.errors}` : "";
	const other = Math.round((record.load?.otherCpu ?? 0) * 100);
	return `${Math.round(r.messagesPerSec).toLocaleString("en-US")} msg/s  p50 ${r.latencyUs.p50}  p99 ${r.latencyUs.p99} µs  other CPU ${other} %${bad}`;
}

function log(line: string): void {
	process.stderr.write(`${line}\n`);
}

/** `parseArgs`, with a bad flag as one line and exit 2 instead of a stack trace. */
function parseFlags<T extends ParseArgsConfig>(config: T): ParsedResults<T> {
	try {
		return parseArgs<T>(config);
	} catch (error) {
		usage((error as Error).message);
	}
}

/** A bad flag or value: one line on stderr, exit 2. */
function usage(message: string): never {
	console.error(`bench: ${message} (see --help)`);
	process.exit(2);
}
