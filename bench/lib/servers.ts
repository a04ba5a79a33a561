/**
 * The servers compared. Each prints `Listening on HOST:PORT` and is started fresh for every
 * measurement, so no run inherits another's heap or connections. Each serves one transport and
 * runs only that transport's scenarios (scenarios.ts): the TCP servers never see a WebSocket
 * scenario, nor the WebSocket servers a TCP one.
 * @module
 */
import { type RunningServer, spawnServer } from "./process.ts";
import type { Transport } from "./scenarios.ts";

export interface ServerDef {
	/** Short id used in tables and `--servers`. */
	readonly id: string;
	/** What it is, for the table's legend. */
	readonly label: string;
	/** The scenarios it runs: TCP (the default) or WebSocket. */
	readonly transport?: Transport;
	readonly cmd: readonly string[];
	/**
	 * Tried when `cmd` fails to start: the same server without options an older CLI may reject
	 * (`--max-connections`). Starting this way is recorded as a note.
	 */
	readonly fallback?: readonly string[];
	/** Extra load-generator flags for this server, e.g. what its replies must be. */
	readonly loadArgs?: readonly string[];
	/**
	 * For the idle scenario when `cmd` was refused: the same engine and options with room for
	 * 10,000 connections (the fallback would refuse all but core's default 1024).
	 */
	readonly idleStandIn?: readonly string[];
	/**
	 * The server prints `Metrics on URL` after `Listening on`; the bench scrapes that URL once a
	 * second while the load runs, as a busy Prometheus would (its default interval is 15 s).
	 */
	readonly scrapeMetrics?: boolean;
	/**
	 * The server prints `WebSocket on ws://HOST:PORT/` after `Listening on` (echo-server
	 * --ws-port 0) and the load goes to that port; without it, a WebSocket server's `Listening on`
	 * port is its WebSocket port.
	 */
	readonly webSocketLine?: boolean;
}

const ECHO_SERVER = [
	"bun",
	"packages/server/src/bin.ts",
	"--host",
	"127.0.0.1",
	"--port",
	"0",
	"--quiet",
];
/** The idle scenario holds 10,000 connections; core's default limit is 1024. */
const MAX_CONNECTIONS = ["--max-connections", "20000"];
const UPPERCASE = ["--plugin", "uppercase"];
/** What `echo-server --quiet` runs, without the CLI, and with maxConnections 20000. */
const CORE_SERVER = ["bun", "bench/servers/echokit-core.ts", "--port", "0"];
/** The uppercase servers reply with a-z uppercased: check that, byte for byte. */
const EXPECT_UPPERCASE = ["--expect", "uppercase"];

/** Every server the bench knows; `DEFAULT_SERVERS` are the ones the issue compares. */
export const SERVERS: readonly ServerDef[] = [
	{
		id: "echokit",
		label: "echo-server --quiet (default pipeline, no plugin)",
		cmd: [...ECHO_SERVER, ...MAX_CONNECTIONS],
		fallback: ECHO_SERVER,
		idleStandIn: CORE_SERVER,
	},
	{
		// An A/A control: the very same server under another id. Its ratio to echokit in the same
		// rounds is what noise alone does to a ratio; read the targets against another server
		// (metrics on vs off, uppercase vs plain) with it.
		id: "echokit-again",
		label: "echo-server --quiet once more: an A/A control, the noise floor of a ratio to echokit",
		cmd: [...ECHO_SERVER, ...MAX_CONNECTIONS],
		fallback: ECHO_SERVER,
	},
	{
		id: "uppercase",
		label: "echo-server --quiet --plugin uppercase",
		cmd: [...ECHO_SERVER, ...MAX_CONNECTIONS, ...UPPERCASE],
		fallback: [...ECHO_SERVER, ...UPPERCASE],
		loadArgs: EXPECT_UPPERCASE,
		idleStandIn: [...CORE_SERVER, ...UPPERCASE],
	},
	{
		id: "bare-bun",
		label: "bench/servers/bare-bun.ts: Bun.listen echo with backpressure (the anchor)",
		cmd: ["bun", "bench/servers/bare-bun.ts", "--port", "0"],
	},
	{
		id: "node-pipe",
		label: "bench/servers/node-pipe.mjs: node:net socket.pipe(socket), run with node",
		cmd: ["node", "bench/servers/node-pipe.mjs", "--port", "0"],
	},
	{
		id: "core",
		label: "bench/servers/echokit-core.ts: startServer from packages/core, no CLI",
		cmd: CORE_SERVER,
	},
	{
		id: "metrics",
		label:
			"echo-server --quiet --metrics-port 0: metrics on, /metrics scraped every second by the bench (compare with echokit)",
		cmd: [...ECHO_SERVER, ...MAX_CONNECTIONS, "--metrics-port", "0"],
		scrapeMetrics: true,
	},
	{
		id: "core-uppercase",
		label: "bench/servers/echokit-core.ts --plugin uppercase",
		cmd: [...CORE_SERVER, ...UPPERCASE],
		loadArgs: EXPECT_UPPERCASE,
	},
	{
		id: "echokit-ws",
		label: "echo-server --quiet --ws-port 0: WebSocket echo (the load uses the ws port)",
		transport: "websocket",
		cmd: [...ECHO_SERVER, "--ws-port", "0"],
		webSocketLine: true,
	},
	{
		id: "core-ws",
		label: "bench/servers/echokit-core.ts --ws-port 0: core's WebSocket path without the CLI",
		transport: "websocket",
		cmd: [...CORE_SERVER, "--ws-port", "0"],
		webSocketLine: true,
	},
	{
		id: "bare-bun-ws",
		label:
			"bench/servers/bare-bun-ws.ts: Bun.serve WebSocket echo with backpressure (the WebSocket anchor)",
		transport: "websocket",
		cmd: ["bun", "bench/servers/bare-bun-ws.ts", "--port", "0"],
	},
];

export const DEFAULT_SERVERS = [
	"echokit",
	// The A/A control: every run shows how far noise alone moves a ratio to echokit.
	"echokit-again",
	"uppercase",
	"bare-bun",
	"node-pipe",
	"echokit-ws",
	"bare-bun-ws",
];

/** The anchor every ratio is against, by the scenario's transport. */
export const BASELINES: Readonly<Record<Transport, string>> = {
	tcp: "bare-bun",
	websocket: "bare-bun-ws",
};

/** The transport `def` serves. */
export function transportOf(def: ServerDef): Transport {
	return def.transport ?? "tcp";
}

/** Notes about how servers were started (fallbacks taken), printed with the results. */
export const startNotes = new Set<string>();

/** Servers whose preferred command line was refused once: go straight to the fallback. */
const refused = new Set<string>();

/**
 * Starts a server, falling back when its preferred command line is refused (and, for the idle
 * scenario, to its stand-in). `prefix` goes before the command (CPU pinning: `taskset -c 0`).
 */
export async function startBenchServer(
	def: ServerDef,
	idle: boolean,
	prefix: readonly string[] = [],
): Promise<RunningServer> {
	if (!refused.has(def.id) || !def.fallback) {
		try {
			return await spawnServer([...prefix, ...def.cmd], {
				metrics: def.scrapeMetrics,
				webSocket: def.webSocketLine,
			});
		} catch (error) {
			if (!def.fallback) throw error;
			refused.add(def.id);
			const reason = error instanceof Error ? error.message : String(error);
			startNotes.add(`${def.id}: \`${def.cmd.join(" ")}\` was refused (${reason}).`);
		}
	}
	if (idle && def.idleStandIn) {
		startNotes.add(
			`${def.id}: the idle scenario ran \`${def.idleStandIn.join(" ")}\` instead: the same engine ` +
				"and options as the CLI with --quiet, with maxConnections 20000.",
		);
		return spawnServer([...prefix, ...def.idleStandIn]);
	}
	const fallback = def.fallback ?? def.cmd;
	startNotes.add(`${def.id}: ran \`${fallback.join(" ")}\`.`);
	return spawnServer([...prefix, ...fallback]);
}
