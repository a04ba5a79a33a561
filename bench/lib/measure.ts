/**
 * One measurement: a fresh server, one load process (or the idle holder), the numbers back.
 * @module
 */
import type { BenchReport } from "../../packages/client/src/bench/index.ts";
import { collect, firstMatch, type RunningServer, rssKiB, stopProcess } from "./process.ts";
import type { IdleScenario, LoadScenario } from "./scenarios.ts";

const ROOT = new URL("../..", import.meta.url).pathname;

export interface Timing {
	durationSec: number;
	warmupSec: number;
}

export interface LoadResult {
	report: BenchReport;
	/** Server CPU time in the measured window, as a share of one core (1 = 100 %). */
	serverCpu: number;
	/** The load process's CPU time in the window, as a share of one core. */
	clientCpu: number;
	/** Server CPU time per completed message in the window, in µs: its cost, whoever limits the rate. */
	serverUsPerMessage: number;
	/**
	 * CPU the rest of the machine used in the window (all CPUs' busy time minus server and load),
	 * as a share of one core. Includes loopback softirq work not charged to either process.
	 */
	otherCpu: number;
	/** Scrapes of the server's `/metrics` that succeeded during the run, when it has one. */
	scrapes?: number;
}

export interface IdleResult {
	open: number;
	failed: number;
	rssBeforeKiB: number;
	rssAfterKiB: number;
	kibPerConnection: number;
}

/** Runs the load generator against `server` in its own process (bench/load/load.ts). */
export async function measureLoad(
	server: RunningServer,
	scenario: LoadScenario,
	timing: Timing,
	extraArgs: readonly string[] = [],
	prefix: readonly string[] = [],
): Promise<LoadResult> {
	const cmd = [
		...prefix,
		"bun",
		"bench/load/load.ts",
		"--server-pid",
		String(server.pid),
		"--host",
		"127.0.0.1",
		"--port",
		String(server.port),
		"--duration",
		String(timing.durationSec),
		"--warmup",
		String(timing.warmupSec),
		...scenario.args,
		...extraArgs,
	];
	const proc = Bun.spawn(cmd, { cwd: ROOT, stdin: "ignore", stdout: "pipe", stderr: "pipe" });
	const stdout = collect(proc.stdout);
	const stderr = collect(proc.stderr);
	const limitMs = (timing.durationSec + timing.warmupSec + 30) * 1000;
	const limit = setTimeout(() => proc.kill("SIGKILL"), limitMs);
	const scraper = server.metricsUrl ? scrapeEverySecond(server.metricsUrl) : undefined;
	await proc.exited;
	clearTimeout(limit);
	const scrapes = await scraper?.stop();
	const line = (await stdout()).trim().split("\n").pop() ?? "";
	if (!line.startsWith("{")) {
		const why = (await stderr()).trim().split("\n").slice(-3).join(" | ");
		throw new Error(`load exited ${proc.exitCode}: ${why || "no report"}`);
	}
	const { report, window } = JSON.parse(line) as {
		report: BenchReport;
		window: { wallSec: number; serverCpuSec: number; loadCpuSec: number; machineCpuSec: number };
	};
	if (scrapes === 0) throw new Error(`no scrape of ${server.metricsUrl} succeeded during the run`);
	return {
		report,
		scrapes,
		serverCpu: window.serverCpuSec / window.wallSec,
		clientCpu: window.loadCpuSec / window.wallSec,
		serverUsPerMessage: (window.serverCpuSec * 1e6) / report.messages,
		// /proc/stat is sampled per tick, process times are exact: clamp the small negative error.
		otherCpu: Math.max(
			0,
			(window.machineCpuSec - window.serverCpuSec - window.loadCpuSec) / window.wallSec,
		),
	};
}

/** Opens `scenario.connections` idle connections and returns the server's RSS growth per connection. */
export async function measureIdle(
	server: RunningServer,
	scenario: IdleScenario,
	prefix: readonly string[] = [],
): Promise<IdleResult> {
	// Let start-up allocation settle before the baseline.
	await Bun.sleep(500);
	const rssBeforeKiB = await rssKiB(server.pid);
	const cmd = [
		...prefix,
		"bun",
		"bench/load/idle.ts",
		"--port",
		String(server.port),
		"--connections",
		String(scenario.connections),
	];
	const proc = Bun.spawn(cmd, { cwd: ROOT, stdin: "pipe", stdout: "pipe", stderr: "pipe" });
	const stderr = collect(proc.stderr);
	try {
		let timer: Timer | undefined;
		const ready = await Promise.race([
			firstMatch(proc.stdout, /\{"open":(\d+),"failed":(\d+)\}/),
			new Promise<null>((resolve) => {
				timer = setTimeout(() => resolve(null), 120_000);
			}),
		]);
		clearTimeout(timer);
		if (!ready) throw new Error(`idle holder gave no count: ${(await stderr()).trim()}`);
		await Bun.sleep(1000);
		const rssAfterKiB = await rssKiB(server.pid);
		const open = Number(ready[1]);
		return {
			open,
			failed: Number(ready[2]),
			rssBeforeKiB,
			rssAfterKiB,
			kibPerConnection: open > 0 ? (rssAfterKiB - rssBeforeKiB) / open : Number.NaN,
		};
	} finally {
		proc.stdin.end();
		const timer = setTimeout(() => stopProcess(proc), 5000);
		await proc.exited;
		clearTimeout(timer);
	}
}

/**
 * GETs `url` once a second, each scrape read to the end, as Prometheus would; `stop()` resolves
 * with how many succeeded (a 200 whose body names an `echokit_` metric).
 */
function scrapeEverySecond(url: string): { stop(): Promise<number> } {
	let ok = 0;
	let inFlight: Promise<void> = Promise.resolve();
	const scrape = async () => {
		const response = await fetch(url);
		if (response.ok && (await response.text()).includes("echokit_messages_total")) ok++;
	};
	const timer = setInterval(() => {
		inFlight = scrape().catch(() => {});
	}, 1000);
	return {
		async stop() {
			clearInterval(timer);
			await inFlight;
			return ok;
		},
	};
}
