/**
 * The command line of `echo-client bench`: strict parsing (unknown flags, repeated flags, stray
 * arguments and loose numbers like `1e3`, `0x40` or `64k` are usage errors), and the flag
 * definitions in citty's shape for `--help`.
 * @module
 */
import { longFlag } from "@echokit/core/cli";
import type { ArgsDef } from "citty";
import { clientArgs, unknownFlags } from "../args.ts";
import { resolveBenchOptions, usage } from "./options.ts";
import type { BenchOptions } from "./types.ts";

/** The flags of `echo-client bench`, as citty takes them (all strings: citty has no numbers). */
export const benchArgs = {
	host: clientArgs.host,
	port: clientArgs.port,
	connections: {
		type: "string",
		default: "1",
		valueHint: "n",
		description: "Connections (churn: loops)",
	},
	size: { type: "string", default: "64", valueHint: "bytes", description: "Bytes per message" },
	pipeline: {
		type: "string",
		default: "1",
		valueHint: "n",
		description: "Messages in flight per connection",
	},
	duration: { type: "string", default: "5", valueHint: "seconds", description: "Measured time" },
	warmup: {
		type: "string",
		default: "1",
		valueHint: "seconds",
		description: "Load before measuring, not counted",
	},
	rate: {
		type: "string",
		valueHint: "msg/s",
		description:
			"Open loop: total messages per second on a fixed clock; latency from the scheduled time",
	},
	mode: {
		type: "string",
		default: "rr",
		valueHint: "rr|churn",
		description: "rr: request/response; churn: connect, echo one message, close, repeat",
	},
	payload: {
		type: "string",
		default: "binary",
		valueHint: "binary|ascii",
		description: "binary: every byte value; ascii: printable ASCII",
	},
	expect: {
		type: "string",
		default: "echo",
		valueHint: "echo|uppercase",
		description: "What must come back: the same bytes, or a-z uppercased (with --payload ascii)",
	},
	close: {
		type: "string",
		default: "fin",
		valueHint: "fin|reset",
		description: "churn: close gracefully, or with a RST (no TIME_WAIT pile-up on the client)",
	},
	timeout: { type: "string", default: "10", valueHint: "seconds", description: "Connect timeout" },
	ws: {
		type: "string",
		valueHint: "url",
		description:
			"WebSocket: load this ws:// or wss:// URL instead of --host/--port; each message one binary message (rr only)",
	},
	ca: {
		...clientArgs.ca,
		description: "--ws wss://: trust this CA or self-signed certificate (PEM)",
	},
	insecure: {
		...clientArgs.insecure,
		description: "--ws wss://: do not verify the server's certificate",
	},
	"metrics-url": {
		type: "string",
		valueHint: "url",
		description:
			"The server's /metrics (echo-server --metrics-port): print what its echokit_* counters gained over the run",
	},
	json: {
		type: "boolean",
		description: "Print one JSON object instead of the table; errors too are JSON lines",
	},
} as const satisfies ArgsDef;

/** Parsed `echo-client bench` arguments: options for {@link runBench}, plus output choices. */
export interface BenchArgs extends BenchOptions {
	/** Print the report as one JSON object. */
	json: boolean;
	/** `--help` / `-h` was given: print usage, run nothing. */
	help: boolean;
	/** `--version` / `-v` was given (and no `--help`): print the version, run nothing. */
	version: boolean;
}

type Flag = keyof typeof benchArgs;
const FLAGS = Object.keys(benchArgs);

/**
 * Parses `echo-client bench` arguments (after `bench`), `--flag value` or `--flag=value`, and
 * the short flags `-p` (port), `-h`, `-v`. Throws a `CliError` with code `E_USAGE` on anything
 * it does not understand.
 * @example
 * const args = parseBenchArgs(["--port", "9000", "--connections", "50", "--pipeline=4", "--json"]);
 * const report = await runBench(args);
 */
export function parseBenchArgs(argv: readonly string[]): BenchArgs {
	// `--help` (then `--version`) wins over any mistake next to it.
	const asked = (flag: string) => argv.some((arg) => longForm(arg) === flag);
	if (asked("--help")) return { json: false, help: true, version: false };
	if (asked("--version")) return { json: false, help: false, version: true };
	const values = new Map<Flag, string>();
	let json = false;
	let insecure = false;
	for (let i = 0; i < argv.length; i++) {
		const arg = longForm(argv[i] as string);
		if (/^-[^-]/.test(arg)) throw usage(unknownFlags([arg.split("=")[0] as string], FLAGS));
		if (!arg.startsWith("--")) throw usage(`unexpected argument ${JSON.stringify(arg)}`);
		const equals = arg.indexOf("=");
		const name = arg.slice(2, equals === -1 ? undefined : equals);
		if (!Object.hasOwn(benchArgs, name)) throw usage(unknownFlags([`--${name}`], FLAGS));
		const flag = name as Flag;
		if (flag === "json" || flag === "insecure") {
			if (equals !== -1) throw usage(`--${flag} takes no value`);
			if (flag === "json") json = true;
			else insecure = true;
			continue;
		}
		const value = equals === -1 ? argv[++i] : arg.slice(equals + 1);
		if (value === undefined) throw usage(`missing value for --${flag}`);
		if (values.has(flag)) throw usage(`--${flag} given twice`);
		values.set(flag, value);
	}
	const options: BenchArgs = { json, help: false, version: false };
	if (insecure) options.insecure = true;
	for (const [flag, text] of values) assign(options, flag, text);
	resolveBenchOptions(options);
	return options;
}

/** `-p` → `--port`, …: where a flag may stand, never on a flag's value. */
const longForm = longFlag(benchArgs);

function assign(options: BenchArgs, flag: Flag, text: string): void {
	switch (flag) {
		case "host":
			options.host = text;
			break;
		case "port":
			options.port = integer(flag, text);
			break;
		case "connections":
			options.connections = integer(flag, text);
			break;
		case "size":
			options.size = integer(flag, text);
			break;
		case "pipeline":
			options.pipeline = integer(flag, text);
			break;
		case "duration":
			options.durationSec = decimal(flag, text);
			break;
		case "warmup":
			options.warmupSec = decimal(flag, text);
			break;
		case "rate":
			options.rate = decimal(flag, text);
			break;
		case "timeout":
			options.connectTimeoutMs = Math.round(decimal(flag, text) * 1000);
			break;
		case "metrics-url":
			options.metricsUrl = text;
			break;
		case "ws":
			options.ws = text;
			break;
		case "ca":
			options.caFile = text;
			break;
		case "mode":
			if (text !== "rr" && text !== "churn") throw invalid(flag, text, "rr or churn");
			options.mode = text;
			break;
		case "payload":
			if (text !== "binary" && text !== "ascii") throw invalid(flag, text, "binary or ascii");
			options.payload = text;
			break;
		case "expect":
			if (text !== "echo" && text !== "uppercase") throw invalid(flag, text, "echo or uppercase");
			options.expect = text;
			break;
		case "close":
			if (text !== "fin" && text !== "reset") throw invalid(flag, text, "fin or reset");
			options.close = text;
			break;
		case "json":
		case "insecure":
			break;
	}
}

/** Decimal digits only. */
function integer(flag: Flag, text: string): number {
	if (!/^\d{1,15}$/.test(text)) throw invalid(flag, text, "a whole number (digits only)");
	return Number(text);
}

/** Digits with an optional fraction: `5`, `0.5`. */
function decimal(flag: Flag, text: string): number {
	if (!/^\d{1,15}(\.\d{1,15})?$/.test(text)) throw invalid(flag, text, "a number like 5 or 0.5");
	return Number(text);
}

function invalid(flag: Flag, text: string, expected: string) {
	return usage(`invalid --${flag} ${JSON.stringify(text)}: expected ${expected}`);
}
