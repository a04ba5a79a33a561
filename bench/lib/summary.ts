/**
 * From every run to medians, ratios against the anchor, and the issue's targets; printed as
 * aligned Markdown tables (readable in a terminal, ready to paste).
 * @module
 */
import type { IdleResult, LoadResult } from "./measure.ts";
import type { Scenario } from "./scenarios.ts";

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

/** The issue's targets, as ratios to bare Bun in the same run. */
export const TARGETS = {
	echokit: { throughput: 0.95, p99: 1.1 },
	uppercase: { throughput: 0.8 },
	idleKiB: 2,
};

export function summarize(
	records: RunRecord[],
	scenarios: Scenario[],
	servers: string[],
	baseline: string,
): Cell[] {
	const cells: Cell[] = [];
	for (const scenario of scenarios) {
		for (const server of servers) {
			const mine = records.filter((r) => r.scenario === scenario.id && r.server === server);
			const loads = mine.flatMap((r) => (r.load ? [r.load] : []));
			const idles = mine.flatMap((r) => (r.idle ? [r.idle] : []));
			const paired = (pick: (load: LoadResult) => number) =>
				median(
					mine.flatMap((r) => {
						const base = records.find(
							(b) => b.round === r.round && b.scenario === r.scenario && b.server === baseline,
						)?.load;
						return r.load && base ? [pick(r.load) / pick(base)] : [];
					}),
				);
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
			cell.target = verdict(cell, scenario.kind);
			cells.push(cell);
		}
	}
	return cells;
}

/** `met` / `MISSED (...)` for the servers the issue sets targets for, else empty. */
function verdict(cell: Cell, kind: Scenario["kind"]): string {
	if (cell.runs === 0) return "";
	if (cell.failures === cell.runs) return "no data";
	const missed: string[] = [];
	if (kind === "idle") {
		if (cell.server !== "echokit") return "";
		if (!(cell.kibPerConnection <= TARGETS.idleKiB)) missed.push(`> ${TARGETS.idleKiB} KiB`);
		if (cell.idleFailed > 0) missed.push(`${cell.idleFailed} refused`);
	} else if (cell.server === "echokit") {
		if (!(cell.throughputRatio >= TARGETS.echokit.throughput))
			missed.push(`tput < ${TARGETS.echokit.throughput}×`);
		if (!(cell.p99Ratio <= TARGETS.echokit.p99)) missed.push(`p99 > ${TARGETS.echokit.p99}×`);
	} else if (cell.server === "uppercase") {
		if (!(cell.throughputRatio >= TARGETS.uppercase.throughput))
			missed.push(`tput < ${TARGETS.uppercase.throughput}×`);
	} else return "";
	return missed.length === 0 ? "met" : `MISSED: ${missed.join(", ")}`;
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

function markdown(header: string[], rows: string[][], right: boolean[]): string {
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
