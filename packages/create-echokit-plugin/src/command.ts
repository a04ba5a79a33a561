/**
 * `create-echokit-plugin` as a citty command, and `main`: the one place that turns an error into
 * a line on stderr and an exit code.
 * @module
 */
import { formatHelp, shouldColor } from "@echokit/core/cli";
import { defineCommand, runCommand } from "citty";
import { type ConsolaInstance, type ConsolaReporter, createConsola } from "consola/core";
import { ARGS, type ParsedArgs, parseArgs, requireDir } from "./args.ts";
import { toCliError } from "./errors.ts";
import { type ScaffoldResult, scaffold } from "./scaffold.ts";
import { DEFAULT_PREFIX } from "./template.ts";
import { DESCRIPTION, VERSION } from "./versions.ts";

/** Where output goes; the process's streams unless a caller says otherwise. */
export interface Io {
	/** `isTTY` decides whether `--help` is coloured (see `shouldColor`). */
	stdout: { write(text: string): unknown; isTTY?: boolean };
	stderr: { write(text: string): unknown };
	cwd: string;
}

interface RunData {
	parsed: ParsedArgs;
	io: Io;
	logger: ConsolaInstance;
}

/**
 * The citty definition of `create-echokit-plugin`. `run` takes the arguments {@link parseArgs}
 * checked (citty's own parse would let unknown flags through).
 */
export const command = defineCommand({
	meta: { name: "create-echokit-plugin", version: VERSION, description: DESCRIPTION },
	args: ARGS,
	run({ data }) {
		const { parsed, io, logger } = data as RunData;
		const result = scaffold({ dir: requireDir(parsed), name: parsed.name, cwd: io.cwd });
		logger.log(report(result));
	},
});

/**
 * Runs the command with these arguments and resolves to the exit code: 0, or that of the
 * error, which is printed as `create-echokit-plugin: <message> (<code>)` on stderr.
 * @example
 * process.exit(await main(["my-plugin"]));
 */
export async function main(rawArgs: string[], io: Partial<Io> = {}): Promise<number> {
	const streams: Io = {
		stdout: io.stdout ?? process.stdout,
		stderr: io.stderr ?? process.stderr,
		cwd: io.cwd ?? process.cwd(),
	};
	const logger = createLogger(streams);
	try {
		const parsed = helpOrVersion(rawArgs) ?? parseArgs(rawArgs);
		if (parsed.help) {
			const page = { name: "create-echokit-plugin", version: VERSION, description: DESCRIPTION };
			const color = shouldColor(streams.stdout);
			logger.log(formatHelp({ ...page, args: ARGS, footer: HELP_FOOTER }, { color }).trimEnd());
			return 0;
		}
		if (parsed.version) {
			logger.log(VERSION);
			return 0;
		}
		requireDir(parsed); // before citty, whose own message for it has no code
		await runCommand(command, { rawArgs, data: { parsed, io: streams, logger } });
		return 0;
	} catch (thrown) {
		const error = toCliError(thrown);
		logger.error(`${error.message} (${error.code})`);
		return error.exitCode;
	}
}

/** After the flags in `--help`: examples, and what the exit codes mean. */
const HELP_FOOTER = `EXAMPLES

  bunx create-echokit-plugin my-plugin
  bunx create-echokit-plugin shout --name @me/echokit-plugin-shout

The package name defaults to the folder's name; the plugin's name (in logs) is the package
name without its scope and without an "echokit-plugin-" prefix. Nothing is ever overwritten:
the folder must be new or empty.

EXIT CODES

  0  written
  1  writing failed (E_WRITE; what was written is removed) or a bug (E_UNEXPECTED)
  2  usage (E_USAGE) or an invalid package name (E_NAME)
  3  the folder exists and is not empty (E_NOT_EMPTY)`;

/** `--help` and `--version` win over any other problem on the line, as users expect. */
function helpOrVersion(rawArgs: readonly string[]): ParsedArgs | undefined {
	const before = rawArgs.includes("--") ? rawArgs.slice(0, rawArgs.indexOf("--")) : rawArgs;
	if (before.includes("--help") || before.includes("-h")) return { help: true };
	if (before.includes("--version") || before.includes("-v")) return { version: true };
	return undefined;
}

/** What was written, and what to run next. */
function report(result: ScaffoldResult): string {
	const dir = shellQuote(result.shownDir);
	return [
		`Created ${result.packageName} (plugin "${result.plugin}") in ${result.shownDir}:`,
		...result.files.map((file) => `  ${file}`),
		"",
		"Next steps:",
		...(dir === "." ? [] : [`  cd ${dir}`]),
		// Inside the echokit repository (or a project that has it) there is nothing to install.
		...(resolvesCore(result.target) ? [] : ["  bun install"]),
		"  bun test",
		"  bun run typecheck",
		"",
		"Then, from here (the echokit repository, or a project with @echokit/server and @echokit/client):",
		`  bunx echo-server --framing lines --plugin ${dir}`,
		`  bunx echo-client --framing lines --message hello   # in another terminal: ${DEFAULT_PREFIX}hello`,
	].join("\n");
}

/** Whether `@echokit/core` is importable from `dir` already (a clone, or a project with it). */
function resolvesCore(dir: string): boolean {
	try {
		Bun.resolveSync("@echokit/core", dir);
		return true;
	} catch {
		return false;
	}
}

/** Quotes a path for a POSIX shell when it holds anything but safe characters. */
function shellQuote(text: string): string {
	return /^[\w./@:+-]+$/.test(text) ? text : `'${text.replaceAll("'", `'\\''`)}'`;
}

/**
 * A consola that prints plain lines: results on stdout, errors on stderr as one line with the
 * command's name in front. The level is explicit: consola's default is lower under `bun test`.
 */
function createLogger(io: Io): ConsolaInstance {
	const reporter: ConsolaReporter = {
		log(log) {
			const text = log.args.map(String).join(" ");
			if (log.type === "error" || log.type === "fatal") {
				io.stderr.write(`create-echokit-plugin: ${text}\n`);
			} else if (log.type === "warn") {
				io.stderr.write(`create-echokit-plugin: warning: ${text}\n`);
			} else io.stdout.write(`${text}\n`);
		},
	};
	return createConsola({ level: 3, throttle: 0, reporters: [reporter] });
}
