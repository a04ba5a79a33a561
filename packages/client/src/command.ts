/**
 * The `echo-client` command: citty definition, mode dispatch, and {@link main}, which turns
 * every outcome into an exit code.
 * @module
 */

import { isatty } from "node:tty";
import { connect, type EchoClient } from "@echokit/core";
import { formatHelp, hostPort, shouldColor } from "@echokit/core/cli";
import { defineCommand, runCommand } from "citty";
import packageJson from "../package.json" with { type: "json" };
import { type ClientArgs, clientArgs, resolveArgs, type ScannedArgs, scanArgs } from "./args.ts";
import { BENCH_DESCRIPTION, benchMain } from "./bench/index.ts";
import { CliError, formatError, toCliError } from "./errors.ts";
import { interactiveMode } from "./interactive.ts";
import { oneShotMode } from "./one-shot.ts";
import { pipeMode } from "./pipe.ts";
import { INSECURE_WARNING, tlsOptions } from "./tls.ts";
import { udpInteractive, udpOneShot, udpPipe } from "./udp.ts";
import { runWs } from "./ws/run.ts";

const META = {
	name: "echo-client",
	version: packageJson.version,
	description:
		"Talk to an echo server (TCP, TLS, Unix socket, UDP or WebSocket): interactive on a terminal, streaming when stdin is piped, one-shot with --message",
};

/**
 * `echo-client NAME …`: commands with flags of their own, run with the arguments after NAME.
 * `--help` lists each of them.
 */
const SUBCOMMANDS = {
	bench: { description: BENCH_DESCRIPTION, main: benchMain },
} satisfies Record<string, { description: string; main: (argv: string[]) => Promise<number> }>;
type Subcommand = keyof typeof SUBCOMMANDS;

/** The citty command; `run` resolves to the exit code. */
export const command = defineCommand({
	meta: META,
	args: clientArgs,
	run: ({ args, data }) => runClient(resolveArgs(args, data as ScannedArgs)),
});

/**
 * Runs `echo-client` with these arguments and resolves to the exit code; failures are printed
 * as one line on stderr. The bin calls this with `process.argv.slice(2)`.
 * @example
 * process.exit(await main(["--port", "9000", "--message", "hi"]));
 */
export async function main(rawArgs: string[]): Promise<number> {
	const subcommand = rawArgs[0] !== undefined && Object.hasOwn(SUBCOMMANDS, rawArgs[0]);
	if (subcommand) return SUBCOMMANDS[rawArgs[0] as Subcommand].main(rawArgs.slice(1));
	try {
		const scanned = scanArgs(rawArgs);
		if (scanned.help) {
			const commands = Object.fromEntries(
				Object.entries(SUBCOMMANDS).map(([name, { description }]) => [name, description]),
			);
			const page = { ...META, args: clientArgs, commands };
			process.stdout.write(formatHelp(page, { color: shouldColor(process.stdout) }));
			return 0;
		}
		if (scanned.version) {
			console.log(packageJson.version);
			return 0;
		}
		const { result } = await runCommand(command, { rawArgs: scanned.args, data: scanned });
		return result as number;
	} catch (error) {
		const cliError = toCliError(error);
		process.stderr.write(`${formatError(cliError)}\n`);
		return cliError.exitCode;
	}
}

/**
 * Connects, then picks the mode: --message → one-shot; a terminal → interactive; else pipe.
 * With --udp there is no connection: the same three modes exchange datagrams; with --ws they
 * exchange WebSocket messages.
 */
async function runClient(args: ClientArgs): Promise<number> {
	if (args.ws) return runWs(args, args.ws);
	// As people write addresses: [::1]:8888 for IPv6.
	const target = args.unix ?? hostPort(args.host, args.port);
	if (args.udp) {
		const options = {
			hostname: args.host,
			port: args.port,
			timeoutMs: args.timeoutMs,
			framing: args.framing,
			target,
		};
		if (args.messages.length > 0) return udpOneShot(args.messages, options);
		return isatty(0) ? udpInteractive(options) : udpPipe(options);
	}
	const tls = args.tls ? tlsOptions(args.tls) : undefined;
	if (args.tls?.insecure) process.stderr.write(`${INSECURE_WARNING}\n`);
	const address = args.unix ? { unix: args.unix } : { hostname: args.host, port: args.port };
	let client: EchoClient;
	try {
		client = await connect({ ...address, tls, timeoutMs: args.timeoutMs });
	} catch (error) {
		// Bun refuses a PEM file it cannot parse ("Invalid CA") before connecting.
		if (args.tls?.caFile && (error as { code?: unknown })?.code === "E_INVALID_OPTION") {
			const reason =
				((error as Error).cause as Error | undefined)?.message ?? (error as Error).message;
			const message = `--ca ${JSON.stringify(args.tls.caFile)} is not a valid PEM certificate: ${reason}`;
			throw new CliError("E_CA_FILE", message, { cause: error });
		}
		throw toCliError(error, target, args.tls?.caFile);
	}
	const options = { target, timeoutMs: args.timeoutMs, framing: args.framing };
	if (args.messages.length > 0) return oneShotMode(client, { ...options, messages: args.messages });
	if (isatty(0)) return interactiveMode(client, options);
	return pipeMode(client, options);
}
