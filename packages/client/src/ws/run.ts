/**
 * `echo-client --ws URL`: open the WebSocket, then the same choice of mode as over TCP.
 * @module
 */
import { isatty } from "node:tty";
import type { TLSOptions } from "bun";
import type { ClientArgs } from "../args.ts";
import { INSECURE_WARNING, tlsOptions } from "../tls.ts";
import { wsOneShot, wsPipe } from "./exchange.ts";
import { wsInteractive } from "./interactive.ts";
import { WsSession } from "./session.ts";
import type { WsTarget } from "./url.ts";

/**
 * Connects to `ws` and runs one-shot (`--message`), interactive (a terminal) or pipe mode.
 * Resolves to the exit code; throws a `CliError`.
 */
export async function runWs(args: ClientArgs, ws: WsTarget): Promise<number> {
	let tls: TLSOptions | undefined;
	if (ws.secure && args.tls) {
		const options = tlsOptions(args.tls);
		tls = options === true ? undefined : options;
		if (args.tls.insecure) process.stderr.write(`${INSECURE_WARNING}\n`);
	}
	const session = await WsSession.open({
		url: ws.url,
		tls,
		timeoutMs: args.timeoutMs,
		caFile: args.tls?.caFile,
	});
	const { timeoutMs, framing } = args;
	if (args.messages.length > 0) {
		const suffix = framing === "lines" ? "\n" : "";
		const messages = args.messages.map((message) => message + suffix);
		return wsOneShot(session, messages, { timeoutMs });
	}
	if (isatty(0)) return wsInteractive(session, { framing, timeoutMs });
	return wsPipe(session, { timeoutMs });
}
