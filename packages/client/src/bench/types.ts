/**
 * Public types of the load generator (`echo-client bench`).
 * @module
 */

/**
 * What one bench connection does:
 * - `rr` (request/response, the default): keep `pipeline` messages of `size` bytes in flight and
 *   send the next one as each comes back (or, with `rate`, send on a fixed clock).
 * - `churn`: each of `connections` loops connects, sends one message, reads it back, closes and
 *   starts over; a "message" is one such cycle and its latency is connect-to-echo.
 */
export type BenchMode = "rr" | "churn";

/**
 * How `churn` closes each connection once its echo is back:
 * - `fin` (default): a graceful close. The client's side then waits in TIME_WAIT for 60 s; at
 *   thousands of connections per second on one machine, ~100k of them pile up and the client's
 *   own `connect()` (its search for a free port) becomes the bottleneck.
 * - `reset`: abort with a RST, which leaves no TIME_WAIT: the rate then measures the server.
 */
export type BenchClose = "fin" | "reset";

/**
 * The bytes sent. Every byte that comes back is checked (see {@link BenchExpect}).
 * - `binary` (default): every byte value 0–255, so a server that is not byte-transparent shows up.
 * - `ascii`: printable ASCII (space to `~`), as text-handling plugins expect.
 */
export type BenchPayload = "binary" | "ascii";

/**
 * What the server must send back, byte for byte:
 * - `echo` (default): exactly what was sent.
 * - `uppercase`: what was sent with `a`–`z` as `A`–`Z` (the uppercase plugin); needs the
 *   `ascii` payload.
 */
export type BenchExpect = "echo" | "uppercase";

/**
 * Options of {@link runBench}. {@link parseBenchArgs} builds them from a command line.
 * @example
 * const options: BenchOptions = { port: 9000, connections: 50, pipeline: 4, size: 64, durationSec: 3 };
 */
export interface BenchOptions {
	/** Server address: a name, an IPv4 or an IPv6 address (`::1`, also `[::1]`). Default `127.0.0.1`. */
	host?: string;
	/** Server port. Default `8888`. */
	port?: number;
	/** Connections (rr) or concurrent connect loops (churn). Default 1. */
	connections?: number;
	/** Bytes per message. Default 64. */
	size?: number;
	/** Messages in flight per connection (closed loop). Default 1. Ignored with `rate` and in churn. */
	pipeline?: number;
	/** Seconds measured, after the warm-up. Default 5. */
	durationSec?: number;
	/**
	 * Open loop: send this many messages per second in total, on a fixed clock, whether or not
	 * replies keep up. Latency is measured from each message's *scheduled* send time, so a stalled
	 * server is charged for every message it delayed (no coordinated omission). rr mode only.
	 */
	rate?: number;
	/** Seconds of load before measuring starts (not counted). Default 1. */
	warmupSec?: number;
	/** Default `rr`. */
	mode?: BenchMode;
	/** Default `binary`. */
	payload?: BenchPayload;
	/** Default `echo`. */
	expect?: BenchExpect;
	/** Churn only. Default `fin`. */
	close?: BenchClose;
	/** Give up connecting after this many milliseconds. Default 10000. */
	connectTimeoutMs?: number;
	/**
	 * WebSocket instead of TCP: a `ws://` or `wss://` URL (then not `host` or `port`). Each
	 * message is one binary WebSocket message and its reply must be one message, the same bytes.
	 * rr mode only.
	 */
	ws?: string;
	/** `wss://`: a PEM file of the CA or self-signed certificate to trust (`--ca`). */
	caFile?: string;
	/** `wss://`: no certificate check (`--insecure`). */
	insecure?: boolean;
	/**
	 * An echo-server's Prometheus endpoint (`echo-server --metrics-port`), e.g.
	 * `http://127.0.0.1:9464/metrics`: read before the load starts and after it stopped, and
	 * the change of its `echokit_*` counters is the report's `serverMetrics`. One that cannot be
	 * read fails the run before any load, with `E_METRICS_URL` (also within `connectTimeoutMs`).
	 */
	metricsUrl?: string;
	/** Called about once a second while running, e.g. with {@link createProgressLine}'s `update`. */
	onProgress?: (progress: BenchProgress) => void;
	/**
	 * Called synchronously the moment the measured window opens (`measure`) and closes (`done`),
	 * e.g. to sample the server's CPU time over exactly the window.
	 */
	onPhase?: (phase: "measure" | "done") => void;
}

/** A snapshot while a bench runs, for a live progress line. */
export interface BenchProgress {
	phase: "warmup" | "measure";
	/** Seconds since the phase began. */
	elapsedSec: number;
	/** The phase's length in seconds. */
	phaseSec: number;
	/** Messages completed in the last interval, per second. */
	messagesPerSec: number;
	/** Messages completed in this phase so far. */
	messages: number;
	errors: number;
	mismatches: number;
}

/** Round-trip latency percentiles in microseconds. */
export interface LatencyUs {
	p50: number;
	p90: number;
	p99: number;
	p999: number;
	max: number;
	mean: number;
}

/**
 * The result of {@link runBench}; `--json` prints exactly this object.
 * `messages`, rates and latency cover the measured window only; `errors` and `mismatches` cover
 * the whole run, warm-up included (a wrong byte is wrong whenever it arrives).
 */
export interface BenchReport {
	mode: BenchMode;
	/** `host:port` of the server. */
	target: string;
	connections: number;
	size: number;
	pipeline: number;
	/** Target total rate (open loop), or `null` for a closed loop. */
	rate: number | null;
	/** The measured window in seconds, as it actually ran. */
	durationSec: number;
	/** Messages whose `size` bytes all came back within the window (churn: completed cycles). */
	messages: number;
	messagesPerSec: number;
	/** Payload MB/s each way (MB = 1e6 bytes). */
	mbPerSec: number;
	latencyUs: LatencyUs;
	/** Connections that failed: refused, reset, closed by the server, or sent more than asked. */
	errors: number;
	/** Messages with at least one byte different from what was sent. */
	mismatches: number;
	/**
	 * Bytes received over the whole run, warm-up and the end's grace for replies in flight
	 * included: 0 means the server answered nothing at all (a `log-only` server).
	 */
	receivedBytes: number;
	/** With `metricsUrl`: what the server counted during the run. */
	serverMetrics?: ServerMetrics;
}

/**
 * The change of an echo-server's `echokit_*` counters over a whole bench run (warm-up and the
 * close included), beside the bench's own count over the same span: for an echo, the server's
 * `echokit_received_bytes_total` should gain `client.sentBytes`, its
 * `echokit_sent_bytes_total` `client.receivedBytes`, and `echokit_connections_accepted_total`
 * `client.connections` (unless other clients used the server meanwhile).
 */
export interface ServerMetrics {
	/** The URL read. */
	url: string;
	/** Every `echokit_*` counter series of the second scrape, with its gain (0 included). */
	counters: MetricDelta[];
	/** The bench's own count over the run, all connections included. */
	client: {
		/** Connections the bench opened (churn: each cycle's, and the first probe). */
		connections: number;
		/** Bytes the kernel took from the bench for sending. */
		sentBytes: number;
		/** Bytes the bench read back. */
		receivedBytes: number;
	};
}

/** One counter series and how much it gained. */
export interface MetricDelta {
	/** e.g. `echokit_received_bytes_total`. */
	name: string;
	/** e.g. `{ transport: "tcp" }`. */
	labels: Record<string, string>;
	delta: number;
}
