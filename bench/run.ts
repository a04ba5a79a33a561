/**
 * `bun run bench`: echokit against a bare Bun echo and node:net, in alternating rounds; over
 * WebSocket (the `ws-*` scenarios), `echo-server --ws-port` against a bare `Bun.serve` echo.
 *
 * Every round runs every scenario once per server of its transport, the server order rotated per round and
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
 * Flags: --quick (1 round, 1 s runs: under 2 minutes), --rounds N, --duration S, --warmup S,
 * --servers a,b (default `echokit`, `echokit-again`, `uppercase`, `bare-bun`, `node-pipe`, `echokit-ws`,
 * `bare-bun-ws`; also `core`, `core-uppercase`, `metrics`, `core-ws`: see lib/servers.ts), --scenarios a,b
 * (the `ws-*` ones run only on `echokit-ws` and `bare-bun-ws`, the others only on TCP servers),
 * --idle-connections N, --no-pin, --max-other F (default 0.3 of a core), --retries N (default 16).
 * Results: bench/.out/results-<time>.json, latest.json, latest.md.
 * @module
 */
import { mkdir } from "node:fs/promises";
import { numberFlag, parseFlags, usage } from "./lib/flags.ts";
import { type IdleResult, type LoadResult, measureIdle, measureLoad } from "./lib/measure.ts";
import { scenarios as allScenarios, type Scenario } from "./lib/scenarios.ts";
import {
	BASELINES,
	DEFAULT_SERVERS,
	SERVERS,
	startBenchServer,
	startNotes,
	transportOf,
} from "./lib/servers.ts";
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

const rounds = numberFlag("rounds", values.rounds ?? (values.quick ? "1" : "3"), 1, true);
const timing = {
	durationSec: numberFlag("duration", values.duration ?? (values.quick ? "1" : "3"), 0.1),
	warmupSec: numberFlag("warmup", values.warmup ?? (values.quick ? "0.3" : "0.5"), 0),
};
const serverIds = values.servers?.split(",") ?? DEFAULT_SERVERS;
const servers = serverIds.map((id) => {
	const def = SERVERS.find((s) => s.id === id);
	if (!def) usage(`unknown server ${id}; known: ${SERVERS.map((s) => s.id).join(", ")}`);
	return def;
});
const idleConnections = numberFlag("idle-connections", values["idle-connections"], 1, true);
const known = allScenarios(idleConnections);
const chosen = values.scenarios?.split(",");
for (const id of chosen ?? []) {
	if (!known.some((s) => s.id === id)) {
		usage(`unknown scenario ${id}; known: ${known.map((s) => s.id).join(", ")}`);
	}
}
/** The servers that run `scenario`: those serving its transport. */
const serversOf = (scenario: Scenario) =>
	servers.filter((server) => transportOf(server) === scenario.transport);
// A scenario that no chosen server serves is left out: with `--servers echokit-ws,bare-bun-ws`
// only the ws-* scenarios run, with only TCP servers none of them.
const scenarios = known.filter(
	(s) => (!chosen || chosen.includes(s.id)) && serversOf(s).length > 0,
);
if (scenarios.length === 0) {
	usage("no server in --servers serves the scenarios chosen (ws-* need a WebSocket server)");
}
const perRound = scenarios.reduce((n, scenario) => n + serversOf(scenario).length, 0);

/** A run during which the rest of the machine used more than this share of a core is repeated. */
const maxOther = numberFlag("max-other", values["max-other"], 0);
/** Repeats allowed over the whole run, so a busy machine cannot stretch it without bound. */
let retriesLeft = numberFlag("retries", values.retries, 0, true);
let repeated = 0;
const pinned =
	!values["no-pin"] && navigator.hardwareConcurrency >= 2 && Bun.which("taskset") !== null;
const pin = (cpu: number) => (pinned ? ["taskset", "-c", String(cpu)] : []);

const records: RunRecord[] = [];
const started = Date.now();
/** Server ids line up in the progress lines. */
const idWidth = Math.max(...servers.map((s) => s.id.length));
const total = rounds * perRound;
log(
	`echokit bench: ${rounds} round(s) × ${perRound} runs (${scenarios.length} scenarios, each on the servers of its transport), ` +
		`${timing.durationSec} s runs after ${timing.warmupSec} s warm-up, ` +
		(pinned ? "servers on CPU 0, load on CPU 1" : "not pinned to CPUs"),
);

for (let round = 1; round <= rounds; round++) {
	for (const [s, scenario] of scenarios.entries()) {
		const mine = serversOf(scenario);
		// Rotate the order so no server always runs first (cold caches) or last (hot machine).
		const shift = (round - 1 + s) % mine.length;
		const order = [...mine.slice(shift), ...mine.slice(0, shift)];
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
				`[${records.length}/${total}] round ${round} ${scenario.id.padEnd(12)} ${server.id.padEnd(idWidth)} ${describe(record)}`,
			);
		}
	}
}

const cells = summarize(
	records,
	scenarios,
	servers.map((s) => s.id),
	BASELINES,
);
const markdown = [
	...(scenarios.some((s) => s.kind === "load") ? [loadTable(cells, scenarios), ""] : []),
	...(scenarios.some((s) => s.kind === "idle") ? [idleTable(cells, scenarios), ""] : []),
	`Medians of ${rounds} alternating round(s), ${timing.durationSec} s each after ${timing.warmupSec} s warm-up` +
		(pinned ? ", servers pinned to CPU 0 and the load to CPU 1. " : ". ") +
		`× = median of per-round ratios to ${BASELINES.tcp} (TCP scenarios) or ${BASELINES.websocket} (ws-*). ${describeTargets()} ` +
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
const failed = records.filter((r) => r.error).length;
if (failed > 0) {
	log(`${failed} of ${records.length} run(s) failed (above): their cells are missing or "no data"`);
	process.exitCode = 1;
}

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
