/**
 * Holds many idle connections open, for the server-memory scenario. Each connection sends one
 * byte and waits for it to come back (so the server has surely accepted and served it), then
 * stays silent. Prints one JSON line `{"open":N,"failed":M}` on stdout once all are settled,
 * then waits until stdin closes (or says anything), closes every socket and exits.
 *
 * Usage: bun bench/load/idle.ts --port P [--host 127.0.0.1] [--connections 10000]
 * @module
 */
import { parseArgs } from "node:util";
import type { Socket } from "bun";

/** Connects in flight at once: bounded so the listen backlog never overflows into SYN retries. */
const CONCURRENCY = 200;
const PING = new Uint8Array([0x2a]);

const { values } = parseArgs({
	options: {
		host: { type: "string", default: "127.0.0.1" },
		port: { type: "string" },
		connections: { type: "string", default: "10000" },
	},
});
const total = Number(values.connections);
const sockets: Socket<Pending>[] = [];
let failed = 0;

interface Pending {
	echoed: () => void;
	lost: () => void;
}

/** Opens one connection and resolves once its byte came back; false when it failed. */
function openOne(): Promise<boolean> {
	return new Promise((resolve) => {
		const timer = setTimeout(() => resolve(false), 10_000);
		const settle = (ok: boolean) => {
			clearTimeout(timer);
			resolve(ok);
		};
		const pending: Pending = { echoed: () => settle(true), lost: () => settle(false) };
		Bun.connect<Pending>({
			hostname: values.host,
			port: Number(values.port),
			data: pending,
			socket: {
				data: (socket) => socket.data.echoed(),
				close: (socket) => socket.data.lost(),
				error: () => {},
			},
		}).then(
			(socket) => {
				sockets.push(socket);
				socket.write(PING);
			},
			() => settle(false),
		);
	});
}

let next = 0;
await Promise.all(
	Array.from({ length: Math.min(CONCURRENCY, total) }, async () => {
		while (next < total) {
			next++;
			if (!(await openOne())) failed++;
		}
	}),
);
console.log(JSON.stringify({ open: total - failed, failed }));

for await (const _ of process.stdin) break;
for (const socket of sockets) socket.terminate();
process.exit(0);
