import { checkOptions, definePlugin, type Plugin } from "@echokit/core";

/**
 * The echo plugin: every byte goes back unchanged (RFC 862).
 *
 * It has no `transform` on purpose. The engine only walks the plugin chain for plugins that have
 * one, so a chain without transforms takes the engine's zero-cost path: each socket read is
 * queued for writing as it is, with no per-message allocation, copy, promise or call. A transform
 * returning `null` ("pass on unchanged") would give the same bytes but cost a call per message,
 * and in `lines` framing force every line to be cut out and rejoined.
 *
 * It takes no options. Listing no plugins at all echoes too; this plugin exists so `--plugin echo` can be named, and
 * so it can sit in a chain (where it changes nothing).
 *
 * @example
 * import { startServer } from "@echokit/core";
 * import echo from "@echokit/plugin-echo";
 * const server = await startServer({ port: 7000, plugins: [echo()] });
 */
export function echo(options?: Record<string, never>): Plugin {
	checkOptions("echo", options, {});
	return definePlugin({ name: "echo" });
}

export default echo;
