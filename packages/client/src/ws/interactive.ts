/**
 * Interactive mode over WebSocket: the lab's dialogue, each line typed sent as one text message,
 * each reply message printed as `Received: …`.
 * @module
 */
import type { Framing } from "@echokit/core";
import { toCliError } from "../errors.ts";
import { PROMPT } from "../interactive.ts";
import { replyLines } from "../replies.ts";
import { PromptLine } from "../terminal.ts";
import type { WsSession } from "./session.ts";

/** How long the prompt waits for a reply before coming back; later replies still print. */
const REPLY_WAIT_MS = 300;

/** Options of {@link wsInteractive}. */
export interface WsInteractiveOptions {
	framing: Framing;
	/** How long Ctrl-D waits for the replies still owed. */
	timeoutMs: number;
}

/**
 * Runs the dialogue until Ctrl-D (wait up to `timeoutMs` for the replies owed, close with 1000,
 * 0), Ctrl-C (close, 0), the server closing normally (a line saying so, 0) or with a failure
 * code (throws `E_WS_CLOSED`).
 */
export async function wsInteractive(
	session: WsSession,
	options: WsInteractiveOptions,
): Promise<number> {
	const done = Promise.withResolvers<number>();
	let leaving = false;
	const terminal = new PromptLine(PROMPT, () => {
		leaving = true;
		terminal.endLine();
		done.resolve(0);
	});
	const receive = async () => {
		for (let message = await session.next(); message !== null; message = await session.next()) {
			const bytes = typeof message === "string" ? Buffer.from(message) : message;
			for (const line of replyLines(bytes, options.framing)) terminal.print(line);
		}
		if (!leaving) terminal.print("Connection closed by server.", true);
		done.resolve(0);
	};
	const converse = async () => {
		const suffix = options.framing === "lines" ? "\n" : "";
		for (let line = await terminal.read(); line !== null; line = await terminal.read()) {
			// As over TCP: in raw framing an empty line sends nothing.
			if (line === "" && suffix === "") continue;
			if (session.closeEvent !== null) return; // receive() reports how it ended
			await session.send(line + suffix);
			await replied(session, REPLY_WAIT_MS);
		}
		if (leaving) return;
		// Ctrl-D: the replies owed, then a normal close; receive() ends the session.
		leaving = true;
		terminal.endLine();
		await replied(session, options.timeoutMs);
		const missing = session.sent - session.replies;
		if (missing > 0 && session.closeEvent === null) {
			terminal.print(
				`(no reply to ${missing} of ${session.sent} messages within ${options.timeoutMs / 1000} s)`,
				true,
			);
		}
		await session.close();
	};
	const fail = (error: unknown) => done.reject(toCliError(error, session.url));
	receive().catch(fail);
	converse().catch(fail);
	try {
		return await done.promise;
	} finally {
		leaving = true;
		terminal.close();
		await session.close(500);
	}
}

/** Resolves once every message sent has its reply, the connection closed, or `ms` passed. */
async function replied(session: WsSession, ms: number): Promise<void> {
	const deadline = Bun.sleep(ms);
	let timedOut = false;
	deadline.then(() => {
		timedOut = true;
	});
	while (!timedOut && session.replies < session.sent && session.closeEvent === null) {
		await Promise.race([session.wait(), deadline]);
	}
}
