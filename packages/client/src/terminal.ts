/**
 * The terminal side of interactive mode: a prompt that reads one line at a time, and printing
 * that never garbles a half-typed line.
 * @module
 */
import { clearScreenDown, createInterface, cursorTo } from "node:readline";

/**
 * A line-edited prompt on stdin/stdout (node:readline, raw mode). Lines typed while no prompt
 * is shown wait in the terminal until the next {@link read}.
 */
export class PromptLine {
	private readonly rl;
	private readonly lines: (string | null)[] = [];
	private lineWaiter: (() => void) | null = null;
	private prompting = false;
	private closed = false;

	/** `onInterrupt` runs on Ctrl-C, and on SIGINT/SIGTERM from elsewhere. */
	constructor(
		prompt: string,
		private readonly onInterrupt: () => void,
	) {
		this.rl = createInterface({
			input: process.stdin,
			output: process.stdout,
			terminal: true,
			prompt,
		});
		this.rl.on("line", (line) => this.push(line));
		this.rl.on("close", () => {
			this.closed = true;
			this.push(null);
		});
		this.rl.on("SIGINT", onInterrupt);
		// A kill from elsewhere leaves the same way, so the terminal is not left in raw mode.
		process.on("SIGINT", onInterrupt);
		process.on("SIGTERM", onInterrupt);
	}

	/** Shows the prompt and resolves to the next line typed, or `null` on Ctrl-D. */
	async read(): Promise<string | null> {
		// Ctrl-D typed ahead (`Hi⏎^D` in one go) has closed readline, whose prompt() and pause()
		// would throw "readline was closed": what was typed, then null, is in `lines`.
		if (!this.closed) {
			this.prompting = true;
			this.rl.prompt(); // also resumes input
		}
		while (this.lines.length === 0) {
			await new Promise<void>((resolve) => {
				this.lineWaiter = resolve;
			});
		}
		this.prompting = false;
		const line = this.lines.shift()!;
		// Type-ahead waits in the terminal until the next prompt, not in the middle of replies.
		if (line !== null && !this.closed) this.rl.pause();
		return line;
	}

	/**
	 * Prints a line. While the prompt shows, the line goes above it and the prompt is redrawn
	 * with what was typed so far; `final` leaves the prompt off (the session is over).
	 */
	print(text: string, final = false): void {
		if (this.prompting) this.clearLine();
		process.stdout.write(`${text}\n`);
		if (this.prompting && !final) this.rl.prompt(true);
		if (final) this.prompting = false;
	}

	/** Ends the prompt's line (Ctrl-C and Ctrl-D leave the cursor after it). */
	endLine(): void {
		process.stdout.write("\n");
		this.prompting = false;
	}

	/** Stops reading and takes the terminal out of raw mode; a prompt still showing is erased. */
	close(): void {
		process.off("SIGINT", this.onInterrupt);
		process.off("SIGTERM", this.onInterrupt);
		if (this.prompting) this.clearLine();
		this.prompting = false;
		if (!this.closed) this.rl.close();
	}

	private push(line: string | null): void {
		this.lines.push(line);
		this.lineWaiter?.();
	}

	private clearLine(): void {
		cursorTo(process.stdout, 0);
		clearScreenDown(process.stdout);
	}
}
