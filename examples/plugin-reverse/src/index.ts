/**
 * An example echokit plugin, complete as a package: copy this folder to start your own.
 * @module
 */
import { definePlugin, type Plugin } from "@echokit/core";

/** Splits text into user-perceived characters, so "🇫🇷" or "é" written as e + ◌́ stays whole. */
const graphemes = new Intl.Segmenter(undefined, { granularity: "grapheme" });

/**
 * Replies with each message's characters in reverse order. Meant for `lines` framing, where a
 * message is one line; in `raw` framing a message is whatever one socket read delivered, so
 * longer input would be reversed piece by piece.
 *
 * The default export is this factory; the server accepts either a factory or a plugin object.
 *
 * @example
 * import { startServer } from "@echokit/core";
 * import reverse from "echokit-plugin-reverse";
 * const server = await startServer({ port: 7000, framing: "lines", plugins: [reverse()] });
 * // a client sending "hello\n" gets "olleh\n"
 */
export default function reverse(): Plugin {
	return definePlugin({
		name: "reverse",
		transform: (message) =>
			Array.from(graphemes.segment(message.text()), (part) => part.segment)
				.reverse()
				.join(""),
	});
}
