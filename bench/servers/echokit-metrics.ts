/**
 * echokit's engine with metrics on: `startServer` from packages/core (as echokit-core.ts), plus
 * the Prometheus registry and the service listener (/metrics, /livez, /readyz) on another port,
 * scraped once a second over HTTP as a busy Prometheus would. `--servers core,metrics` compares
 * metrics off and on in one run (the target: on ≥ 0.95× off).
 *
 * Usage: bun bench/servers/echokit-metrics.ts [--host 127.0.0.1] [--port 0]
 * Prints `Listening on HOST:PORT`.
 * @module
 */
import { parseArgs } from "node:util";
import { startServer } from "../../packages/core/src/index.ts";
import { createMetrics } from "../../packages/server/src/metrics.ts";
import { startServiceHttp } from "../../packages/server/src/service-http.ts";

const { values } = parseArgs({
	options: {
		host: { type: "string", default: "127.0.0.1" },
		port: { type: "string", default: "0" },
	},
});

const server = await startServer({
	hostname: values.host,
	port: Number(values.port),
	maxConnections: 20_000,
});
let ready = true;
const http = startServiceHttp({
	hostname: "127.0.0.1",
	port: 0,
	registry: createMetrics(() => server.stats()),
	ready: () => ready,
});
const scraper = setInterval(() => {
	fetch(`${http.url}/metrics`).then((response) => response.text());
}, 1000);
console.log(`Listening on ${server.hostname}:${server.port}`);
for (const signal of ["SIGINT", "SIGTERM"] as const) {
	process.on(signal, () => {
		ready = false;
		clearInterval(scraper);
		server
			.stop()
			.then(() => http.stop())
			.then(() => process.exit(0));
	});
}
