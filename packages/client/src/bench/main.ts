/**
 * {@link benchMain}: the whole `echo-client bench` command behind one call — parse, run with a
 * live line on a terminal, print the table or one JSON object, and map the outcome to an exit
 * code. Used by `cli.ts` (a bare entry for scripts such as bench/run.ts).
 * @module
 */
import { formatHelp, shouldColor } from "@echokit/core/cli";
import packageJson from "../../package.json" with { type: "json" };
import { CliError, formatError, formatErrorJson, toCliError } from "../errors.ts";
import { benchArgs, parseBenchArgs } from "./args.ts";
import { createProgressLine } from "./progress.ts";
import { formatReport } from "./report.ts";
import { runBench } from "./run.ts";

/** What `echo-client bench` does, in one line (its help, and `echo-client --help`'s COMMANDS). */
export const BENCH_DESCRIPTION =
	"Load-test an echo server: request/response over TCP or WebSocket, every byte checked, latency percentiles";

/**
 * Runs `echo-client bench` with these arguments (those after `bench`) and resolves to the exit
 * code: 0, or 1 (`E_BENCH_FAILED`) when any message came back wrong or a connection failed
 * (the report is still printed), or the client's usage/connect codes. Errors go to stderr as
 * one line; with `--json` as one JSON object (`code`, `message`, `exitCode`), so that a program
 * reading the output gets JSON whatever happens.
 * @example
 * process.exit(await benchMain(["--port", "9000", "--duration", "3", "--json"]));
 */
export async function benchMain(argv: readonly string[]): Promise<number> {
	// Before parsing, so that a usage error is a JSON line too.
	const json = argv.includes("--json");
	try {
		const args = parseBenchArgs(argv);
		if (args.help) {
			process.stdout.write(benchUsage({ color: shouldColor(process.stdout) }));
			return 0;
		}
		if (args.version) {
			console.log(packageJson.version);
			return 0;
		}
		const line = createProgressLine({ json: args.json });
		let report: Awaited<ReturnType<typeof runBench>>;
		try {
			report = await runBench({ ...args, onProgress: line?.update });
		} finally {
			line?.done();
		}
		console.log(args.json ? JSON.stringify(report) : formatReport(report));
		if (report.mismatches > 0 || report.errors > 0) {
			const { mismatches, errors } = report;
			const message = `${mismatches} mismatched messages, ${errors} connection errors`;
			throw new CliError("E_BENCH_FAILED", message);
		}
		if (report.receivedBytes === 0) {
			// Connected, yet not one byte came back, even in the grace at the end: a server that
			// answers nothing (log-only). A short run on a busy machine may time no message, but
			// its replies still arrive.
			throw new CliError("E_BENCH_FAILED", "no message was answered during the run");
		}
		return 0;
	} catch (error) {
		const cliError = toCliError(error);
		process.stderr.write(`${json ? formatErrorJson(cliError) : formatError(cliError)}\n`);
		return cliError.exitCode;
	}
}

/**
 * The `--help` page of `echo-client bench`, from {@link benchArgs}; plain unless `color`.
 * @example
 * process.stdout.write(benchUsage());
 */
export function benchUsage(options: { color?: boolean } = {}): string {
	const page = {
		name: "echo-client bench",
		version: packageJson.version,
		description: BENCH_DESCRIPTION,
		args: benchArgs,
	};
	return formatHelp(page, { color: options.color ?? false });
}
