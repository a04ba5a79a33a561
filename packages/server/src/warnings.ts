/**
 * Process warnings (`process.emitWarning`: a plugin's deprecation notice, a
 * MaxListenersExceededWarning, …) as the server's own warning lines. The runtime would print
 * them as plain text on stderr; routed through the logger they are `echo-server: warning: …`
 * lines, and JSON lines with `--json`, like everything else the server prints, and rate-limited
 * as `process_warning` (see log-limit.ts).
 */
import type { ConsolaInstance } from "consola/core";

/**
 * Replaces the runtime's printer of process warnings with `logger().warn`; `logger` is asked at
 * each warning, so that it is the one the flags chose by then. Call it before the first tick:
 * warnings are emitted on a later tick, so those of modules loaded at start-up come here too.
 * @example
 * routeProcessWarnings(() => state.logger);
 */
export function routeProcessWarnings(logger: () => ConsolaInstance): void {
	process.removeAllListeners("warning");
	process.on("warning", (warning: Error & { code?: string }) => {
		if (IGNORED.test(warning.message)) return;
		const { name, code } = warning;
		logger().warn({
			message: `${name}: ${warning.message}`,
			warning: name,
			// Rate-limited like the per-connection warnings: a plugin may emit one per message.
			event: "process_warning",
			...(code ? { code } : {}),
		});
		logger().debug(String(warning.stack));
	});
}

/**
 * The runtime's note that NO_COLOR loses to FORCE_COLOR, which it prints when a library asks
 * for the colour depth (jiti does as c12 loads it). The server documents that rule and follows
 * it itself (`--help`); a note about it on every start is noise.
 */
const IGNORED = /^The 'NO_COLOR' env is ignored due to the 'FORCE_COLOR' env being set\.$/;
