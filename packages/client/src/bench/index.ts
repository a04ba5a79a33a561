export { type BenchArgs, benchArgs, parseBenchArgs } from "./args.ts";
export { BENCH_DESCRIPTION, benchMain, benchUsage } from "./main.ts";
export {
	createProgressLine,
	type ProgressLine,
	type ProgressStream,
	progressText,
} from "./progress.ts";
export { formatReport } from "./report.ts";
export { runBench } from "./run.ts";
export type {
	BenchClose,
	BenchExpect,
	BenchMode,
	BenchOptions,
	BenchPayload,
	BenchProgress,
	BenchReport,
	LatencyUs,
	MetricDelta,
	ServerMetrics,
} from "./types.ts";
