/**
 * The running part of `echo-server`: start core's server with the resolved settings, announce
 * it, and stop it cleanly on SIGINT/SIGTERM.
 */
import { type AnyPlugin, type EchoServer, type ServerOptions, startServer } from "@echokit/core";
import { hostPort } from "@echokit/core/cli";
import type { ConsolaInstance } from "consola/core";
import { announce, announceWebSocket, wantsHint } from "./announce.ts";
import { toCliError } from "./errors.ts";
import { labLog } from "./lab-log.ts";
import { coreLogger } from "./logger.ts";
import { createMetrics } from "./metrics.ts";
import { pageResponse } from "./page/response.ts";
import { type ServiceHttp, startServiceHttp } from "./service-http.ts";
import type { Settings } from "./settings.ts";
import { stopAfterDelay } from "./shutdown-delay.ts";
import { onStopSignals, SIGNAL_NUMBERS } from "./signals.ts";
import { warnIfSlow } from "./slow.ts";
import type { TlsPem } from "./tls.ts";
import { atLeast } from "./values.ts";
import { answerMetricsRequests, reportReady } from "./worker-protocol.ts";

/** What `serve` needs besides the settings. */
export interface ServeContext {
	plugins: AnyPlugin[];
	logger: ConsolaInstance;
	/** The certificate and key, read and checked, when serving TLS. */
	tls?: TlsPem;
	/** This process's number when it is one of `--workers`; absent in a lone server. */
	worker?: number;
}

/** A started server, and when it is done. */
export interface Serving {
	server: EchoServer;
	/**
	 * Resolves with the process's exit code once the server has stopped: 0 after a graceful
	 * stop, 1 when stopping failed, 130/143 on a second SIGINT/SIGTERM (which does not wait).
	 * The caller exits with it: only bin.ts ends the process.
	 */
	done: Promise<number>;
}

/**
 * Starts the server, makes SIGINT/SIGTERM stop it gracefully, then prints
 * `Listening on HOST:PORT` with the real port: whoever waits for that line may signal at once.
 * A worker prints nothing of the kind (its primary does, once for all) but tells its primary.
 * Throws a {@link CliError}: a listen code (`E_ADDR_IN_USE`, `E_PERMISSION`, …, in core's words),
 * or `E_PLUGIN_START`.
 * @example
 * const { done } = await serve(settings, { plugins, logger });
 * process.exit(await done);
 */
export async function serve(settings: Settings, context: ServeContext): Promise<Serving> {
	const { logger, worker } = context;
	let server: EchoServer;
	try {
		server = await warnIfSlow(startServer(serverOptions(settings, context)), (seconds) =>
			logger.warn(
				`still starting after ${seconds} s: does a plugin's start hook never settle? (it listens, but has not started)`,
			),
		);
	} catch (error) {
		throw toCliError(error);
	}
	const readiness = { ready: true };
	let service: ServiceHttp | null = null;
	if (settings.metricsPort !== undefined && worker === undefined) {
		try {
			service = startServiceHttp({
				hostname: settings.metricsHost,
				port: settings.metricsPort,
				registry: createMetrics(() => server.stats()),
				ready: () => readiness.ready,
			});
		} catch (error) {
			await server.stop({ drainTimeoutMs: 0, closeTimeoutMs: 0 });
			throw toCliError(error);
		}
	}
	const { stop, done } = stopOnSignals(server, logger, worker, {
		drainTimeoutMs: toMilliseconds(settings.drainTimeout),
		shutdownDelayMs: toMilliseconds(settings.shutdownDelay),
		notReady: () => {
			readiness.ready = false;
			// A proxy's echo-port health check fails from now on, as /readyz does.
			server.failHealthChecks();
		},
		stopped: () => service?.stop(),
	});
	const address = server.unix ?? hostPort(server.hostname, server.port);
	if (worker !== undefined) {
		logger.debug({ message: `worker ${worker} (pid ${process.pid}) listening on ${address}` });
		// The primary serves --metrics-port for all; each worker answers its requests.
		if (settings.metricsPort !== undefined) {
			const registry = createMetrics(() => server.stats());
			answerMetricsRequests(() => registry.getMetricsAsJSON());
		}
		reportReady(() => stop("its primary process is gone"));
		return { server, done };
	}
	announce(
		logger,
		{
			host: server.hostname,
			port: server.port,
			...(server.unix === undefined ? {} : { unix: server.unix }),
			...(settings.tls ? { tlsCert: settings.tls.cert } : {}),
			selfSigned: context.tls?.selfSigned ?? false,
			udp: settings.udp,
			workers: 1,
		},
		{ hint: wantsHint(settings) },
	);
	if (server.webSocketAddress !== undefined) {
		announceWebSocket(logger, server.webSocketAddress, { tls: settings.tls !== undefined });
	}
	if (service) {
		logger.info({
			message: `Metrics on ${service.url}/metrics (health: /livez, /readyz)`,
			metricsPort: service.port,
		});
	}
	return { server, done };
}

/**
 * Core's options for these settings. A worker binds with `reusePort`; only worker 1 serves UDP
 * (Bun's UDP sockets cannot share a port, and a datagram needs no connection to stick to).
 * @example
 * startServer(serverOptions(settings, { plugins: [], logger }));
 */
export function serverOptions(settings: Settings, context: ServeContext): ServerOptions {
	const { logger, plugins, tls, worker } = context;
	// The transcript costs a call and a log line per message: leave it out when nobody sees it.
	const transcript = !settings.quiet && atLeast(settings.logLevel, "info");
	return {
		...(settings.unix === undefined
			? { hostname: settings.host, port: settings.port }
			: { unix: settings.unix }),
		framing: settings.framing,
		maxLineBytes: settings.maxMessageBytes,
		// Absent: core derives it from the open-file limit, in each worker for that process.
		...(settings.maxConnections === undefined ? {} : { maxConnections: settings.maxConnections }),
		idleTimeoutMs: toMilliseconds(settings.idleTimeout),
		handshakeTimeoutMs: toMilliseconds(settings.handshakeTimeout),
		proxyProtocol: settings.proxyProtocol,
		proxyHeaderTimeoutMs: toMilliseconds(settings.proxyHeaderTimeout),
		...(settings.proxyFrom ? { proxyFrom: settings.proxyFrom } : {}),
		highWaterMark: settings.highWaterMark,
		...(tls ? { tls: { cert: tls.cert, key: tls.key } } : {}),
		udp: settings.udp && (worker === undefined || worker === 1),
		// `GET /` on the WebSocket port is the browser page; other plain HTTP requests get 426.
		...(settings.wsPort === undefined
			? {}
			: { webSocket: { port: settings.wsPort, page: pageResponse } }),
		...(worker === undefined ? {} : { reusePort: true }),
		plugins: transcript ? [labLog(logger, settings.unix), ...plugins] : plugins,
		logger: coreLogger(logger),
	};
}

/** Whole milliseconds for core; a timeout above 0 never rounds down to 0 (= never). */
function toMilliseconds(seconds: number): number {
	return seconds === 0 ? 0 : Math.max(1, Math.round(seconds * 1000));
}

/** What a stop does besides core's graceful stop, and its timings. */
interface StopSteps {
	drainTimeoutMs: number;
	/** `--shutdown-delay`: keep accepting this long after the signal, not ready, before stopping. */
	shutdownDelayMs: number;
	/** Readiness off (`/readyz` 503, proxy health checks closed unanswered), at the signal. */
	notReady(): void;
	/** After the server stopped: close the service listener. */
	stopped(): Promise<void> | undefined;
}

/**
 * SIGINT/SIGTERM: readiness off; after `--shutdown-delay` (default 0) stop accepting, keep serving open connections until their clients close or
 * `--drain-timeout` passes, then end each after the replies it is owed (core's
 * {@link EchoServer.stop}), then `done` resolves 0 (1 if stopping failed).
 * A second signal resolves it at once with 128 + the signal's number (130, 143) — not the same Ctrl-C
 * delivered twice by the terminal and `bunx` (see signals.ts). A worker ignores a
 * second signal (Ctrl-C reaches it from the terminal *and* from its primary); its primary
 * kills it if it must.
 * @returns `stop`, which stops the same way for other reasons, and `done`, the exit code.
 */
function stopOnSignals(
	server: EchoServer,
	logger: ConsolaInstance,
	worker: number | undefined,
	steps: StopSteps,
): { stop: (reason: string) => void; done: Promise<number> } {
	// The first code wins: a second signal's does not wait for the stop under way.
	const { promise: done, resolve: exit } = Promise.withResolvers<number>();
	let stopping = false;
	const stop = (reason: string) => {
		if (stopping) return;
		stopping = true;
		const { drainTimeoutMs } = steps;
		stopAfterDelay(steps.shutdownDelayMs, {
			notReady: steps.notReady,
			stop: () => server.stop({ drainTimeoutMs }),
		})
			.done.then(() => steps.stopped())
			.then(
				() => exit(0),
				(error: unknown) => {
					logger.error(`stopping failed: ${toCliError(error).message}`);
					exit(1);
				},
			);
		if (worker !== undefined) logger.debug(`worker ${worker} (pid ${process.pid}): ${reason}`);
	};
	onStopSignals((signal, again) => {
		if (worker !== undefined) return stop(`${signal}, stopping`);
		if (again) {
			logger.warn(`${signal} again: exiting without waiting for queued replies`);
			return exit(128 + SIGNAL_NUMBERS[signal]);
		}
		const delay = steps.shutdownDelayMs / 1000;
		const when = delay > 0 ? `not ready, stopping in ${delay} s` : "stopping";
		logger.info({ message: `${signal}: ${when} (send it again to exit now)`, signal });
		stop(signal);
	});
	return { stop, done };
}
