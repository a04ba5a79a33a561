/**
 * The running part of `echo-server`: start core's server with the resolved settings, announce
 * it, and stop it cleanly on SIGINT/SIGTERM.
 */
import { type AnyPlugin, type EchoServer, startServer } from "@echokit/core";
import type { ConsolaInstance } from "consola/core";
import { CliError, toCliError } from "./errors.ts";
import { hostPort } from "./format.ts";
import { labLog } from "./lab-log.ts";
import type { Settings } from "./settings.ts";
import { LOG_LEVELS } from "./values.ts";

/** How long queued replies may take to drain after a stop signal, in milliseconds. */
export const STOP_TIMEOUT_MS = 5000;

/**
 * Starts the server, makes SIGINT/SIGTERM stop it gracefully, then prints
 * `Listening on HOST:PORT` with the real port: whoever waits for that line may signal at once.
 * Throws a {@link CliError} (`E_ADDR_IN_USE`, `E_LISTEN`, `E_PLUGIN_START`).
 * @example
 * const server = await serve(settings, plugins, logger);
 */
export async function serve(
	settings: Settings,
	plugins: AnyPlugin[],
	logger: ConsolaInstance,
): Promise<EchoServer> {
	// The transcript costs a call and a log line per message: leave it out when nobody sees it.
	const transcript = !settings.quiet && atLeast(settings.logLevel, "info");
	let server: EchoServer;
	try {
		server = await startServer({
			hostname: settings.host,
			port: settings.port,
			framing: settings.framing,
			...(settings.maxLineBytes ? { maxLineBytes: settings.maxLineBytes } : {}),
			plugins: transcript ? [labLog(logger), ...plugins] : plugins,
			logger,
		});
	} catch (error) {
		throw listenError(error, settings);
	}
	stopOnSignals(server, logger);
	const address = hostPort(server.hostname, server.port);
	logger.info({ message: `Listening on ${address}`, host: server.hostname, port: server.port });
	return server;
}

/**
 * SIGINT/SIGTERM: stop accepting, let queued replies drain (up to {@link STOP_TIMEOUT_MS}), exit 0.
 * A second signal exits at once with 128 + the signal's number (130, 143).
 */
function stopOnSignals(server: EchoServer, logger: ConsolaInstance): void {
	let stopping = false;
	const onSignal = (signal: "SIGINT" | "SIGTERM") => {
		if (stopping) {
			logger.warn(`${signal} again: exiting without waiting for queued replies`);
			process.exit(128 + SIGNAL_NUMBERS[signal]);
		}
		stopping = true;
		logger.info({ message: `${signal}: stopping (send it again to exit now)`, signal });
		server.stop({ timeoutMs: STOP_TIMEOUT_MS }).then(
			() => process.exit(0),
			(error: unknown) => {
				logger.error(`stopping failed: ${toCliError(error).message}`);
				process.exit(1);
			},
		);
	};
	process.on("SIGINT", onSignal);
	process.on("SIGTERM", onSignal);
}

const SIGNAL_NUMBERS = { SIGINT: 2, SIGTERM: 15 } as const;

function atLeast(level: Settings["logLevel"], wanted: Settings["logLevel"]): boolean {
	return LOG_LEVELS.indexOf(level) >= LOG_LEVELS.indexOf(wanted);
}

/** Core's errors, in words that name the port and host. */
function listenError(error: unknown, { host, port }: Settings): CliError {
	const cli = toCliError(error);
	if (cli.code === "E_ADDR_IN_USE") {
		return new CliError("E_ADDR_IN_USE", `port ${port} on ${host} is already in use`, {
			cause: error,
		});
	}
	if (cli.code === "E_LISTEN") {
		const code = systemCode(error);
		const reason =
			LISTEN_REASONS[code ?? ""] ??
			(code ? `system error ${code}` : "not an address of this machine");
		return new CliError("E_LISTEN", `cannot listen on ${hostPort(host, port)}: ${reason}`, {
			cause: error,
		});
	}
	return cli;
}

const LISTEN_REASONS: Record<string, string> = {
	EACCES: "permission denied (ports below 1024 need privileges)",
	EADDRNOTAVAIL: "this machine has no such address",
};

function systemCode(error: unknown): string | undefined {
	return (error as { cause?: { code?: string } })?.cause?.code;
}
