/**
 * `bun bench/on-data.ts [ROOT]`: the cost of one `Connection.onData` on the echo path (4 KiB
 * chunk, no plugins, a fake socket whose kernel takes everything), in ns, without the kernel.
 * Point ROOT at another checkout (e.g. a `git worktree` of an older commit) to compare the hot
 * path of two versions on this machine; run them alternately, the figures drift.
 * @module
 */
import { resolve } from "node:path";

const root = resolve(process.argv[2] ?? `${import.meta.dir}/..`);
const { Connection } = await import(`${root}/packages/core/src/connection.ts`);
const { connectionSettings } = await import(`${root}/packages/core/src/settings.ts`);
const settings = connectionSettings({});
const socket = {
	remoteAddress: "127.0.0.1",
	remotePort: 1,
	write: (data: Uint8Array) => data.byteLength,
	end() {},
	shutdown() {},
	terminate() {},
	pause() {},
	resume() {},
};
const connections = Array.from({ length: 64 }, () => {
	const connection = new Connection(socket, settings);
	connection.open();
	return connection;
});
const chunk = new Uint8Array(4096);
const CALLS = 5_000_000;
for (let round = 0; round < 5; round++) {
	const started = performance.now();
	for (let i = 0; i < CALLS; i++) connections[i & 63].onData(chunk);
	const ns = ((performance.now() - started) * 1e6) / CALLS;
	// Round 0 warms the JIT up.
	if (round > 0) console.log(`${root}: ${ns.toFixed(1)} ns per onData`);
}
