/**
 * echokit's engine without its CLI: `startServer` from packages/core, no plugins (or
 * `--plugin uppercase`). Not in the default bench set; `bun bench/run.ts --servers ...` can add
 * it to tell the engine's cost from the CLI's, or to measure a patched core.
 *
 * With `--ws-port`, WebSocket too (`--servers core-ws`: the engine's WebSocket path without the CLI).
 *
 * Usage: bun bench/servers/echokit-core.ts [--host 127.0.0.1] [--port 0] [--plugin uppercase]
 *   [--ws-port 0]
 * Prints `Listening on HOST:PORT` (then `WebSocket on ws://HOST:PORT/` with --ws-port).
 * @module
 */
import { parseArgs } from "node:util";
import { startServer } from "../../packages/core/src/index.ts";
import uppercase from "../../plugins/uppercase/src/index.ts";

const { values } = parseArgs({
	options: {
		host: { type: "string", default: "127.0.0.1" },
		port: { type: "string", default: "0" },
		plugin: { type: "string" },
		"ws-port": { type: "string" },
	},
});
if (values.plugin !== undefined && values.plugin !== "uppercase") {
	throw new Error(`unknown plugin ${values.plugin}`);
}

const server = await startServer({
	hostname: values.host,
	port: Number(values.port),
	maxConnections: 20_000,
	plugins: values.plugin ? [uppercase()] : [],
	...(values["ws-port"] === undefined ? {} : { webSocket: { port: Number(values["ws-port"]) } }),
});
console.log(`Listening on ${server.hostname}:${server.port}`);
if (server.webSocketPort !== undefined) {
	console.log(`WebSocket on ws://${server.hostname}:${server.webSocketPort}/`);
}
for (const signal of ["SIGINT", "SIGTERM"] as const) {
	process.on(signal, () => {
		server.stop().then(() => process.exit(0));
	});
}
