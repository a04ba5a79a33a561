/**
 * The running part of `echo-server`: start core's server with the resolved settings, announce
 * it, and stop it cleanly on SIGINT/SIGTERM.
 */
import { type AnyPlugin, type EchoServer, type ServerOptions, startServer } from "@echokit/core";
import { hostPort } from "@echokit/core/cli";
import type { ConsolaInstance } from "consola/core";
import { announce, wantsHint } from "./announce.ts";
import { toCliError } from "./errors.ts";
import { labLog } from "./lab-log.ts";
import { coreLogger } from "./logger.ts";
import type { Settings } from "./settings.ts";
import { onStopSignals, SIGNAL_NUMBERS } from "./signals.ts";
import { warnIfSlow } from "./slow.ts";
import type { TlsPem } from "./tls.ts";
import { atLeast } from "./values.ts";
import { reportReady } from "./workers.ts";

/** What `serve` needs besides the settings. */
export interface ServeContext {
	plugins: AnyPlugin[];
	logger: ConsolaInstance;
	/** The certificate and key, read and checked, when serving TLS. */
	tls?: TlsPem;
	/** This process's number when it is one of `--workers`; absent in a lone server. */
	worker?: number;
}

/**
 * Starts the server, makes SIGINT/SIGTERM stop it gracefully, then prints
 * `Listening on HOST:PORT` with the real port: whoever waits for that line may signal at once.
 * A worker prints nothing of the kind (its primary does, once for all) but tells its primary.
 * Throws a {@link CliError}: a listen code (`E_ADDR_IN_USE`, `E_PERMISSION`, …, in core's words),
 * or `E_PLUGIN_START`.
 * @example
 * const server = await serve(settings, { plugins, logger });
 */
export async function serve(settings: Settings, context: ServeContext): Promise<EchoServer> {
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
	const stop = stopOnSignals(server, toMilliseconds(settings.drainTimeout), logger, worker);
	const address = server.unix ?? hostPort(server.hostname, server.port);
	if (worker !== undefined) {
		logger.debug({ message: `worker ${worker} (pid ${process.pid}) listening on ${address}` });
		reportReady(() => stop("its primary process is gone"));
		return server;
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
	return server;
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
		highWaterMark: settings.highWaterMark,
		...(tls ? { tls: { cert: tls.cert, key: tls.key } } : {}),
		udp: settings.udp && (worker === undefined || worker === 1),
		...(worker === undefined ? {} : { reusePort: true }),
		plugins: transcript ? [labLog(logger, settings.unix), ...plugins] : plugins,
		logger: coreLogger(logger),
	};
}

/** Whole milliseconds for core; a timeout above 0 never rounds down to 0 (= never). */
function toMilliseconds(seconds: number): number {
	return seconds === 0 ? 0 : Math.max(1, Math.round(seconds * 1000));
}

/**
 * SIGINT/SIGTERM: stop accepting, keep serving open connections until their clients close or
 * `--drain-timeout` passes, then end each after the replies it is owed (core's
 * {@link EchoServer.stop}), exit 0.
 * A second signal exits at once with 128 + the signal's number (130, 143) — not the same Ctrl-C
 * delivered twice by the terminal and `bunx` (see signals.ts). A worker ignores a
 * second signal (Ctrl-C reaches it from the terminal *and* from its primary); its primary
 * kills it if it must.
 * @returns a function that stops the same way, for other reasons.
 */
function stopOnSignals(
	server: EchoServer,
	drainTimeoutMs: number,
	logger: ConsolaInstance,
	worker: number | undefined,
): (reason: string) => void {
	let stopping = false;
	const stop = (reason: string) => {
		if (stopping) return;
		stopping = true;
		server.stop({ drainTimeoutMs }).then(
			() => process.exit(0),
			(error: unknown) => {
				logger.error(`stopping failed: ${toCliError(error).message}`);
				process.exit(1);
			},
		);
		if (worker !== undefined) logger.debug(`worker ${worker} (pid ${process.pid}): ${reason}`);
	};
	onStopSignals((signal, again) => {
		if (worker !== undefined) return stop(`${signal}, stopping`);
		if (again) {
			logger.warn(`${signal} again: exiting without waiting for queued replies`);
			process.exit(128 + SIGNAL_NUMBERS[signal]);
		}
		logger.info({ message: `${signal}: stopping (send it again to exit now)`, signal });
		stop(signal);
	});
	return stop;
}
