/**
 * Defaults and checks for {@link BenchOptions}, shared by the command line and the library.
 * @module
 */
import { bareHost } from "@echokit/core/cli";
import { CliError } from "../errors.ts";
import { parseWsUrl, type WsTarget } from "../ws/url.ts";
import type { BenchClose, BenchExpect, BenchMode, BenchOptions, BenchPayload } from "./types.ts";

/** Options with every default filled in and every value checked. */
export interface ResolvedBenchOptions {
	host: string;
	port: number;
	connections: number;
	size: number;
	pipeline: number;
	durationSec: number;
	rate: number | null;
	warmupSec: number;
	mode: BenchMode;
	payload: BenchPayload;
	expect: BenchExpect;
	close: BenchClose;
	connectTimeoutMs: number;
	/** An `http:` or `https:` URL, or null. */
	metricsUrl: string | null;
	/** `--ws`: the WebSocket URL, or null for TCP. */
	ws: WsTarget | null;
	/** `--ca` (wss only). */
	caFile: string | null;
	/** `--insecure` (wss only). */
	insecure: boolean;
}

/** Most connections one process can hold (file descriptors) and ports one address offers. */
const MAX_CONNECTIONS = 60_000;
const MAX_SIZE = 1 << 30;

/** Fills defaults and checks ranges. Throws a `CliError` with code `E_USAGE`. */
export function resolveBenchOptions(options: BenchOptions): ResolvedBenchOptions {
	const resolved: ResolvedBenchOptions = {
		host: bareHost(options.host ?? "127.0.0.1"),
		port: options.port ?? 8888,
		connections: options.connections ?? 1,
		size: options.size ?? 64,
		pipeline: options.pipeline ?? 1,
		durationSec: options.durationSec ?? 5,
		rate: options.rate ?? null,
		warmupSec: options.warmupSec ?? 1,
		mode: options.mode ?? "rr",
		payload: options.payload ?? "binary",
		expect: options.expect ?? "echo",
		close: options.close ?? "fin",
		connectTimeoutMs: options.connectTimeoutMs ?? 10_000,
		metricsUrl: options.metricsUrl === undefined ? null : metricsUrl(options.metricsUrl),
		ws: options.ws === undefined ? null : parseWsUrl(options.ws, "echo-client bench --help"),
		caFile: options.caFile ?? null,
		insecure: options.insecure ?? false,
	};
	const r = resolved;
	if (r.host === "") throw usage("--host must not be empty");
	check("port", r.port, isInt(r.port, 1, 65535), "an integer from 1 to 65535");
	check("connections", r.connections, isInt(r.connections, 1, MAX_CONNECTIONS), "1 to 60000");
	check("size", r.size, isInt(r.size, 1, MAX_SIZE), "bytes, 1 to 1073741824");
	check("pipeline", r.pipeline, isInt(r.pipeline, 1, 1_000_000), "an integer, 1 or more");
	check("duration", r.durationSec, inRange(r.durationSec, 0, 86_400), "seconds, more than 0");
	check("warmup", r.warmupSec, r.warmupSec === 0 || inRange(r.warmupSec, 0, 86_400), "seconds");
	if (r.rate !== null) check("rate", r.rate, inRange(r.rate, 0, 1e9), "messages/s, more than 0");
	check("mode", r.mode, r.mode === "rr" || r.mode === "churn", "rr or churn");
	check("payload", r.payload, r.payload === "binary" || r.payload === "ascii", "binary or ascii");
	check("expect", r.expect, r.expect === "echo" || r.expect === "uppercase", "echo or uppercase");
	check("close", r.close, r.close === "fin" || r.close === "reset", "fin or reset");
	if (r.expect === "uppercase" && r.payload !== "ascii") {
		throw usage("--expect uppercase needs --payload ascii");
	}
	if (r.rate !== null && r.mode === "churn") throw usage("--rate works with --mode rr only");
	checkWs(options, r);
	check("connect-timeout", r.connectTimeoutMs, inRange(r.connectTimeoutMs, 0, 2 ** 31), "ms");
	return resolved;
}

/** `--ws` takes the place of `--host`/`--port`, runs rr only; `--ca`/`--insecure` need `wss://`. */
function checkWs(options: BenchOptions, r: ResolvedBenchOptions): void {
	const tlsFlags = [r.caFile !== null && "--ca", r.insecure && "--insecure"].filter(Boolean);
	if (r.ws === null) {
		if (tlsFlags.length > 0) throw usage(`${tlsFlags.join(", ")} needs --ws with a wss:// URL`);
		return;
	}
	const clash = [options.host !== undefined && "--host", options.port !== undefined && "--port"];
	const flags = clash.filter(Boolean);
	if (flags.length > 0)
		throw usage(`--ws cannot be combined with ${flags.join(", ")} (the URL names the server)`);
	if (r.mode !== "rr") throw usage("--ws works with --mode rr only");
	if (!r.ws.secure && tlsFlags.length > 0)
		throw usage(`${tlsFlags.join(", ")} needs a wss:// URL in --ws`);
	if (r.caFile !== null && r.insecure) throw usage("--insecure and --ca contradict each other");
}

/** `text` if it is an absolute http(s) URL; else an `E_USAGE` error. */
function metricsUrl(text: string): string {
	const url = URL.parse(text);
	if (url === null || (url.protocol !== "http:" && url.protocol !== "https:")) {
		throw usage(
			`invalid --metrics-url ${JSON.stringify(text)}: expected an http URL like http://127.0.0.1:9464/metrics`,
		);
	}
	return text;
}

/** A `E_USAGE` error in the client's style. */
export function usage(problem: string): CliError {
	return new CliError("E_USAGE", `${problem} (see echo-client bench --help)`);
}

function check(flag: string, value: unknown, ok: boolean, expected: string): void {
	if (!ok) throw usage(`invalid --${flag} ${JSON.stringify(String(value))}: expected ${expected}`);
}

function isInt(value: number, min: number, max: number): boolean {
	return Number.isInteger(value) && value >= min && value <= max;
}

/** More than `low`, at most `high`, finite. */
function inRange(value: number, low: number, high: number): boolean {
	return typeof value === "number" && value > low && value <= high;
}
