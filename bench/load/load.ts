/**
 * The load process of `bun run bench`: `echo-client bench` (the client's runBench) plus CPU
 * accounting over exactly the measured window: the server's (from /proc/PID/stat), its own, and
 * the whole machine's (from /proc/stat), so a run that other work disturbed can be told apart.
 * Prints one JSON line:
 * `{"report": BenchReport, "window": {wallSec, serverCpuSec, loadCpuSec, machineCpuSec}}`.
 *
 * Usage: bun bench/load/load.ts --server-pid PID <echo-client bench flags>
 * @module
 */
import { readFileSync } from "node:fs";
import { parseBenchArgs, runBench } from "../../packages/client/src/bench/index.ts";

const argv = process.argv.slice(2);
const at = argv.indexOf("--server-pid");
const serverPid = at === -1 ? Number.NaN : Number(argv[at + 1]);
if (!Number.isInteger(serverPid)) throw new Error("--server-pid PID is required");
argv.splice(at, 2);

let start = { wall: 0, server: 0, load: 0, machine: 0 };
const window = { wallSec: 0, serverCpuSec: 0, loadCpuSec: 0, machineCpuSec: 0 };
const report = await runBench({
	...parseBenchArgs(argv),
	onPhase(phase) {
		const now = {
			wall: performance.now(),
			server: serverCpuSec(),
			load: loadCpuSec(),
			machine: machineCpuSec(),
		};
		if (phase === "measure") start = now;
		else {
			window.wallSec = (now.wall - start.wall) / 1000;
			window.serverCpuSec = now.server - start.server;
			window.loadCpuSec = now.load - start.load;
			window.machineCpuSec = now.machine - start.machine;
		}
	},
});
console.log(JSON.stringify({ report, window }));

/** utime + stime of the server, from /proc/PID/stat (USER_HZ = 100). */
function serverCpuSec(): number {
	const stat = readFileSync(`/proc/${serverPid}/stat`, "utf8");
	const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
	return (Number(fields[11]) + Number(fields[12])) / 100;
}

/** Busy time of all CPUs (user, nice, system, irq, softirq, steal), from /proc/stat. */
function machineCpuSec(): number {
	const line = readFileSync("/proc/stat", "utf8").split("\n", 1)[0] as string;
	const [user, nice, system, , , irq, softirq, steal] = line.split(/\s+/).slice(1).map(Number);
	return (
		((user ?? 0) + (nice ?? 0) + (system ?? 0) + (irq ?? 0) + (softirq ?? 0) + (steal ?? 0)) / 100
	);
}

function loadCpuSec(): number {
	const usage = process.cpuUsage();
	return (usage.user + usage.system) / 1e6;
}
