import type { Plugin } from "./types.ts";

/**
 * Return this from a transform to send nothing back for the message.
 * @example
 * definePlugin({ name: "sink", transform: () => NO_REPLY });
 */
export const NO_REPLY = Symbol.for("echokit.no-reply") as NoReply;

declare const noReplyBrand: unique symbol;
/**
 * The type of {@link NO_REPLY}: a branded `symbol` rather than a `unique symbol`, because
 * TypeScript widens a `unique symbol` returned from an async transform to plain `symbol`
 * (the contextual return type `TransformResult | Promise<TransformResult>` is not a promise
 * type), and `async () => NO_REPLY` would not type-check.
 */
export type NoReply = symbol & { readonly [noReplyBrand]: true };

/** True for {@link NO_REPLY}; narrows where `=== NO_REPLY` cannot (a branded type is no unit type). */
export function isNoReply(value: unknown): value is NoReply {
	return value === NO_REPLY;
}

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
