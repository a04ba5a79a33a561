/**
 * The CLI's consola: plain lines like the lab (`Listening on …`, no icons, no timestamps), or one
 * JSON object per line with `--json`. Diagnostics (warn, error, debug, trace) and hints (lines
 * tagged {@link HINT_TAG}) go to stderr, everything else to stdout.
 */
import { inspect } from "node:util";
import type { Logger } from "@echokit/core";
import { type ConsolaInstance, type ConsolaReporter, createConsola, LogLevels } from "consola/core";
import type { LogLevel } from "./types.ts";

/** Options of {@link createLogger}. */
export interface LoggerOptions {
	level: LogLevel;
	json: boolean;
	/** Where lines go; default the process's stdout and stderr. */
	stdout?: { write(text: string): unknown };
	stderr?: { write(text: string): unknown };
	/** Fields added to every line in `--json` (e.g. `worker` and `pid` in a worker process). */
	fields?: Record<string, unknown>;
}

/**
 * Tag of advice for people (`Talk to it: …`): to stderr, so stdout stays the lab's transcript
 * (`Listening on`, `Connected to`, `Data received`) that scripts read line by line.
 * @example
 * logger.withTag(HINT_TAG).info("Talk to it: bunx echo-client --port 8888");
 */
export const HINT_TAG = "hint";

/**
 * A consola for the CLI. The level is set explicitly: consola's own default depends on the
 * environment (lower under `NODE_ENV=test`), and `--log-level` must mean the same everywhere.
 * Repeated identical lines are not throttled: each message the lab would print, we print.
 * @example
 * const logger = createLogger({ level: "info", json: false });
 * logger.info("Listening on 127.0.0.1:8888");
 */
export function createLogger(options: LoggerOptions): ConsolaInstance {
	const sinks: Sinks = {
		stdout: sink(options.stdout ?? process.stdout),
		stderr: sink(options.stderr ?? process.stderr),
	};
	return createConsola({
		level: LogLevels[options.level],
		throttle: 0,
		...(options.fields ? { defaults: options.fields as Record<string, never> } : {}),
		reporters: [options.json ? jsonReporter(sinks) : plainReporter(sinks)],
	});
}

/**
 * The CLI's consola as core's {@link Logger}: a line's fields object (core passes one after the
 * message: connection, plugin, code, …) becomes fields of the log object, so `--json` keeps them
 * and plain output shows the message alone.
 * @example
 * startServer({ logger: coreLogger(createLogger({ level: "info", json: true })) });
 */
export function coreLogger(logger: ConsolaInstance): Logger {
	const at =
		(level: "debug" | "info" | "warn" | "error") =>
		(message: string, fields?: unknown): void => {
			if (typeof fields === "object" && fields !== null) logger[level]({ ...fields, message });
			else logger[level](message);
		};
	return { debug: at("debug"), info: at("info"), warn: at("warn"), error: at("error") };
}

type LogObject = Parameters<ConsolaReporter["log"]>[0];
type Sinks = Record<"stdout" | "stderr", (text: string) => void>;
/** Keys consola puts on every log object; any other key is a field of a `logger.info({...})`. */
const OWN_KEYS = new Set(["date", "args", "type", "level", "tag"]);
const DIAGNOSTICS = new Set(["warn", "error", "fatal", "debug", "trace", "verbose"]);

function plainReporter(sinks: Sinks): ConsolaReporter {
	return {
		log(log) {
			const text = message(log);
			if (log.type === "error" || log.type === "fatal") sinks.stderr(`echo-server: ${text}\n`);
			else if (log.type === "warn") sinks.stderr(`echo-server: warning: ${text}\n`);
			else if (log.tag === HINT_TAG || DIAGNOSTICS.has(log.type)) sinks.stderr(`${text}\n`);
			else sinks.stdout(`${text}\n`);
		},
	};
}

function jsonReporter(sinks: Sinks): ConsolaReporter {
	return {
		log(log) {
			const line: Record<string, unknown> = {
				time: log.date.toISOString(),
				level: log.type,
				message: message(log),
			};
			if (log.tag) line.tag = log.tag;
			for (const [key, value] of Object.entries(log)) if (!OWN_KEYS.has(key)) line[key] = value;
			const diagnostic = log.tag === HINT_TAG || DIAGNOSTICS.has(log.type);
			sinks[diagnostic ? "stderr" : "stdout"](`${stringify(line)}\n`);
		},
	};
}

/**
 * Writes to a stream until it breaks, then drops lines: `echo-server | head -1` must not take
 * the server down with EPIPE (thrown by `write`, or emitted later as an `error` event).
 */
function sink(stream: {
	write(text: string): unknown;
	on?: (event: "error", f: () => void) => unknown;
}) {
	let broken = false;
	stream.on?.("error", () => {
		broken = true;
	});
	return (text: string) => {
		if (broken) return;
		try {
			stream.write(text);
		} catch {
			broken = true;
		}
	};
}

/** JSON of a line; a field JSON cannot hold (a cycle, a bigint) is shown as inspected text. */
function stringify(line: Record<string, unknown>): string {
	try {
		return JSON.stringify(line);
	} catch {
		return JSON.stringify(line, (key, value) => {
			if (key === "") return value; // the line itself
			if (typeof value === "bigint") return String(value);
			return typeof value === "object" && value !== null ? inspect(value) : value;
		});
	}
}

function message(log: LogObject): string {
	return log.args.map((arg) => (typeof arg === "string" ? arg : inspect(arg))).join(" ");
}
