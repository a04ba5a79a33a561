import { checkOptions, definePlugin, type Plugin } from "@echokit/core";
import { upperAscii } from "./kernel.ts";

/** Per-connection state: a UTF-8 decoder that carries a character split across two reads. */
interface UppercaseState {
	/** Created at the first message that is not plain ASCII: most connections never need one. */
	decoder: TextDecoder | null;
	/** The decoder may hold the start of a character (the last byte it saw was not ASCII). */
	pending: boolean;
}

/**
 * The uppercase plugin: replies with each message uppercased (`toUpperCase`, so `ß` → `SS`).
 * It takes no options (any given is an `E_PLUGIN_OPTIONS` error).
 *
 * UTF-8 safe across reads: each connection decodes through its own streaming `TextDecoder`, so
 * in `raw` framing an `é` whose two bytes arrive in two reads comes back as one `É`. The read
 * that ends in the first half of a character replies with only the characters completed so far
 * (possibly nothing); the held byte goes out, uppercased, with the next read. In `lines` framing
 * every valid line ends on a character boundary, so the decoder holds nothing between lines.
 *
 * Bytes that are not valid UTF-8 come back as U+FFFD. So does an incomplete character still
 * held when the input ends (the client half-closed, or the server stops gracefully): the
 * plugin's `end` hook flushes the decoder, so `caf` + `0xC3` then FIN comes back as `CAF` then
 * U+FFFD (bytes `EF BF BD`), as `TextDecoder` decodes the same bytes in one go.
 *
 * @example
 * import { startServer } from "@echokit/core";
 * import uppercase from "@echokit/plugin-uppercase";
 * const server = await startServer({ port: 7000, framing: "lines", plugins: [uppercase()] });
 */
export function uppercase(options?: Record<string, never>): Plugin<UppercaseState> {
	checkOptions("uppercase", options, {});
	return definePlugin<UppercaseState>({
		name: "uppercase",
		open: () => ({ decoder: null, pending: false }),
		transform(message, { state }) {
			const { bytes } = message;
			if (!state.pending) {
				// ASCII: the SIMD kernel, into the message's own buffer when the engine allows
				// (no allocation), else into a new one. Not ASCII: the decoder below.
				const upper = upperAscii(bytes, message.writable);
				if (upper !== null) return upper;
			}
			// ignoreBOM keeps a leading U+FEFF in the reply instead of silently eating it.
			state.decoder ??= new TextDecoder("utf-8", { ignoreBOM: true });
			const text = state.decoder.decode(bytes, { stream: true });
			if (bytes.byteLength > 0) state.pending = (bytes[bytes.byteLength - 1] as number) >= 0x80;
			// "" means only part of a character has arrived: reply with nothing yet, never the raw bytes.
			return text === "" ? EMPTY : text.toUpperCase();
		},
		end({ state }) {
			// Input is over: a part of a character still held decodes as U+FFFD (WHATWG Encoding's
			// decode without `stream`); nothing held, nothing sent.
			if (!state.pending || state.decoder === null) return null;
			state.pending = false;
			const text = state.decoder.decode();
			return text === "" ? null : text.toUpperCase();
		},
	});
}

export default uppercase;

const EMPTY = new Uint8Array(0);
