/**
 * The live progress line on a terminal: one `\r`-rewritten line on stderr, once a second.
 * @module
 */
import type { BenchProgress } from "./types.ts";

/** What {@link createProgressLine} writes to (process.stderr, or a test double). */
export interface ProgressStream {
	readonly isTTY?: boolean;
	write(text: string): unknown;
}

/** A live line: `update` with each progress report, `done` to clear it before the report prints. */
export interface ProgressLine {
	update(progress: BenchProgress): void;
	done(): void;
}

/**
 * A progress line on `stream`, or `undefined` when there should be none: `json` output, or a
 * stream that is not a terminal (piped, redirected, CI). Pass `update` as `onProgress`.
 * @example
 * const line = createProgressLine({ json: args.json });
 * const report = await runBench({ ...args, onProgress: line?.update });
 * line?.done();
 */
export function createProgressLine(options: {
	json?: boolean;
	stream?: ProgressStream;
}): ProgressLine | undefined {
	const stream = options.stream ?? process.stderr;
	if (options.json || !stream.isTTY) return undefined;
	let shown = false;
	return {
		update(progress) {
			shown = true;
			stream.write(`\r\x1b[2K${progressText(progress)}`);
		},
		done() {
			if (shown) stream.write("\r\x1b[2K");
			shown = false;
		},
	};
}

/**
 * One progress line's text, without control characters.
 * @example
 * progressText({ phase: "measure", elapsedSec: 2, phaseSec: 5, messagesPerSec: 41000, messages: 82000, errors: 0, mismatches: 0 });
 * // "measure 2/5 s  41,000 msg/s  82,000 messages  0 errors  0 mismatches"
 */
export function progressText(progress: BenchProgress): string {
	const elapsed = Math.min(progress.elapsedSec, progress.phaseSec).toFixed(0);
	const phase = `${progress.phase} ${elapsed}/${progress.phaseSec} s`;
	return [
		phase,
		`${number(progress.messagesPerSec)} msg/s`,
		`${number(progress.messages)} messages`,
		`${number(progress.errors)} errors`,
		`${number(progress.mismatches)} mismatches`,
	].join("  ");
}

function number(value: number): string {
	return Math.round(value).toLocaleString("en-US");
}
