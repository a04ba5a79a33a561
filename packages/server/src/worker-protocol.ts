/**
 * The worker side of `--workers`, and the messages a primary and its workers exchange over the
 * IPC channel Bun opens between them (JSON serialization). Every message is a member of a typed
 * union with a `type`, so each side switches on it and the compiler checks both ends; a new
 * exchange (a "metrics" request answered by each worker, say) is one more member on each side.
 * See worker-pool.ts for the primary.
 */

/** Set in a worker's environment to its number (1…N); read only together with an IPC channel. */
export const WORKER_ENV = "ECHO_SERVER_WORKER";

/** A worker tells its primary that it listens (its `Listening on` stays unprinted). */
export interface ReadyMessage {
	type: "ready";
	pid: number;
}

/** A worker's answer to a {@link MetricsRequest}: its registry as prom-client's metric JSON. */
export interface MetricsReply {
	type: "metrics";
	id: number;
	metrics: unknown[];
}

/**
 * Every message a worker sends its primary. Requests from the primary are answered with a
 * member here that carries the request's `id`.
 */
export type WorkerMessage = ReadyMessage | MetricsReply;

/** The primary asks a worker for its metrics (`--metrics-port` with `--workers`), for a scrape. */
export interface MetricsRequest {
	type: "metrics";
	id: number;
}

/** Every message a primary sends its workers. */
export type PrimaryMessage = MetricsRequest;

/**
 * `message` as a {@link WorkerMessage} when it is one (a known `type` with its fields), else
 * `undefined`: what arrives over IPC is whatever the other process sent, so the primary checks
 * before it trusts.
 * @example
 * const message = toWorkerMessage(raw);
 * if (message?.type === "ready") markReady(message.pid);
 */
export function toWorkerMessage(message: unknown): WorkerMessage | undefined {
	const fields = (message ?? {}) as Record<string, unknown>;
	switch (fields.type) {
		case "ready":
			return typeof fields.pid === "number" ? (message as ReadyMessage) : undefined;
		case "metrics":
			return typeof fields.id === "number" && Array.isArray(fields.metrics)
				? (message as MetricsReply)
				: undefined;
		default:
			return undefined;
	}
}

/**
 * This process's worker number when a primary started it with `--workers`, else `undefined`.
 * @example
 * if (workerIndex() === undefined) console.log("a lone server or the primary");
 */
export function workerIndex(): number | undefined {
	const value = process.env[WORKER_ENV];
	if (!value || typeof process.send !== "function") return undefined;
	const index = Number(value);
	return Number.isSafeInteger(index) && index > 0 ? index : undefined;
}

/**
 * In a worker: tells the primary it listens, and calls `orphaned` when the primary is gone.
 * @example
 * reportReady(() => server.stop());
 */
export function reportReady(orphaned: () => void): void {
	sendToPrimary({ type: "ready", pid: process.pid });
	process.once("disconnect", orphaned);
}

/**
 * In a worker: answers the primary's {@link MetricsRequest}s with `metrics()` (prom-client's
 * `registry.getMetricsAsJSON()`).
 */
export function answerMetricsRequests(metrics: () => Promise<unknown[]>): void {
	process.on("message", (raw: unknown) => {
		const request = raw as Partial<PrimaryMessage> | null;
		if (request?.type !== "metrics" || typeof request.id !== "number") return;
		const id = request.id;
		metrics().then((json) => sendToPrimary({ type: "metrics", id, metrics: json }));
	});
}

/** In a worker: one message to the primary, typed. */
function sendToPrimary(message: WorkerMessage): void {
	process.send?.(message);
}
