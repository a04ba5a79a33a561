/**
 * The `echo-client` command: citty definition, mode dispatch, and {@link main}, which turns
 * every outcome into an exit code.
 * @module
 */
import { isatty } from "node:tty";
import { connect, type EchoClient } from "@echokit/core";
import { defineCommand, renderUsage, runCommand } from "citty";
import packageJson from "../package.json" with { type: "json" };
import { type ClientArgs, clientArgs, resolveArgs, type ScannedArgs, scanArgs } from "./args.ts";
import { formatError, toCliError } from "./errors.ts";
import { interactiveMode } from "./interactive.ts";
import { oneShotMode } from "./one-shot.ts";
import { pipeMode } from "./pipe.ts";

/** The citty command; `run` resolves to the exit code. */
export const command = defineCommand({
	meta: {
		name: "echo-client",
		version: packageJson.version,
		description:
			"Talk to a TCP echo server: interactive on a terminal, streaming when stdin is piped, one-shot with --message",
	},
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
	try {
		const scanned = scanArgs(rawArgs);
		if (scanned.help) {
			console.log(`${await renderUsage(command)}\n`);
			return 0;
		}
		if (scanned.version) {
			console.log(packageJson.version);
			return 0;
		}
		const { result } = await runCommand(command, { rawArgs, data: scanned });
		return result as number;
	} catch (error) {
		const cliError = toCliError(error);
		process.stderr.write(`${formatError(cliError)}\n`);
		return cliError.exitCode;
	}
}

/** Connects, then picks the mode: --message → one-shot; a terminal → interactive; else pipe. */
async function runClient(args: ClientArgs): Promise<number> {
	// As people write addresses: [::1]:8888 for IPv6.
	const target = `${args.host.includes(":") ? `[${args.host}]` : args.host}:${args.port}`;
	let client: EchoClient;
	try {
		client = await connect({ hostname: args.host, port: args.port, timeoutMs: args.timeoutMs });
	} catch (error) {
		throw toCliError(error, target);
	}
	const options = { target, timeoutMs: args.timeoutMs, framing: args.framing };
	if (args.messages.length > 0) return oneShotMode(client, { ...options, messages: args.messages });
	if (isatty(0)) return interactiveMode(client, options);
	return pipeMode(client, options);
}
