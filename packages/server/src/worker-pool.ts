/**
 * `--workers N`, the primary's side: this process runs N copies of the same command (the workers),
 * which bind the same port with `reusePort`, so the kernel spreads connections over them.
 *
 * - Port: the primary binds the address once without `reusePort` (which fails if anything,
 *   even another worker group, holds it, and turns port 0 into a real port), lets it go, and
 *   starts every worker on that port.
 * - Start: worker 1 first, so a bad plugin or config is reported once; then the rest. Each
 *   tells the primary over IPC when it listens (worker-protocol.ts: the messages and the
 *   worker's side); the primary then prints `Listening on …` once.
 * - Output: workers inherit stdout and stderr; their lines reach the terminal as they are.
 * - Stop: SIGINT/SIGTERM to the primary reach every worker as SIGTERM; each stops gracefully.
 *   The primary is done (exit code 0) when all exit 0, else 1. A second signal kills them at
 *   once (130/143). The pool never exits the process: it resolves `done` with the code.
 * - Crash: a worker that dies on its own is logged and replaced; more than
 *   {@link MAX_CRASHES} deaths within {@link CRASH_WINDOW_MS} stop them all (exit 1).
 * - A primary that dies unannounced (SIGKILL) closes the IPC channel: its workers stop gracefully.
 * - Metrics (`--metrics-port`): the primary serves the one HTTP listener; a scrape asks every
 *   worker for its metrics over IPC and reports their sum (prom-client's aggregation), with the
 *   counts of workers that died since (pool-metrics.ts) and the primary's start time.
 */
import { join } from "node:path";
import { startServer } from "@echokit/core";
import type { Subprocess } from "bun";
import type { ConsolaInstance } from "consola/core";
import { announce, wantsHint } from "./announce.ts";
import { CliError, toCliError } from "./errors.ts";
import type { MetricJson } from "./metrics.ts";
import { PoolMetrics } from "./pool-metrics.ts";
import { type ServiceHttp, startServiceHttp } from "./service-http.ts";
import type { Settings } from "./settings.ts";
import { onStopSignals, SIGNAL_NUMBERS } from "./signals.ts";
import { selfCommand } from "./standalone.ts";
import type { TlsPem } from "./tls.ts";
import {
	type MetricsReply,
	type PrimaryMessage,
	toWorkerMessage,
	WORKER_ENV,
	type WorkerMessage,
} from "./worker-protocol.ts";

/** More worker deaths than this within {@link CRASH_WINDOW_MS} and the primary gives up. */
export const MAX_CRASHES = 3;
export const CRASH_WINDOW_MS = 30_000;

const BIN = join(import.meta.dir, "bin.ts");

/**
 * The primary: checks the address, starts `settings.workers` workers running `rawArgs`, prints
 * `Listening on HOST:PORT (N workers)` once they all listen, and supervises them until they
 * have all exited; resolves then with the exit code (see `WorkerPool.done`). Throws a listen
 * code (`E_ADDR_IN_USE`, `E_PERMISSION`, …) before starting any, in the same words as a lone
 * server.
 * @example
 * process.exit(await runWorkers(settings, process.argv.slice(2), logger, tls));
 */
export async function runWorkers(
	settings: Settings,
	rawArgs: readonly string[],
	logger: ConsolaInstance,
	tls: TlsPem | undefined,
): Promise<number> {
	const port = await claimPort(settings);
	// The last --port wins: every worker binds the port just claimed, also when 0 was asked for.
	const pool = new WorkerPool([...rawArgs, "--port", `${port}`], logger);
	pool.stopOnSignals();
	const started = await pool.start(settings.workers);
	if (!started) return pool.done;
	let service: ServiceHttp | undefined;
	if (settings.metricsPort !== undefined) {
		try {
			service = startServiceHttp({
				hostname: settings.metricsHost,
				port: settings.metricsPort,
				registry: { contentType: METRICS_CONTENT_TYPE, metrics: () => pool.metrics() },
				ready: () => pool.accepting,
			});
		} catch (error) {
			pool.stopAll();
			await pool.done;
			throw toCliError(error);
		}
	}
	announce(
		logger,
		{
			host: settings.host,
			port,
			...(settings.tls ? { tlsCert: settings.tls.cert } : {}),
			selfSigned: tls?.selfSigned ?? false,
			udp: settings.udp,
			workers: settings.workers,
			pids: pool.pids(),
		},
		{ hint: wantsHint(settings) },
	);
	if (service) {
		logger.info({
			message: `Metrics on ${service.url}/metrics (health: /livez, /readyz)`,
			metricsPort: service.port,
		});
	}
	const code = await pool.done;
	await service?.stop();
	return code;
}

/** prom-client's Prometheus text format, as its registries say it. */
const METRICS_CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

/** How long a scrape waits for each worker's metrics; a worker that does not answer is left out. */
const METRICS_WAIT_MS = 2000;

/** Binds the address alone (TCP, and UDP with `--udp`) and lets it go; returns the real port. */
async function claimPort(settings: Settings): Promise<number> {
	try {
		const probe = await startServer({
			hostname: settings.host,
			port: settings.port,
			udp: settings.udp,
			maxConnections: 1,
			idleTimeoutMs: 0,
		});
		await probe.stop({ drainTimeoutMs: 0, closeTimeoutMs: 0 });
		return probe.port;
	} catch (error) {
		throw toCliError(error);
	}
}

interface Worker {
	readonly index: number;
	readonly proc: Subprocess<"ignore", "inherit", "inherit">;
	ready: boolean;
}

/** How a worker ended, or failed to start, for the primary. */
class WorkerExit extends Error {
	constructor(
		readonly worker: Worker,
		readonly code: number | null,
	) {
		super(describeExit(worker));
	}
}

class WorkerPool {
	/** The live process of each worker number. */
	private readonly live = new Map<number, Worker>();
	private stopping = false;
	/** A worker exited non-zero while stopping. */
	private failed = false;
	/** The exit code decided before stopping (a worker that failed to start), or 0. */
	private exitCode = 0;
	/** Sums of the workers' metrics, including those of workers gone. */
	private readonly sums = new PoolMetrics<Worker>();
	/** When workers died on their own, within the last {@link CRASH_WINDOW_MS}. */
	private crashes: number[] = [];
	private readonly finished = Promise.withResolvers<number>();
	/**
	 * The primary's exit code, once every worker has gone after a stop: 0 when all exited 0,
	 * else `E_WORKER`'s (or the code of a worker that failed to start); 130/143 at once on a
	 * second signal. The first code wins.
	 */
	readonly done: Promise<number> = this.finished.promise;

	constructor(
		private readonly args: readonly string[],
		private readonly logger: ConsolaInstance,
	) {}

	pids(): number[] {
		return [...this.live.values()].map((worker) => worker.proc.pid);
	}

	/** False from the first stop signal on: `/readyz` answers 503. */
	get accepting(): boolean {
		return !this.stopping;
	}

	/**
	 * Asks every ready worker for its metrics and sums them, in the Prometheus text format.
	 * Rejects when a worker does not answer within {@link METRICS_WAIT_MS}: a sum without it
	 * would fall, which Prometheus takes for a counter reset (the scrape fails instead, 500).
	 */
	async metrics(): Promise<string> {
		const asked = [...this.live.values()].filter((worker) => worker.ready);
		const replies = await Promise.all(asked.map((worker) => this.ask(worker)));
		const silent = asked.filter((_, i) => replies[i] === null).map((worker) => worker.index);
		if (silent.length > 0) {
			throw new Error(
				`worker ${silent.join(", ")} did not answer within ${METRICS_WAIT_MS / 1000} s: no partial sum`,
			);
		}
		const json = (reply: MetricsReply | null) => (reply as MetricsReply).metrics as MetricJson[];
		return this.sums.sum(new Map(asked.map((worker, i) => [worker, json(replies[i] ?? null)])));
	}

	/** Stops every worker (e.g. when the metrics listener cannot start). */
	stopAll(code = EXIT_FAILED): void {
		this.stop(code);
	}

	private lastRequest = 0;
	/** Requests sent to workers and not yet answered, by id. */
	private readonly pending = new Map<number, (reply: MetricsReply | null) => void>();

	/** One worker's metrics, or `null` if it does not answer within {@link METRICS_WAIT_MS}. */
	private ask(worker: Worker): Promise<MetricsReply | null> {
		const id = ++this.lastRequest;
		const { promise, resolve } = Promise.withResolvers<MetricsReply | null>();
		const timer = setTimeout(() => this.answered(id, null), METRICS_WAIT_MS);
		this.pending.set(id, (reply) => {
			clearTimeout(timer);
			resolve(reply);
		});
		const request: PrimaryMessage = { type: "metrics", id };
		worker.proc.send(request);
		return promise;
	}

	private answered(id: number, reply: MetricsReply | null): void {
		this.pending.get(id)?.(reply);
		this.pending.delete(id);
	}

	/**
	 * Starts worker 1, then the others; resolves `true` once all listen. When one exits first,
	 * stops the rest and exits with its code (it said why on stderr); resolves `false` if a
	 * signal stopped the start.
	 */
	async start(count: number): Promise<boolean> {
		try {
			await this.spawn(1);
			const rest = Array.from({ length: count - 1 }, (_, i) => this.spawn(i + 2));
			await Promise.all(rest);
			return !this.stopping;
		} catch (error) {
			if (this.stopping) return false;
			const { worker, code } = error as WorkerExit;
			// A worker that exits with a code has printed its one line; anything else is ours to say.
			if (!code) {
				this.logger.error(`worker ${worker.index} failed to start: it ${describeExit(worker)}`);
			}
			this.stop(code || EXIT_FAILED);
			return false;
		}
	}

	/** SIGINT/SIGTERM: stop every worker gracefully; a second one kills them. */
	stopOnSignals(): void {
		onStopSignals((signal) => {
			if (this.stopping) {
				this.logger.warn(`${signal} again: killing the workers`);
				for (const worker of this.live.values()) worker.proc.kill("SIGKILL");
				return this.finished.resolve(128 + SIGNAL_NUMBERS[signal]);
			}
			const workers = `${this.live.size} worker${this.live.size === 1 ? "" : "s"}`;
			this.logger.info({
				message: `${signal}: stopping ${workers} (send it again to exit now)`,
				signal,
			});
			this.stop();
		});
	}

	/** SIGTERM to every worker; `done` resolves (0, or `code`) when the last has gone. */
	private stop(code?: number): void {
		this.stopping = true;
		if (code !== undefined) this.exitCode = code;
		for (const worker of this.live.values()) worker.proc.kill("SIGTERM");
		this.exitWhenDone();
	}

	private exitWhenDone(): void {
		if (this.stopping && this.live.size === 0) {
			this.finished.resolve(this.exitCode || (this.failed ? EXIT_FAILED : 0));
		}
	}

	/** Starts worker `index`; resolves when it listens, rejects with a {@link WorkerExit}. */
	private spawn(index: number): Promise<Worker> {
		return new Promise((resolve, reject) => {
			const proc = Bun.spawn(selfCommand(BIN, this.args), {
				env: { ...process.env, [WORKER_ENV]: `${index}` },
				stdin: "ignore",
				stdout: "inherit",
				stderr: "inherit",
				serialization: "json",
				ipc: (raw) => {
					const message = toWorkerMessage(raw);
					if (message) this.received(worker, message, resolve);
				},
			});
			const worker: Worker = { index, proc, ready: false };
			this.live.set(index, worker);
			proc.exited.then((code) => {
				if (this.live.get(index) === worker) this.live.delete(index);
				this.sums.retire(worker);
				if (!worker.ready) reject(new WorkerExit(worker, code));
				this.exited(worker, code);
			});
		});
	}

	/** One message from `worker`; `ready` settles its start. */
	private received(worker: Worker, message: WorkerMessage, ready: (worker: Worker) => void): void {
		switch (message.type) {
			case "ready":
				worker.ready = true;
				ready(worker);
				break;
			case "metrics":
				this.answered(message.id, message);
				break;
		}
	}

	private exited(worker: Worker, code: number): void {
		const who = `worker ${worker.index} (pid ${worker.proc.pid})`;
		if (this.stopping) {
			if (code !== 0) {
				this.failed = true;
				this.logger.error(`${who} ${describeExit(worker)}`);
			}
			this.exitWhenDone();
		} else if (worker.ready) {
			// Not while starting: start() reports that.
			this.logger.error(`${who} ${describeExit(worker)}`);
			this.replace(worker.index);
		}
	}

	/** Starts a new worker in place of one that died, unless they keep dying. */
	private replace(index: number): void {
		const now = Date.now();
		this.crashes = [...this.crashes.filter((at) => now - at < CRASH_WINDOW_MS), now];
		if (this.crashes.length > MAX_CRASHES) {
			const seconds = CRASH_WINDOW_MS / 1000;
			this.logger.error(`workers died ${this.crashes.length} times in ${seconds} s: stopping`);
			this.stop(EXIT_FAILED);
			return;
		}
		this.spawn(index).then(
			(next) => this.logger.warn(`worker ${index} replaced by a new one (pid ${next.proc.pid})`),
			(error: WorkerExit) => {
				if (this.stopping) return;
				this.logger.error(`worker ${index} failed to restart: it ${error.message}`);
				this.stop(EXIT_FAILED);
			},
		);
	}
}

/** The exit code of the primary when a worker failed: `E_WORKER`'s. */
const EXIT_FAILED = new CliError("E_WORKER", "").exitCode;

function describeExit({ proc }: Worker): string {
	if (proc.signalCode) return `was killed by ${proc.signalCode}`;
	return `exited with code ${proc.exitCode}`;
}
