/**
 * {@link runBench}: connect, warm up, measure, stop, report.
 * @module
 */

import { hostPort } from "@echokit/core/cli";
import type { Socket } from "bun";
import { CliError } from "../errors.ts";
import { ChurnLoad } from "./churn.ts";
import { CONNECT_CONCURRENCY, forEachLimited } from "./limit.ts";
import { type ResolvedBenchOptions, resolveBenchOptions } from "./options.ts";
import { type Load, paceLoad, rrSettings } from "./pace.ts";
import { Pattern } from "./pattern.ts";
import { buildReport } from "./report.ts";
import { RrConnection, rrHandlers } from "./rr.ts";
import { counterDelta, scrapeCounters } from "./server-metrics.ts";
import { BenchStats } from "./stats.ts";
import type { BenchOptions, BenchReport } from "./types.ts";
import { startWsRr } from "./ws-load.ts";

/** How long connections get to close politely after the window before they are cut. */
const GRACE_MS = 2000;

/**
 * Runs a load test against an echo server and resolves to its report. Every returned byte is
 * checked against what was sent; latency is recorded per message in an HDR histogram.
 * Rejects with a `CliError`: `E_USAGE` for bad options, `E_CONNECT` when no connection opens,
 * `E_METRICS_URL` when `metricsUrl` cannot be read (before the load starts, or after it ends).
 * @example
 * import { runBench, formatReport } from "@echokit/client/src/bench/index.ts";
 * const report = await runBench({ port: 9000, connections: 50, pipeline: 4, durationSec: 3 });
 * console.log(formatReport(report));
 */
export async function runBench(options: BenchOptions = {}): Promise<BenchReport> {
	const resolved = resolveBenchOptions(options);
	const stats = new BenchStats();
	const pattern = new Pattern(resolved.payload, resolved.expect);
	// Before any load: a URL that cannot be read fails now, not after a whole run.
	const { metricsUrl } = resolved;
	const before =
		metricsUrl === null ? null : await scrapeCounters(metricsUrl, resolved.connectTimeoutMs);
	const load =
		resolved.mode === "churn"
			? await startChurn(resolved, pattern, stats)
			: resolved.ws !== null
				? await startWsRr(resolved, resolved.ws, pattern, stats)
				: await startRr(resolved, pattern, stats);
	const progress = options.onProgress && startProgressTimer(resolved, stats, options.onProgress);
	let report: BenchReport;
	try {
		if (resolved.warmupSec > 0) await Bun.sleep(resolved.warmupSec * 1000);
		stats.startMeasuring();
		options.onPhase?.("measure");
		progress?.phaseStarted();
		const started = performance.now();
		await Bun.sleep(resolved.durationSec * 1000);
		const durationSec = (performance.now() - started) / 1000;
		stats.stopMeasuring();
		options.onPhase?.("done");
		report = buildReport(resolved, stats, durationSec);
	} finally {
		progress?.stop();
		await load.stop(GRACE_MS);
	}
	report.receivedBytes = stats.receivedBytes;
	// After the load stopped: every connection closed, so the server has read and echoed all.
	if (metricsUrl !== null && before !== null) {
		const after = await scrapeCounters(metricsUrl, resolved.connectTimeoutMs);
		const { connections, sentBytes, receivedBytes } = stats;
		report.serverMetrics = counterDelta(metricsUrl, before, after, {
			connections,
			sentBytes,
			receivedBytes,
		});
	}
	return report;
}

async function startRr(
	options: ResolvedBenchOptions,
	pattern: Pattern,
	stats: BenchStats,
): Promise<Load> {
	const settings = rrSettings(options, pattern, stats);
	const connections: RrConnection[] = [];
	const sockets: Socket<RrConnection>[] = [];
	let lastError: unknown = null;
	await forEachLimited(options.connections, CONNECT_CONCURRENCY, async (index) => {
		const connection = new RrConnection(index, settings);
		try {
			const socket = await withTimeout(
				Bun.connect<RrConnection>({
					hostname: options.host,
					port: options.port,
					data: connection,
					socket: rrHandlers,
				}),
				options.connectTimeoutMs,
			);
			connections.push(connection);
			sockets.push(socket);
			stats.connections++;
		} catch (error) {
			lastError = error;
			stats.errors++;
		}
	});
	if (connections.length === 0) throw connectError(options, lastError);
	return paceLoad(connections, settings.intervalMs, (connection, i, now) => {
		connection.start(sockets[i] as Socket<RrConnection>, now);
	});
}

async function startChurn(
	options: ResolvedBenchOptions,
	pattern: Pattern,
	stats: BenchStats,
): Promise<Load> {
	// Fail fast, like rr, when nothing listens.
	try {
		const probe = await withTimeout(
			Bun.connect({ hostname: options.host, port: options.port, socket: { data() {} } }),
			options.connectTimeoutMs,
		);
		probe.end();
		stats.connections++;
	} catch (error) {
		throw connectError(options, error);
	}
	const load = new ChurnLoad({
		hostname: options.host,
		port: options.port,
		size: options.size,
		close: options.close,
		pattern,
		stats,
	});
	load.start(options.connections);
	return load;
}

/** Reports progress once a second. */
function startProgressTimer(
	options: ResolvedBenchOptions,
	stats: BenchStats,
	report: NonNullable<BenchOptions["onProgress"]>,
) {
	let phaseStart = performance.now();
	let last = { at: phaseStart, messages: 0 };
	const timer = setInterval(() => {
		const now = performance.now();
		const measuring = stats.phase === "measure";
		report({
			phase: measuring ? "measure" : "warmup",
			elapsedSec: (now - phaseStart) / 1000,
			phaseSec: measuring ? options.durationSec : options.warmupSec,
			messagesPerSec: ((stats.messages - last.messages) * 1000) / (now - last.at),
			messages: stats.messages,
			errors: stats.errors,
			mismatches: stats.mismatches,
		});
		last = { at: now, messages: stats.messages };
	}, 1000);
	return {
		phaseStarted() {
			phaseStart = performance.now();
			last = { at: phaseStart, messages: 0 };
		},
		stop: () => clearInterval(timer),
	};
}

function connectError(options: ResolvedBenchOptions, error: unknown): CliError {
	const code = (error as { code?: string } | null)?.code;
	const reason =
		code === "ECONNREFUSED"
			? "connection refused"
			: (code ?? (error instanceof Error ? error.message : String(error)));
	const target = hostPort(options.host, options.port);
	return new CliError("E_CONNECT", `cannot connect to ${target}: ${reason}`, { cause: error });
}

/** Rejects with `ETIMEDOUT` after `ms`; a socket that connects later is closed at once. */
function withTimeout<T extends { terminate(): void }>(promise: Promise<T>, ms: number): Promise<T> {
	let timer: Timer | undefined;
	const timeout = new Promise<never>((_, reject) => {
		timer = setTimeout(() => {
			promise.then(
				(socket) => socket.terminate(),
				() => {},
			);
			reject(Object.assign(new Error(`timed out after ${ms} ms`), { code: "ETIMEDOUT" }));
		}, ms);
	});
	return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
