/**
 * The bench report: built from a run's counters, and printed as a small human table.
 * @module
 */
import { hostPort } from "@echokit/core/cli";
import type { ResolvedBenchOptions } from "./options.ts";
import { formatServerMetrics } from "./server-metrics.ts";
import type { BenchStats } from "./stats.ts";
import type { BenchReport } from "./types.ts";

/** The report of a finished run; `durationSec` is the window as it actually ran. */
export function buildReport(
	options: ResolvedBenchOptions,
	stats: BenchStats,
	durationSec: number,
): BenchReport {
	const messagesPerSec = stats.messages / durationSec;
	return {
		mode: options.mode,
		target: options.ws?.url ?? hostPort(options.host, options.port),
		connections: options.connections,
		size: options.size,
		pipeline: options.mode === "churn" ? 1 : options.pipeline,
		rate: options.rate,
		durationSec: round(durationSec, 3),
		messages: stats.messages,
		messagesPerSec: round(messagesPerSec, 1),
		mbPerSec: round((messagesPerSec * options.size) / 1e6, 3),
		latencyUs: stats.latency(),
		errors: stats.errors,
		mismatches: stats.mismatches,
		receivedBytes: stats.receivedBytes,
	};
}

/**
 * The report as a few aligned lines for a terminal.
 * @example
 * console.log(formatReport(await runBench({ port: 9000 })));
 * // echo-client bench 127.0.0.1:9000 — rr, 1 connection × 1 in flight × 64 B, closed loop
 * //   messages    541,212 in 5.00 s
 * //   throughput  108,242 msg/s, 6.93 MB/s each way
 * //   latency µs  p50 8  p90 9  p99 19  p99.9 55  max 1,724  mean 9
 * //   errors      0
 * //   mismatches  0
 */
export function formatReport(report: BenchReport): string {
	const { latencyUs: l } = report;
	const plural = report.connections === 1 ? "" : "s";
	const shape =
		report.mode === "churn"
			? `churn, ${report.connections} loop${plural} of connect + ${bytes(report.size)} echo + close`
			: `rr, ${report.connections} connection${plural} × ${report.pipeline} in flight × ${bytes(report.size)}`;
	const loop =
		report.mode === "churn"
			? ""
			: report.rate === null
				? ", closed loop"
				: `, open loop at ${count(report.rate)} msg/s`;
	const unit = report.mode === "churn" ? "connections/s" : "msg/s";
	const rows: [string, string][] = [
		["messages", `${count(report.messages)} in ${report.durationSec.toFixed(2)} s`],
		[
			"throughput",
			`${count(report.messagesPerSec)} ${unit}, ${report.mbPerSec.toFixed(2)} MB/s each way`,
		],
		[
			"latency µs",
			`p50 ${count(l.p50)}  p90 ${count(l.p90)}  p99 ${count(l.p99)}  p99.9 ${count(l.p999)}  max ${count(l.max)}  mean ${count(l.mean)}`,
		],
		["errors", count(report.errors)],
		["mismatches", count(report.mismatches)],
	];
	const lines = rows.map(([name, value]) => `  ${name.padEnd(11)} ${value}`);
	const head = [`echo-client bench ${report.target} — ${shape}${loop}`, ...lines];
	if (report.serverMetrics) head.push(formatServerMetrics(report.serverMetrics));
	return head.join("\n");
}

function count(value: number): string {
	return Math.round(value).toLocaleString("en-US");
}

function bytes(size: number): string {
	if (size >= 1024 * 1024 && size % (1024 * 1024) === 0) return `${size / (1024 * 1024)} MiB`;
	if (size >= 1024 && size % 1024 === 0) return `${size / 1024} KiB`;
	return `${size} B`;
}

function round(value: number, digits: number): number {
	const scale = 10 ** digits;
	return Math.round(value * scale) / scale;
}
