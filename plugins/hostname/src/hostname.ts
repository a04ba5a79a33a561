import { hostname as osHostname } from "node:os";
import { checkOptions, definePlugin, type Plugin } from "@echokit/core";

/**
 * The hostname plugin: greets every connection with the server's host name and a newline
 * (`os.hostname()`, read once at start), before any reply. Behind a load balancer the first
 * line a client gets says which instance answered; in Kubernetes it is the pod's name.
 *
 * It has no `transform`: replies are untouched, and with `--quiet` the echo keeps core's
 * zero-cost path. It takes no options. UDP datagrams get no greeting (no connection).
 *
 * @example
 * // bunx echo-server --plugin hostname
 * // $ bunx echo-client --message hi
 * // web-7f9c4
 * // hi
 * import { startServer } from "@echokit/core";
 * import hostname from "@echokit/plugin-hostname";
 * const server = await startServer({ port: 0, plugins: [hostname()] });
 */
export function hostname(options?: Record<string, never>): Plugin {
	checkOptions("hostname", options, {});
	// One buffer for every connection: the engine never writes into a greeting.
	const greeting = Buffer.from(`${osHostname()}\n`);
	return definePlugin({ name: "hostname", greet: () => greeting });
}

export default hostname;
