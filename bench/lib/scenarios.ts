/**
 * The scenarios of the issues. Load scenarios run the client's `runBench` in its own process
 * (bench/load/load.ts), over TCP or, for the `ws-*` ones, WebSocket (`echo-client bench --ws`);
 * `idle` holds TCP connections open with bench/load/idle.ts and reads the server's RSS. A
 * scenario runs only against the servers that serve its transport (servers.ts).
 * @module
 */

/** What a scenario's load speaks; a server lists the ones it serves. */
export type Transport = "tcp" | "websocket";

export interface LoadScenario {
	readonly kind: "load";
	readonly id: string;
	readonly title: string;
	readonly transport: Transport;
	/**
	 * Flags for the load generator, besides the target (`--host`/`--port`, or `--ws URL` for
	 * WebSocket) and timing.
	 */
	readonly args: readonly string[];
	/**
	 * Run server and load on the same CPU. A round trip then costs the two processes' CPU work
	 * and two context switches, not two cross-CPU wake-ups (~70 µs on this VM), so each
	 * server's per-message cost shows.
	 */
	readonly sameCpu?: boolean;
}

export interface IdleScenario {
	readonly kind: "idle";
	readonly id: string;
	readonly title: string;
	readonly transport: "tcp";
	readonly connections: number;
}

export type Scenario = LoadScenario | IdleScenario;

/**
 * Every server gets the same `ascii` payload (printable, lowercase included), so the uppercase
 * plugin does real work; its replies are checked against the uppercased bytes (see servers.ts).
 */
const PAYLOAD = ["--payload", "ascii"];

export function scenarios(idleConnections: number): Scenario[] {
	return [
		{
			kind: "load",
			transport: "tcp",
			id: "latency",
			title: "1 connection, 64 B, 1 in flight",
			args: ["--connections", "1", "--size", "64", "--pipeline", "1", ...PAYLOAD],
		},
		{
			kind: "load",
			transport: "tcp",
			id: "latency-1cpu",
			title: "the same with server and load on one CPU",
			args: ["--connections", "1", "--size", "64", "--pipeline", "1", ...PAYLOAD],
			sameCpu: true,
		},
		{
			kind: "load",
			transport: "tcp",
			id: "pipelined",
			title: "50 connections × 4 in flight × 64 B",
			args: ["--connections", "50", "--size", "64", "--pipeline", "4", ...PAYLOAD],
		},
		{
			kind: "load",
			transport: "tcp",
			id: "4k",
			title: "10 connections × 8 in flight × 4 KiB",
			args: ["--connections", "10", "--size", "4096", "--pipeline", "8", ...PAYLOAD],
		},
		{
			// Streaming as request/response with big messages: 4 × 64 KiB = 256 KiB in flight per
			// connection keeps the loopback full while every byte is still checked and timed.
			kind: "load",
			transport: "tcp",
			id: "stream",
			title: "4 connections streaming, 4 × 64 KiB in flight each",
			args: ["--connections", "4", "--size", "65536", "--pipeline", "4", ...PAYLOAD],
		},
		{
			kind: "load",
			transport: "tcp",
			id: "churn",
			title: "10 loops of connect, 64 B echo, close with RST (msg/s = connections/s)",
			// A RST close leaves no TIME_WAIT: with graceful closes ~100k of them piled up during a
			// bench run and the load's own connect() became the limit (~13.5k/s, p99 ~20 ms, for
			// every Bun server alike).
			args: [
				"--mode",
				"churn",
				"--close",
				"reset",
				"--connections",
				"10",
				"--size",
				"64",
				...PAYLOAD,
			],
		},
		{
			kind: "idle",
			transport: "tcp",
			id: "idle",
			title: `server RSS per idle connection at ${idleConnections.toLocaleString("en-US")}`,
			connections: idleConnections,
		},
		...[1, 50].flatMap((connections) =>
			WS_SIZES.map(
				({ size, id, label }): LoadScenario => ({
					kind: "load",
					transport: "websocket",
					id: `ws-${connections}x${id}`,
					title: `WebSocket, ${connections} connection${connections === 1 ? "" : "s"} × ${label} binary messages, 1 in flight each`,
					args: [
						"--connections",
						String(connections),
						"--size",
						String(size),
						"--pipeline",
						"1",
						...PAYLOAD,
					],
				}),
			),
		),
	];
}

/**
 * The WebSocket scenarios' message sizes (issue 11): request/response, one message in flight
 * per connection, each reply one message checked byte for byte.
 */
const WS_SIZES = [
	{ size: 64, id: "64", label: "64 B" },
	{ size: 4096, id: "4k", label: "4 KiB" },
] as const;
