/**
 * From every run to medians, ratios against the anchor, and the issue's targets; printed as
 * aligned Markdown tables (readable in a terminal, ready to paste).
 * @module
 */
import type { IdleResult, LoadResult } from "./measure.ts";
import type { Scenario, Transport } from "./scenarios.ts";

/** One measurement of one server in one scenario in one round. */
export interface RunRecord {
	round: number;
	scenario: string;
	server: string;
	load?: LoadResult;
	idle?: IdleResult;
	error?: string;
}

/** Medians over rounds for one scenario and server. */
export interface Cell {
	scenario: string;
	server: string;
	runs: number;
	failures: number;
	messagesPerSec: number;
	mbPerSec: number;
	p50: number;
	p99: number;
	serverCpu: number;
	clientCpu: number;
	serverUsPerMessage: number;
	otherCpu: number;
	errors: number;
	mismatches: number;
	/** Median over rounds of (this server ÷ the anchor in the same round). */
	throughputRatio: number;
	p99Ratio: number;
	/** Median over rounds of server CPU per message ÷ the anchor's. */
	cpuRatio: number;
	kibPerConnection: number;
	idleFailed: number;
	target: string;
}

/**
 * A server's target in the load scenarios: ratios to another server measured in the same round
 * and scenario (the median of per-round ratios), so drift on the machine hits both sides alike.
 */
export interface Target {
	/** The server the ratios are taken against (a `--servers` id). */
	readonly against: string;
	/** Messages per second at least this share of the other server's. */
	readonly throughput: number;
	/** A different throughput share for some scenarios, by scenario id. */
	readonly throughputIn?: Readonly<Record<string, number>>;
	/** p99 latency at most this multiple of the other server's, when set. */
	readonly p99?: number;
	/** Where the target comes from. */
	readonly source: string;
	/**
	 * An A/A control: the same server as `against` under another id. It gets no verdict, only
	 * its ratios, which show how far noise alone moves a ratio in this run.
	 */
	readonly control?: boolean;
}

/** The issues' targets, by server id. */
export const TARGETS: Readonly<Record<string, Target>> = {
	echokit: { against: "bare-bun", throughput: 0.95, p99: 1.1, source: "issue 5" },
	uppercase: {
		against: "echokit",
		throughput: 0.8,
		// 64 B request/response, where the transform is already cheap.
		throughputIn: { latency: 0.95, "latency-1cpu": 0.95 },
		source: "issue 13: uppercase vs plain echo-server",
	},
	metrics: { against: "echokit", throughput: 0.95, source: "issue 10: metrics on vs off" },
	"echokit-again": {
		against: "echokit",
		throughput: 1,
		source: "A/A control: echokit once more, so its ratio to echokit is noise alone",
		control: true,
	},
	"echokit-ws": { against: "bare-bun-ws", throughput: 0.95, source: "issue 11" },
};

/** Idle memory target of `echokit`, in KiB per connection (issue 5). */
export const IDLE_TARGET_KIB = 2;

/** The targets in one sentence, for the tables' footnote. */
export function describeTargets(): string {
	const loads = Object.entries(TARGETS).map(([server, t]) =>
		t.control
			? `${server} is an A/A control (${t.source})`
			: `${server} ≥ ${t.throughput}× ${t.against} throughput` +
				Object.entries(t.throughputIn ?? {})
					.map(([scenario, share]) => `, ${share}× in ${scenario}`)
					.join("") +
				(t.p99 === undefined ? "" : ` and p99 ≤ ${t.p99}×`) +
				` (${t.source})`,
	);
	return `Targets: ${loads.join("; ")}; echokit ≤ ${IDLE_TARGET_KIB} KiB per idle connection.`;
}

/**
 * Medians per scenario and server; the `×` columns are against `baselines[scenario.transport]`
 * (each transport's bare Bun anchor).
 */
export function summarize(
	records: RunRecord[],
	scenarios: Scenario[],
	servers: string[],
	baselines: Readonly<Record<Transport, string>>,
): Cell[] {
	const cells: Cell[] = [];
	for (const scenario of scenarios) {
		const baseline = baselines[scenario.transport];
		for (const server of servers) {
			const mine = records.filter((r) => r.scenario === scenario.id && r.server === server);
			const loads = mine.flatMap((r) => (r.load ? [r.load] : []));
			const idles = mine.flatMap((r) => (r.idle ? [r.idle] : []));
			const pairedWith =
				(other: string) =>
				(pick: (load: LoadResult) => number): number =>
					median(
						mine.flatMap((r) => {
							const base = records.find(
								(b) => b.round === r.round && b.scenario === r.scenario && b.server === other,
							)?.load;
							return r.load && base ? [pick(r.load) / pick(base)] : [];
						}),
					);
			const paired = pairedWith(baseline);
			const cell: Cell = {
				scenario: scenario.id,
				server,
				runs: mine.length,
				failures: mine.filter((r) => r.error).length,
				messagesPerSec: median(loads.map((l) => l.report.messagesPerSec)),
				mbPerSec: median(loads.map((l) => l.report.mbPerSec)),
				p50: median(loads.map((l) => l.report.latencyUs.p50)),
				p99: median(loads.map((l) => l.report.latencyUs.p99)),
				serverCpu: median(loads.map((l) => l.serverCpu)),
				clientCpu: median(loads.map((l) => l.clientCpu)),
				serverUsPerMessage: median(loads.map((l) => l.serverUsPerMessage)),
				otherCpu: median(loads.map((l) => l.otherCpu)),
				errors: sum(loads.map((l) => l.report.errors)),
				mismatches: sum(loads.map((l) => l.report.mismatches)),
				throughputRatio: paired((l) => l.report.messagesPerSec),
				p99Ratio: paired((l) => l.report.latencyUs.p99),
				cpuRatio: paired((l) => l.serverUsPerMessage),
				kibPerConnection: median(idles.map((i) => i.kibPerConnection)),
				idleFailed: sum(idles.map((i) => i.failed)),
				target: "",
			};
			const target = TARGETS[server];
			cell.target =
				scenario.kind === "idle"
					? idleVerdict(cell)
					: target
						? loadVerdict(
								cell,
								target,
								target.against === baseline ? undefined : pairedWith(target.against),
							)
						: "";
			cells.push(cell);
		}
	}
	return cells;
}

/** `met` / `MISSED: …` for echokit's idle memory, else empty. */
function idleVerdict(cell: Cell): string {
	if (cell.runs === 0 || cell.server !== "echokit") return "";
	if (cell.failures === cell.runs) return "no data";
	const missed: string[] = [];
	if (!(cell.kibPerConnection <= IDLE_TARGET_KIB)) missed.push(`> ${IDLE_TARGET_KIB} KiB`);
	if (cell.idleFailed > 0) missed.push(`${cell.idleFailed} refused`);
	return missed.length === 0 ? "met" : `MISSED: ${missed.join(", ")}`;
}

/**
 * `met` / `MISSED: …` against `target`. Ratios to the baseline are the table's own columns;
 * against another server (`paired` given) the verdict says the ratios it judged.
 */
function loadVerdict(
	cell: Cell,
	target: Target,
	paired?: (pick: (load: LoadResult) => number) => number,
): string {
	if (cell.runs === 0) return "";
	if (cell.failures === cell.runs) return "no data";
	const throughput = paired ? paired((l) => l.report.messagesPerSec) : cell.throughputRatio;
	const p99 = paired ? paired((l) => l.report.latencyUs.p99) : cell.p99Ratio;
	if (Number.isNaN(throughput)) return `no ${target.against} in the run`;
	const missed: string[] = [];
	const share = target.throughputIn?.[cell.scenario] ?? target.throughput;
	if (!(throughput >= share)) missed.push(`tput < ${share}×`);
	if (target.p99 !== undefined && !(p99 <= target.p99)) missed.push(`p99 > ${target.p99}×`);
	const judged = paired
		? ` (${throughput.toFixed(2)}× ${target.against} tput, ${paired((l) => l.serverUsPerMessage).toFixed(2)}× µs/msg)`
		: "";
	if (target.control) return `control${judged}`;
	return (missed.length === 0 ? "met" : `MISSED: ${missed.join(", ")}`) + judged;
}

/** The load scenarios' table, and a legend of the scenario ids. */
export function loadTable(cells: Cell[], scenarios: Scenario[]): string {
	const loads = scenarios.filter((s) => s.kind === "load");
	const rows = cells
		.filter((c) => loads.some((s) => s.id === c.scenario) && c.runs > 0)
		.map((c) => [
			c.scenario,
			c.server,
			num(c.messagesPerSec),
			c.mbPerSec >= 10 ? num(c.mbPerSec) : c.mbPerSec.toFixed(2),
			num(c.p50),
			num(c.p99),
			ratio(c.throughputRatio),
			ratio(c.p99Ratio),
			Number.isNaN(c.serverUsPerMessage) ? "–" : c.serverUsPerMessage.toFixed(2),
			ratio(c.cpuRatio),
			pct(c.serverCpu),
			pct(c.clientCpu),
			pct(c.otherCpu),
			c.mismatches + c.errors > 0 ? `${c.mismatches}/${c.errors}` : "0",
			c.target,
		]);
	const table = markdown(
		[
			"scenario",
			"server",
			"msg/s",
			"MB/s",
			"p50 µs",
			"p99 µs",
			"× tput",
			"× p99",
			"srv µs/msg",
			"× µs/msg",
			"srv CPU",
			"load CPU",
			"other",
			"bad/err",
			"target",
		],
		rows,
		[false, false, true, true, true, true, true, true, true, true, true, true, true, true, false],
	);
	const legend = loads.map((s) => `\`${s.id}\`: ${s.title}`).join("; ");
	return `${table}\n\nScenarios: ${legend}.`;
}

/** The idle-memory table. */
export function idleTable(cells: Cell[], scenarios: Scenario[]): string {
	const ids = new Set(scenarios.filter((s) => s.kind === "idle").map((s) => s.id));
	const rows = cells
		.filter((c) => ids.has(c.scenario) && c.runs > 0)
		.map((c) => [
			c.server,
			Number.isNaN(c.kibPerConnection) ? "–" : c.kibPerConnection.toFixed(2),
			String(c.idleFailed),
			c.target,
		]);
	return markdown(["server", "KiB / idle connection", "refused", "target"], rows, [
		false,
		true,
		true,
		false,
	]);
}

/** Rows as an aligned Markdown table; `right` says which columns are right-aligned. */
export function markdown(header: string[], rows: string[][], right: boolean[]): string {
	const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)));
	const line = (cells: string[]) =>
		`| ${cells.map((c, i) => (right[i] ? c.padStart(widths[i] as number) : c.padEnd(widths[i] as number))).join(" | ")} |`;
	// Biome's Markdown style: `| --- | ---: |`, as wide as the column.
	const rule = `| ${widths.map((w, i) => (right[i] ? `${"-".repeat(w - 1)}:` : "-".repeat(w))).join(" | ")} |`;
	return [line(header), rule, ...rows.map(line)].join("\n");
}

export function median(values: number[]): number {
	const sorted = values.filter((v) => !Number.isNaN(v)).sort((a, b) => a - b);
	if (sorted.length === 0) return Number.NaN;
	const mid = sorted.length >> 1;
	return sorted.length % 2
		? (sorted[mid] as number)
		: ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

function sum(values: number[]): number {
	return values.reduce((a, b) => a + b, 0);
}

function num(value: number): string {
	return Number.isNaN(value) ? "–" : Math.round(value).toLocaleString("en-US");
}

function ratio(value: number): string {
	return Number.isNaN(value) ? "–" : `${value.toFixed(2)}×`;
}

function pct(value: number): string {
	return Number.isNaN(value) ? "–" : `${Math.round(value * 100)} %`;
}
