/**
 * `echo-server` as a citty command, and `main`: the one place that turns errors into a line on
 * stderr and an exit code (see `EXIT_CODES` in errors.ts).
 */
import { formatHelp, shouldColor } from "@echokit/core/cli";
import { type ArgsDef, defineCommand, runCommand } from "citty";
import type { ConsolaInstance } from "consola/core";
import pkg from "../package.json" with { type: "json" };
import { ARGS, parseFlags } from "./args.ts";
import { loadConfigFile } from "./config.ts";
import { readEnv } from "./env.ts";
import { CliError, errorStack, toCliError } from "./errors.ts";
import { loadPlugins } from "./load-plugins.ts";
import { createLogger, flushSuppressed } from "./logger.ts";
import { serve } from "./serve.ts";
import { SETTINGS } from "./setting-table.ts";
import { proxyFromGaps, resolveSettings } from "./settings.ts";
import { warnIfSlow } from "./slow.ts";
import { readTls } from "./tls.ts";
import { routeProcessWarnings } from "./warnings.ts";
import { runWorkers } from "./worker-pool.ts";
import { workerIndex } from "./worker-protocol.ts";

const META = { name: "echo-server", version: pkg.version, description: pkg.description };

/** Shared by `run` and `main`: the logger, replaced once the flags and config say how to log. */
interface RunState {
	logger: ConsolaInstance;
	json: boolean;
}

/**
 * The citty definition of `echo-server`. `run` parses `rawArgs` itself (see args.ts).
 * @example
 * await runCommand(command, { rawArgs: ["--port", "0"], data: { logger, json: false } });
 */
export const command = defineCommand({
	meta: META,
	args: ARGS as ArgsDef,
	async run({ rawArgs, data }) {
		const state = data as RunState;
		const cwd = process.cwd();
		const flags = parseFlags(rawArgs);
		const env = readEnv();
		state.json = flags.json ?? env.json ?? false;
		state.logger = createLogger({
			level: flags.logLevel ?? env.logLevel ?? "info",
			json: state.json,
		});
		const configPath = flags.config ?? env.config;
		const config = await warnIfSlow(loadConfigFile(configPath, cwd), (seconds) =>
			state.logger.warn(
				`still loading the config file after ${seconds} s: does a top-level await in it never settle?`,
			),
		);
		const settings = resolveSettings(flags, config, cwd, env);
		const worker = workerIndex();
		state.json = settings.json;
		state.logger = createLogger({
			level: settings.logLevel,
			json: state.json,
			...(worker === undefined ? {} : { fields: { worker, pid: process.pid } }),
		});
		// The primary checks the files (one clear line if they are wrong); workers read them again.
		const tls = settings.tls && readTls(settings.tls, worker === undefined ? state.logger : null);
		const gaps = worker === undefined ? proxyFromGaps(settings) : null;
		if (gaps !== null) state.logger.warn(gaps);
		if (worker === undefined && settings.workers > 1) {
			return await runWorkers(settings, rawArgs, state.logger, tls);
		}
		const { entries, base, file } = settings.plugins;
		const plugins = await loadPlugins(entries, base, state.logger).catch((error: unknown) => {
			// Say which file a plugin entry came from, as for the config's other errors.
			if (file && error instanceof CliError) error.message = `${error.message} (in ${file})`;
			throw error;
		});
		const { done } = await serve(settings, {
			plugins,
			logger: state.logger,
			...(tls ? { tls } : {}),
			worker,
		});
		return await done;
	},
});

/**
 * Runs `echo-server` with these arguments until it is done, and resolves with the exit code:
 * 0 after `--help`, `--version` or a graceful stop; 130/143 on a second signal; on failure
 * the error's code (see `EXIT_CODES`), after one line on stderr (the stack too with
 * `--log-level debug`). Never exits itself: bin.ts does, the one exit point.
 * @example
 * process.exit(await main(process.argv.slice(2)));
 */
export async function main(rawArgs: string[]): Promise<number> {
	// Until the flags are parsed (a usage error is reported before), the line's `--json` decides.
	const json = jsonAsked(rawArgs);
	const state: RunState = { logger: createLogger({ level: "info", json }), json };
	routeProcessWarnings(() => state.logger);
	try {
		const wants = helpOrVersion(rawArgs);
		if (wants.help) {
			process.stdout.write(help());
			return 0;
		}
		if (wants.version) {
			console.log(pkg.version);
			return 0;
		}
		const { result } = await runCommand(command, { rawArgs, data: state });
		flushSuppressed(state.logger);
		return result as number;
	} catch (thrown) {
		const error = toCliError(thrown);
		const { logger, json } = state;
		const { message, code, exitCode } = error;
		logger.error(json ? { message, code, exitCode } : `${message} (${code})`);
		if (logger.level >= 4) logger.debug(errorStack(thrown));
		return error.exitCode;
	}
}

/** `--help` wins over any other problem on the line, as users expect. */
function helpOrVersion(rawArgs: string[]): { help?: boolean; version?: boolean } {
	try {
		return parseFlags(rawArgs);
	} catch {
		return { help: rawArgs.includes("--help") || rawArgs.includes("-h") };
	}
}

/** The `--help` page, coloured only for a terminal (see `shouldColor`). */
function help(): string {
	const page = { ...META, args: ARGS };
	return formatHelp(page, { color: shouldColor(process.stdout) });
}

/**
 * Whether the line asks for `--json` (the last of `--json`, `--json=true|false`, `--no-json`
 * wins; else `ECHO_SERVER_JSON=true`), read without checking anything else, so that even a
 * usage error is a JSON line.
 */
function jsonAsked(rawArgs: readonly string[]): boolean {
	let json = process.env[SETTINGS.json.env] === "true";
	for (const arg of rawArgs) {
		if (arg === "--") break;
		if (arg === "--json" || arg === "--json=true") json = true;
		else if (arg === "--no-json" || arg === "--json=false") json = false;
	}
	return json;
}
