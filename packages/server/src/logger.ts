/**
 * The CLI's consola: plain lines like the lab (`Listening on …`, no icons, no timestamps), or one
 * JSON object per line with `--json`. Diagnostics (warn, error, debug, trace) and hints (lines
 * tagged {@link HINT_TAG}) go to stderr, everything else to stdout. A worker's lines say which
 * worker wrote them: `worker` and `pid` fields in JSON, and `[worker N] ` before a plain line
 * about a connection or an event (`Connected to …`, `Data received: …`, its warnings).
 * Warnings and errors with an `event` field (one per connection or datagram event) are
 * rate-limited by kind (log-limit.ts).
 */
import { inspect } from "node:util";
import type { Logger } from "@echokit/core";
import { type ConsolaInstance, type ConsolaReporter, createConsola, LogLevels } from "consola/core";
import { LOG_LIMIT, LogLimiter, type Suppressed } from "./log-limit.ts";
import type { LogLevel } from "./types.ts";

/** Options of {@link createLogger}. */
export interface LoggerOptions {
	level: LogLevel;
	json: boolean;
	/** Where lines go; default the process's stdout and stderr. */
	stdout?: { write(text: string): unknown };
	stderr?: { write(text: string): unknown };
	/**
	 * Fields added to every line in `--json` (e.g. `worker` and `pid` in a worker process); a
	 * `worker` number also prefixes plain lines about a connection or event with `[worker N] `.
	 */
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
 * Repeated identical lines are not throttled (consola's own throttle is off): each message the
 * lab would print, we print. Only warnings and errors with an `event` field are limited, by kind
 * (the event, and the plugin for `plugin_error`): at most {@link LOG_LIMIT} lines a window, then
 * one summary line with the count left out (`suppressed` in `--json`) as the window ends.
 * Call {@link flushSuppressed} before exiting.
 * @example
 * const logger = createLogger({ level: "info", json: false });
 * logger.info("Listening on 127.0.0.1:8888");
 */
export function createLogger(options: LoggerOptions): ConsolaInstance {
	const sinks: Sinks = {
		stdout: sink(options.stdout ?? process.stdout),
		stderr: sink(options.stderr ?? process.stderr),
	};
	const fields = options.fields ?? {};
	const prefix = fields.worker === undefined ? "" : `[worker ${fields.worker}] `;
	const reporter = options.json ? jsonReporter(sinks) : plainReporter(sinks, prefix);
	const limiter = new LogLimiter<LogObject>((suppressed) =>
		reporter.log(summary(suppressed, fields), { options: {} as never }),
	);
	const logger = createConsola({
		level: LogLevels[options.level],
		throttle: 0,
		...(options.fields ? { defaults: options.fields as Record<string, never> } : {}),
		reporters: [
			{
				log(log, context) {
					const key = limitKey(log);
					if (key === undefined || limiter.allow(key, log)) reporter.log(log, context);
				},
			},
		],
	});
	LIMITERS.set(logger, limiter);
	return logger;
}

/**
 * Prints now the summary lines of rate-limit windows still open (lines left out and not yet
 * reported), so that a count is not lost when the process exits.
 * @example
 * flushSuppressed(logger);
 * process.exit(code);
 */
export function flushSuppressed(logger: ConsolaInstance): void {
	LIMITERS.get(logger)?.flush();
}

const LIMITERS = new WeakMap<ConsolaInstance, LogLimiter<LogObject>>();

/** The kind a warning or error is rate-limited by, or `undefined` for a line never limited. */
function limitKey(log: LogObject): string | undefined {
	if (log.type !== "warn" && log.type !== "error") return undefined;
	const { event, plugin } = log as { event?: unknown; plugin?: unknown };
	if (typeof event !== "string") return undefined;
	return typeof plugin === "string" ? `${event}:${plugin}` : event;
}

/** The line that says how many lines of a kind a window left out. */
function summary(
	{ count, windowSeconds, first }: Suppressed<LogObject>,
	fields: Record<string, unknown>,
): LogObject {
	const { event, plugin } = first as { event?: string; plugin?: string };
	const kind = plugin === undefined ? `${event}` : `${event} (plugin "${plugin}")`;
	const noun = first.type === "error" ? "errors" : "warnings";
	const text =
		`${count} more ${kind} ${noun} suppressed in the last ${windowSeconds} s ` +
		`(at most ${LOG_LIMIT.lines} of a kind are printed per ${windowSeconds} s; the metrics count every one)`;
	return {
		...fields,
		date: new Date(),
		type: first.type,
		level: first.level,
		tag: "",
		args: [text],
		event,
		...(plugin === undefined ? {} : { plugin }),
		suppressed: count,
		windowSeconds,
	} as LogObject;
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

/**
 * `prefix` (`[worker N] `) starts every line about a connection or an event (one with a
 * `connection` or `event` field), before `echo-server: ` on a warning or error. A worker's other
 * lines (start-up errors, its debug lines) read as a lone server's, or name the worker already.
 */
function plainReporter(sinks: Sinks, workerPrefix: string): ConsolaReporter {
	return {
		log(log) {
			const text = message(log);
			const prefix = workerPrefix && ("connection" in log || "event" in log) ? workerPrefix : "";
			if (log.type === "error" || log.type === "fatal")
				sinks.stderr(`${prefix}echo-server: ${text}\n`);
			else if (log.type === "warn") sinks.stderr(`${prefix}echo-server: warning: ${text}\n`);
			else if (log.tag === HINT_TAG || DIAGNOSTICS.has(log.type))
				sinks.stderr(`${prefix}${text}\n`);
			else sinks.stdout(`${prefix}${text}\n`);
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
