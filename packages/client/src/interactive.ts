/**
 * Interactive mode on a terminal: the lab's dialogue. Replies print as they arrive, above the
 * prompt; after sending, the prompt waits a moment for a reply and then comes back anyway, so a
 * server that replies nothing (log-only) never hangs the dialogue.
 * @module
 */
import { type EchoClient, EchoError, type Framing } from "@echokit/core";
import { CliError, toCliError } from "./errors.ts";
import { ReplyText } from "./replies.ts";
import { PromptLine } from "./terminal.ts";

/** The lab's prompt. */
export const PROMPT = "Enter message to send: ";
/** How long the prompt waits for a reply before coming back; later replies still print. */
const REPLY_WAIT_MS = 300;

/** Options of {@link interactiveMode}. */
export interface InteractiveOptions {
	framing: Framing;
	/** `host:port`, for messages. */
	target: string;
	/** How long to wait for the server to close after Ctrl-D. */
	timeoutMs: number;
}

/**
 * Runs the dialogue on the terminal until Ctrl-D (half-close, print the last replies, 0),
 * Ctrl-C (0), the server closing (a line saying so, 0) or the connection failing (throws).
 */
export async function interactiveMode(
	client: EchoClient,
	options: InteractiveOptions,
): Promise<number> {
	const dialogue = new Dialogue(client, options);
	try {
		return await dialogue.run();
	} finally {
		dialogue.dispose();
	}
}

class Dialogue {
	private readonly terminal = new PromptLine(PROMPT, () => this.leave(0));
	private readonly replies: ReplyText;
	private readonly done = Promise.withResolvers<number>();
	private replyWaiter: (() => void) | null = null;
	/** We are leaving (Ctrl-D, Ctrl-C): the server closing is expected now. */
	private leaving = false;
	private endTimer: Timer | undefined;

	constructor(
		private readonly client: EchoClient,
		private readonly options: InteractiveOptions,
	) {
		this.replies = new ReplyText(options.framing);
	}

	run(): Promise<number> {
		const fail = (error: unknown) => this.done.reject(toCliError(error, this.options.target));
		this.receive().then(() => {
			if (!this.leaving) this.terminal.print("Connection closed by server.", true);
			this.done.resolve(0);
		}, fail);
		this.converse().catch(fail);
		return this.done.promise;
	}

	dispose(): void {
		clearTimeout(this.endTimer);
		this.leaving = true;
		this.terminal.close();
		this.client.close();
	}

	/** Prompt, read a line, send it, give the reply a moment; until Ctrl-D. */
	private async converse(): Promise<void> {
		const suffix = this.options.framing === "lines" ? "\n" : "";
		for (let line = await this.terminal.read(); line !== null; line = await this.terminal.read()) {
			// In raw framing an empty line is zero bytes: nothing to send, no reply to wait for.
			if (line === "" && suffix === "") continue;
			const replied = new Promise<void>((resolve) => {
				this.replyWaiter = resolve;
			});
			try {
				await this.client.send(line + suffix);
			} catch (error) {
				// The connection is gone; receive() reports how.
				if (error instanceof EchoError && error.code === "E_CLOSED") return;
				throw error;
			}
			await Promise.race([replied, Bun.sleep(REPLY_WAIT_MS)]);
		}
		if (this.leaving) return;
		// Ctrl-D: half-close; receive() prints the last replies and ends the session.
		this.leaving = true;
		this.terminal.endLine();
		await this.client.end();
		this.endTimer = setTimeout(() => {
			const seconds = this.options.timeoutMs / 1000;
			const message = `${this.options.target} did not close the connection within ${seconds} s after end of input`;
			this.done.reject(new CliError("E_REPLY_TIMEOUT", message));
		}, this.options.timeoutMs);
	}

	/** Prints replies as they come; resolves once the server closed, rejects on a reset. */
	private async receive(): Promise<void> {
		for await (const chunk of this.client) {
			const pieces = this.replies.push(chunk);
			for (const piece of pieces) this.terminal.print(`Received: ${piece}`);
			if (pieces.length > 0) this.replyWaiter?.();
		}
		for (const piece of this.replies.flush()) this.terminal.print(`Received: ${piece}`);
	}

	/** Ctrl-C or a signal: leave now. */
	private leave(code: number): void {
		this.leaving = true;
		this.terminal.endLine();
		this.done.resolve(code);
	}
}
