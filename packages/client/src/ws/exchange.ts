/**
 * Pipe and one-shot mode over WebSocket. WebSocket has no half-close, so "the server has
 * returned everything" means: the greetings (see `WsSession.greetings`), then one reply
 * message for each message sent (an echo server's contract: each message is one plugin
 * message, with one reply or none). After the last message, the client waits for the replies
 * owed, then closes with 1000.
 * @module
 */
import { ReplyDeadline } from "../deadline.ts";
import { CliError } from "../errors.ts";
import { writeStdout } from "../pipe.ts";
import type { WsMessage, WsSession } from "./session.ts";

/**
 * The largest binary message pipe mode sends (64 KiB): a larger stdin read is cut into messages
 * of this size, well under a server's message limit (echo-server's `--max-message-bytes`
 * defaults to 1 MiB).
 */
export const MAX_PIPE_MESSAGE_BYTES = 64 * 1024;

/** What an exchange needs besides the connection. */
export interface WsExchangeOptions {
	/** How long to wait for the next reply once everything is sent. */
	timeoutMs: number;
}

/** Pipe mode: stdin as binary messages (each read, cut at 64 KiB). Resolves to the exit code. */
export function wsPipe(session: WsSession, options: WsExchangeOptions): Promise<number> {
	return wsExchange(session, binaryMessages(Bun.stdin.stream()), options);
}

/** One-shot mode: each message a text message. Resolves to the exit code. */
export function wsOneShot(
	session: WsSession,
	messages: readonly string[],
	options: WsExchangeOptions,
): Promise<number> {
	return wsExchange(session, messages, options);
}

/**
 * Sends every message from `source` (with backpressure) while copying every reply's bytes to
 * stdout in order; once all is sent and a reply came for each message, closes with 1000 and
 * resolves to 0. Throws `E_NO_REPLY` when replies are missing after `timeoutMs` without one,
 * `E_WS_CLOSED` / `E_CONNECTION_LOST` when the server ended the connection first.
 */
export async function wsExchange(
	session: WsSession,
	source: AsyncIterable<WsMessage> | Iterable<WsMessage>,
	options: WsExchangeOptions,
): Promise<number> {
	const seconds = options.timeoutMs / 1000;
	const deadline = new ReplyDeadline(options.timeoutMs, () => {
		const missing = session.sent - session.replies;
		const which = session.sent === 1 ? "the message" : `${missing} of ${session.sent} messages`;
		return new CliError(
			"E_NO_REPLY",
			`no reply from ${session.url} within ${seconds} s to ${which}`,
		);
	});
	let inputSent = false;
	const sending = sendAll(session, source).then(() => {
		inputSent = true;
		deadline.start();
	});
	sending.catch(() => {});
	try {
		for (;;) {
			if (inputSent && session.replies >= session.sent && session.queued === 0) break;
			await Promise.race(
				inputSent
					? [session.wait(), deadline.expired]
					: [session.wait(), deadline.expired, sending],
			);
			if (session.queued > 0) {
				const message = (await session.next())!;
				deadline.hold();
				await writeStdout(typeof message === "string" ? Buffer.from(message) : message);
				deadline.release();
			} else if (session.closeEvent !== null) {
				if ((await session.next()) === null) throw endedEarly(session, inputSent);
			}
		}
	} catch (error) {
		// Our reader went away (`| head -c 10`): it has what it wanted. Stop quietly, like rg.
		if ((error as { code?: unknown })?.code === "EPIPE") return 0;
		throw error;
	} finally {
		deadline.stop();
		await session.close();
	}
	return 0;
}

async function sendAll(
	session: WsSession,
	source: AsyncIterable<WsMessage> | Iterable<WsMessage>,
): Promise<void> {
	for await (const message of source) await session.send(message);
}

/** Stdin's reads as messages of at most {@link MAX_PIPE_MESSAGE_BYTES}; empty reads skipped. */
export async function* binaryMessages(
	source: AsyncIterable<Uint8Array>,
): AsyncGenerator<Uint8Array> {
	for await (const chunk of source) {
		for (let start = 0; start < chunk.byteLength; start += MAX_PIPE_MESSAGE_BYTES) {
			yield chunk.subarray(start, start + MAX_PIPE_MESSAGE_BYTES);
		}
	}
}

/** The server closed normally (1000) while we were still owed replies or still sending. */
function endedEarly(session: WsSession, inputSent: boolean): CliError {
	const { code } = session.closeEvent!;
	const owed = session.sent - session.replies;
	const what = inputSent
		? `before replying to ${owed} of ${session.sent} messages`
		: "before all input was sent";
	return new CliError("E_CONNECTION_LOST", `${session.url} closed the WebSocket (${code}) ${what}`);
}
