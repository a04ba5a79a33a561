/**
 * `--udp`: RFC 862 datagram echo. There is no connection: each `--message`, each line typed and
 * each line of piped stdin is one datagram, sent only after the previous one's reply came or
 * `--timeout` passed, so replies are printed in order and never mixed up.
 * @module
 */
import { type DatagramOptions, exchangeDatagram, type Framing } from "@echokit/core";
import { MAX_DATAGRAM_BYTES } from "./args.ts";
import { CliError, toCliError } from "./errors.ts";
import { PROMPT } from "./interactive.ts";
import { writeStdout } from "./pipe.ts";
import { replyLines } from "./replies.ts";
import { PromptLine } from "./terminal.ts";

/** Options of the UDP modes; `timeoutMs` is how long to wait for each reply. */
export interface UdpOptions extends Required<Omit<DatagramOptions, "lookup">> {
	framing: Framing;
	/** `host:port`, for messages. */
	target: string;
}

/**
 * One-shot: each message (with `\n` in `lines` framing) is a datagram; replies go to stdout
 * unchanged, as in TCP one-shot.
 */
export function udpOneShot(messages: readonly string[], options: UdpOptions): Promise<number> {
	const suffix = options.framing === "lines" ? "\n" : "";
	return exchangeAll(
		messages.map((message) => message + suffix),
		options,
		writeStdout,
	);
}

/**
 * Pipe: each line of stdin is a datagram (see {@link datagramLines}); each reply is printed on
 * its own line (a `\n` is added unless it ends with one).
 */
export function udpPipe(options: UdpOptions): Promise<number> {
	return exchangeAll(datagramLines(Bun.stdin.stream(), options.framing), options, async (reply) => {
		await writeStdout(reply);
		if (reply.at(-1) !== NEWLINE[0]) await writeStdout(NEWLINE);
	});
}

/**
 * Interactive: each line typed is a datagram (even an empty one: UDP can carry zero bytes), and
 * the prompt comes back with `Received: …` or `(no reply within N s)`. Ctrl-D or Ctrl-C: exit 0.
 */
export async function udpInteractive(options: UdpOptions): Promise<number> {
	const left = Promise.withResolvers<number>();
	const terminal = new PromptLine(PROMPT, () => {
		terminal.endLine();
		left.resolve(0);
	});
	const suffix = options.framing === "lines" ? "\n" : "";
	const converse = async () => {
		for (let line = await terminal.read(); line !== null; line = await terminal.read()) {
			const datagram = Buffer.from(line + suffix);
			if (datagram.byteLength > MAX_DATAGRAM_BYTES) {
				terminal.print(`(not sent: ${datagram.byteLength} bytes is too long for one datagram)`);
				continue;
			}
			const reply = await exchangeDatagram(datagram, options);
			if (reply === null) terminal.print(`(no reply within ${options.timeoutMs / 1000} s)`);
			else for (const piece of replyLines(reply, options.framing)) terminal.print(piece);
		}
		terminal.endLine(); // Ctrl-D
		return 0;
	};
	try {
		return await Promise.race([converse(), left.promise]);
	} catch (error) {
		throw toCliError(error, options.target);
	} finally {
		terminal.close();
	}
}

/**
 * Sends the payloads one by one, each after the previous reply (or its timeout), and hands each
 * reply to `print`. Resolves to 0 when every datagram got a reply; throws `E_NO_REPLY` (exit 4)
 * naming how many did not, once all were sent.
 */
async function exchangeAll(
	payloads: AsyncIterable<Uint8Array | string> | Iterable<Uint8Array | string>,
	options: UdpOptions,
	print: (reply: Uint8Array) => Promise<void>,
): Promise<number> {
	let sent = 0;
	let unanswered = 0;
	try {
		for await (const payload of payloads) {
			sent++;
			const reply = await exchangeDatagram(payload, options);
			if (reply === null) unanswered++;
			else await print(reply);
		}
	} catch (error) {
		// Our reader went away (`| head -1`): it has what it wanted.
		if ((error as { code?: unknown })?.code === "EPIPE") return 0;
		throw toCliError(error, options.target);
	}
	if (unanswered === 0) return 0;
	const which = sent === 1 ? "the datagram" : `${unanswered} of ${sent} datagrams`;
	throw new CliError(
		"E_NO_REPLY",
		`no reply from ${options.target} within ${options.timeoutMs / 1000} s to ${which}`,
	);
}

/**
 * Cuts a byte stream into datagrams, one per line: the line without its `\n`, plus `\n` in
 * `lines` framing (a `\r` before the `\n` is sent as it is, so a CRLF line keeps its CRLF there). A last line without a newline counts too. Throws `E_USAGE` for a line too
 * long for one datagram, without buffering more of it than that.
 */
export async function* datagramLines(
	source: AsyncIterable<Uint8Array>,
	framing: Framing,
): AsyncGenerator<Uint8Array> {
	const suffix = framing === "lines" ? NEWLINE : EMPTY;
	const limit = MAX_DATAGRAM_BYTES - suffix.byteLength;
	let pending: Uint8Array[] = [];
	let pendingBytes = 0;
	let lineNumber = 0;
	const take = (piece: Uint8Array) => {
		pendingBytes += piece.byteLength;
		if (pendingBytes > limit) {
			throw new CliError(
				"E_USAGE",
				`line ${lineNumber + 1} of stdin is longer than ${limit} bytes, too long for one UDP datagram (--udp sends one line per datagram)`,
			);
		}
		pending.push(piece);
	};
	const line = () => {
		const datagram = Buffer.concat([...pending, suffix]);
		pending = [];
		pendingBytes = 0;
		lineNumber++;
		return datagram;
	};
	for await (const chunk of source) {
		let start = 0;
		for (
			let end = chunk.indexOf(NEWLINE[0]!);
			end !== -1;
			end = chunk.indexOf(NEWLINE[0]!, start)
		) {
			take(chunk.subarray(start, end));
			yield line();
			start = end + 1;
		}
		if (start < chunk.byteLength) take(chunk.subarray(start));
	}
	if (pendingBytes > 0) yield line();
}

const NEWLINE = new Uint8Array([0x0a]);
const EMPTY = new Uint8Array(0);
