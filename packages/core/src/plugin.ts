import type { Plugin } from "./types.ts";

/**
 * Return this from a transform to send nothing back for the message.
 * @example
 * definePlugin({ name: "sink", transform: () => NO_REPLY });
 */
export const NO_REPLY: unique symbol = Symbol.for("echokit.no-reply");

/**
 * Identity helper that types a plugin, inferring its per-connection state from `open`.
 * @example
 * export default definePlugin({
 *   name: "reverse",
 *   transform: (message) => [...message.text()].reverse().join(""),
 * });
 */
export function definePlugin<State = undefined>(plugin: Plugin<State>): Plugin<State> {
	return plugin;
}
