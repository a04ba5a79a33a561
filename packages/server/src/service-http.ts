/**
 * The service listener: a small HTTP server (Bun.serve) on its own host and port, beside the
 * echo listener, for whoever runs echo-server as a service — Prometheus, a load balancer,
 * Kubernetes probes:
 *
 * - `GET /metrics`: the registry in the Prometheus text format.
 * - `GET /livez`: 200 while the process runs.
 * - `GET /readyz`: 200 while the server accepts new clients; 503 from the moment a stop begins.
 *
 * HEAD works like GET without a body; other methods get 405, other paths 404. Nothing here
 * logs: probes every few seconds would drown the per-connection lines, and this traffic never
 * reaches the echo listener, whose connections are the only ones logged.
 * @module
 */
import { EchoError } from "@echokit/core";
import { hostPort, listenError } from "@echokit/core/cli";
import type { Server } from "bun";
import type { Registry } from "prom-client";
import { type CliError, toCliError } from "./errors.ts";

/** Options of {@link startServiceHttp}. */
export interface ServiceHttpOptions {
	/** Address to bind. Default `127.0.0.1`: metrics stay on this machine unless asked. */
	hostname?: string;
	/** Port to bind; `0` picks a free one (read it back from `port`). */
	port: number;
	/**
	 * What `/metrics` serves: a prom-client registry, or anything with its `metrics()` and
	 * `contentType` (the primary of `--workers` sums its workers'). Without it, `/metrics` is 404.
	 */
	registry?: MetricsSource;
	/** Whether the server accepts new clients now: `/readyz` answers 200 when true, else 503. */
	ready: () => boolean;
	/**
	 * Milliseconds a rendered `/metrics` page is served again before the next render. Default
	 * 250: however fast scrapes come (a tight loop, many scrapers), rendering costs at most four
	 * times a second, so scrapes cannot starve echo traffic; Prometheus scrapes every 15–60 s.
	 */
	renderIntervalMs?: number;
}

/** A running service listener. */
export interface ServiceHttp {
	readonly hostname: string;
	readonly port: number;
	/** `http://HOST:PORT`, IPv6 hosts in brackets. */
	readonly url: string;
	/** Closes the listener (requests in flight finish). */
	stop(): Promise<void>;
}

/**
 * Binds the service listener. Throws a {@link CliError} when it cannot: `E_ADDR_IN_USE`,
 * `E_PERMISSION`, `E_ADDR_NOT_AVAILABLE` or `E_LISTEN`, naming the metrics address.
 * @example
 * const http = startServiceHttp({ port: 9464, registry: createMetrics(() => server.stats()), ready: () => !stopping });
 */
export function startServiceHttp(options: ServiceHttpOptions): ServiceHttp {
	const hostname = options.hostname ?? "127.0.0.1";
	const { ready } = options;
	const registry = options.registry && throttled(options.registry, options.renderIntervalMs ?? 250);
	let server: Server<undefined>;
	try {
		server = Bun.serve({
			hostname,
			port: options.port,
			fetch: (request) => respond(request, registry, ready),
			error: (error) => text(500, `${error.message}\n`),
		});
	} catch (error) {
		throw bindError(hostname, options.port, error);
	}
	const port = server.port ?? options.port;
	return {
		hostname,
		port,
		url: `http://${hostPort(hostname, port)}`,
		stop: () => server.stop(),
	};
}

/** The part of a prom-client `Registry` that `/metrics` uses. */
export type MetricsSource = Pick<Registry, "metrics" | "contentType">;

/**
 * `source`, rendered at most once per `intervalMs`: a scrape within that time of the last
 * render gets the same page, and scrapes during a render share it.
 */
function throttled(source: MetricsSource, intervalMs: number): MetricsSource {
	let last: { page: Promise<string>; at: number } | null = null;
	return {
		contentType: source.contentType,
		metrics() {
			const now = performance.now();
			if (!last || now - last.at >= intervalMs) {
				const page = source.metrics();
				last = { page, at: now };
				// A failed render is not served again.
				page.catch(() => {
					if (last?.page === page) last = null;
				});
			}
			return last.page;
		},
	};
}

async function respond(
	request: Request,
	registry: MetricsSource | undefined,
	ready: () => boolean,
): Promise<Response> {
	const path = new URL(request.url).pathname;
	if (!ROUTES.has(path) || (path === "/metrics" && !registry)) return text(404, "not found\n");
	if (request.method !== "GET" && request.method !== "HEAD") {
		return text(405, "method not allowed\n", { Allow: "GET, HEAD" });
	}
	if (path === "/livez") return text(200, "ok\n");
	if (path === "/readyz") return ready() ? text(200, "ok\n") : text(503, "stopping\n");
	const metrics = registry as MetricsSource;
	return text(200, await metrics.metrics(), { "Content-Type": metrics.contentType });
}

const ROUTES = new Set(["/metrics", "/livez", "/readyz"]);

function text(status: number, body: string, headers: Record<string, string> = {}): Response {
	return new Response(body, {
		status,
		// Probes and scrapes want the state now, never a cached one.
		headers: {
			"Content-Type": "text/plain; charset=utf-8",
			"Cache-Control": "no-store",
			...headers,
		},
	});
}

/** What Bun's bind failure means, in the CLI's listen codes. */
function bindError(hostname: string, port: number, error: unknown): CliError {
	// The echo listener's words and codes for the same cause, naming this listener.
	const cause = listenError({ host: hostname, port }, error);
	return toCliError(
		new EchoError(cause.code, `metrics listener (--metrics-port): ${cause.message}`),
	);
}
