/**
 * Piped stdin, like `nc -N`: send all of stdin, half-close, copy every byte that comes back to
 * stdout, exit once the server has closed. The one-shot mode runs the same exchange.
 * @module
 */
import { type EchoClient, EchoError } from "@echokit/core";
import { ReplyDeadline } from "./deadline.ts";
import { CliError, toCliError } from "./errors.ts";

/** What an exchange needs besides the connection. */
export interface ExchangeOptions {
	/** `host:port`, for messages. */
	target: string;
	/** How long the server may stay silent and open after our half-close. */
	timeoutMs: number;
}

/** Pipe mode: stdin's bytes, unchanged, are what we send. Resolves to the exit code. */
export function pipeMode(client: EchoClient, options: ExchangeOptions): Promise<number> {
	return exchange(client, Bun.stdin.stream(), options);
}

/**
 * Sends everything from `source` (each write awaited: backpressure), half-closes, and writes
 * every received byte to stdout meanwhile. Resolves to 0 once the server closed after our
 * half-close; throws a {@link CliError} when it closed early, reset, or did not finish in time.
 */
export async function exchange(
	client: EchoClient,
	source: AsyncIterable<Uint8Array | string> | Iterable<Uint8Array | string>,
	options: ExchangeOptions,
): Promise<number> {
	const seconds = options.timeoutMs / 1000;
	const deadline = new ReplyDeadline(
		options.timeoutMs,
		() =>
			new CliError(
				"E_REPLY_TIMEOUT",
				`${options.target} did not finish: no reply and no close for ${seconds} s after the end of input`,
			),
	);
	let inputSent = false;
	let sendError: unknown;
	sendAll(client, source).then(
		() => {
			inputSent = true;
			deadline.start();
		},
		(error) => {
			sendError = error;
			// Not a closed connection but, say, a failed stdin: stop waiting for the server.
			if (!isClosed(error)) client.close();
		},
	);
	try {
		await Promise.race([copyReplies(client, deadline), deadline.expired]);
	} catch (error) {
		// Our reader went away (`| head -c 10`): it has what it wanted. Stop quietly, like rg.
		if ((error as { code?: unknown })?.code === "EPIPE") return 0;
		throw toCliError(error, options.target);
	} finally {
		deadline.stop();
		client.close();
	}
	if (inputSent) return 0;
	// The server closed first (a plugin failed, the server stopped): our input was not all sent.
	if (sendError && !isClosed(sendError)) throw toCliError(sendError, options.target);
	throw new CliError(
		"E_CONNECTION_LOST",
		`${options.target} closed the connection before all input was sent`,
	);
}

async function sendAll(
	client: EchoClient,
	source: AsyncIterable<Uint8Array | string> | Iterable<Uint8Array | string>,
): Promise<void> {
	for await (const chunk of source) {
		if (chunk.length > 0) await client.send(chunk);
	}
	await client.drained();
	// drained() also resolves when the connection closed with bytes unsent; write() throws
	// E_CLOSED once it is closed, so an empty write tells whether the server closed first.
	client.write(EMPTY);
	await client.end();
}

const EMPTY = new Uint8Array(0);

async function copyReplies(client: EchoClient, deadline: ReplyDeadline): Promise<void> {
	for await (const chunk of client) {
		deadline.hold();
		await writeStdout(chunk);
		deadline.release();
	}
}

/**
 * Resolves once stdout took the chunk: the await is the backpressure towards the server. A
 * failed write rejects (`EPIPE` when our reader went away); the same error is also emitted as
 * stdout's `error` event, which, with no listener, Bun prints as a stack trace once the exchange
 * awaits anything more (the WebSocket close handshake): {@link ignoreBrokenPipe} listens.
 */
export function writeStdout(chunk: Uint8Array): Promise<void> {
	if (!listening) {
		listening = true;
		process.stdout.on("error", ignoreBrokenPipe);
	}
	return new Promise((resolve, reject) => {
		process.stdout.write(chunk, (error) => (error ? reject(error) : resolve()));
	});
}

let listening = false;

/** `EPIPE` is handled where the write's promise rejects; anything else stays uncaught. */
function ignoreBrokenPipe(error: unknown): void {
	if ((error as { code?: unknown })?.code !== "EPIPE") throw error;
}

function isClosed(error: unknown): boolean {
	return error instanceof EchoError && error.code === "E_CLOSED";
}
