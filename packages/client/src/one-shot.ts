/**
 * One-shot mode (`--message TEXT`, repeatable): send the messages in order, half-close, print
 * every byte that comes back, exit when the server closes.
 * @module
 */
import type { EchoClient, Framing } from "@echokit/core";
import { type ExchangeOptions, exchange } from "./pipe.ts";

/** Options of {@link oneShotMode}. */
export interface OneShotOptions extends ExchangeOptions {
	framing: Framing;
	messages: readonly string[];
}

/**
 * Sends each message (with `\n` appended in `lines` framing) and copies the replies to stdout
 * unchanged. Resolves to the exit code; stdin is not read.
 */
export function oneShotMode(client: EchoClient, options: OneShotOptions): Promise<number> {
	const suffix = options.framing === "lines" ? "\n" : "";
	const payloads = options.messages.map((message) => message + suffix);
	return exchange(client, payloads, options);
}
