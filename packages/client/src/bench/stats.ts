/**
 * Counters and the latency histogram of one bench run. One instance per run, shared by every
 * connection (the load generator is single-threaded), so recording is a field write and one
 * histogram call per message.
 * @module
 */
import * as hdr from "hdr-histogram-js";
import type { LatencyUs } from "./types.ts";

export type Phase = "warmup" | "measure" | "done";

export class BenchStats {
	phase: Phase = "warmup";
	/** Messages completed in this phase. */
	messages = 0;
	/** Over the whole run, warm-up included. */
	errors = 0;
	/** Over the whole run, warm-up included. */
	mismatches = 0;
	/** Connections opened, over the whole run. */
	connections = 0;
	/** Bytes the kernel took for sending, over the whole run (one addition per write). */
	sentBytes = 0;
	/** Bytes read back, over the whole run (one addition per read). */
	receivedBytes = 0;
	/** Pure-JS histogram (no WebAssembly to initialise); values in µs, 3 significant digits. */
	private readonly histogram = hdr.build({
		bitBucketSize: 64,
		numberOfSignificantValueDigits: 3,
		autoResize: true,
	});

	/** One message came back whole, `latencyMs` after it was sent (or scheduled). */
	complete(latencyMs: number): void {
		if (this.phase === "done") return;
		this.messages++;
		if (this.phase === "measure") this.histogram.recordValue(Math.round(latencyMs * 1000));
	}

	/** Ends the warm-up: counting and recording start from zero. */
	startMeasuring(): void {
		this.phase = "measure";
		this.messages = 0;
		this.histogram.reset();
	}

	/** Ends the measured window: later completions are ignored. */
	stopMeasuring(): void {
		this.phase = "done";
	}

	/** Percentiles of what was recorded, in µs (zeros when nothing was). */
	latency(): LatencyUs {
		const h = this.histogram;
		if (h.totalCount === 0) return { p50: 0, p90: 0, p99: 0, p999: 0, max: 0, mean: 0 };
		return {
			p50: h.getValueAtPercentile(50),
			p90: h.getValueAtPercentile(90),
			p99: h.getValueAtPercentile(99),
			p999: h.getValueAtPercentile(99.9),
			max: h.maxValue,
			mean: Math.round(h.mean * 10) / 10,
		};
	}
}
