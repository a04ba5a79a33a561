import { checkOptions, definePlugin, type OptionsInput, type Plugin } from "@echokit/core";

/**
 * The options of {@link delay}, declared once: checked and converted by `checkOptions` for
 * `echo.config.ts` (`delay({ ms: 200 })`) and the command line (`--plugin delay:ms=200`).
 */
export const DELAY_OPTIONS = {
	ms: {
		type: "number",
		min: 0,
		max: 3_600_000,
		default: 1000,
		description: "milliseconds each reply waits",
	},
	jitter: {
		type: "number",
		min: 0,
		max: 3_600_000,
		default: 0,
		description: "up to this many milliseconds more or less, at random",
	},
} as const;

/** Options of {@link delay}: `ms` (default 1000) and `jitter` (default 0), in milliseconds. */
export type DelayOptions = OptionsInput<typeof DELAY_OPTIONS>;

/**
 * The delay plugin: each message's reply waits `ms` milliseconds, plus or minus up to
 * `jitter` at random (uniform, never below 0) — the latency toxic of Shopify's toxiproxy, for
 * testing client timeouts. The reply itself is the message, unchanged.
 *
 * Order and memory: a connection's messages wait one after another, like a server that
 * handles one request at a time, so replies keep their order and 10 pipelined messages with
 * `ms: 100` take about a second. What a fast sender sends meanwhile waits in the engine's
 * inbox, which counts toward the high-water mark: past it the server stops reading from that
 * client, so memory stays bounded.
 *
 * With `ms: 0` and `jitter: 0` it has no transform at all (plain echo, zero cost).
 * Throws a `PluginError` `E_PLUGIN_OPTIONS` for an unknown option or a value out of range.
 *
 * @example
 * // bunx echo-server --framing lines --plugin delay:ms=200,jitter=50
 * import { startServer } from "@echokit/core";
 * import delay from "@echokit/plugin-delay";
 * const server = await startServer({ port: 0, plugins: [delay({ ms: 200, jitter: 50 })] });
 */
export function delay(options: DelayOptions = {}): Plugin {
	const { ms, jitter } = checkOptions("delay", options, DELAY_OPTIONS);
	if (ms === 0 && jitter === 0) return definePlugin({ name: "delay" });
	const wait = jitter === 0 ? () => ms : () => Math.max(0, ms + (Math.random() * 2 - 1) * jitter);
	return definePlugin({
		name: "delay",
		async transform() {
			await Bun.sleep(wait());
			return null;
		},
	});
}

export default delay;
