/**
 * The speed anchor: a bare `Bun.listen` echo with correct backpressure and nothing else.
 *
 * Bun's `socket.write` is unbuffered (it returns what the kernel took), so the rest of a chunk
 * is queued and sent from `drain`; reading pauses above a high-water mark and resumes below a
 * low one, so a client that never reads cannot grow memory. On FIN the queue is flushed before
 * closing (RFC 862: every byte received is returned).
 *
 * Usage: bun bench/servers/bare-bun.ts [--host 127.0.0.1] [--port 0]
 * Prints `Listening on HOST:PORT`.
 * @module
 */
import { parseArgs } from "node:util";

const HIGH_WATER = 1024 * 1024;
const LOW_WATER = HIGH_WATER / 4;

interface State {
	queue: Uint8Array[];
	head: number;
	queued: number;
	paused: boolean;
	ending: boolean;
}

const { values } = parseArgs({
	options: {
		host: { type: "string", default: "127.0.0.1" },
		port: { type: "string", default: "0" },
	},
});

const listener = Bun.listen<State>({
	hostname: values.host,
	port: Number(values.port),
	allowHalfOpen: true,
	socket: {
		open(socket) {
			socket.data = { queue: [], head: 0, queued: 0, paused: false, ending: false };
		},
		data(socket, chunk) {
			const state = socket.data;
			if (state.queued === 0) {
				const written = socket.write(chunk);
				if (written < 0 || written === chunk.byteLength) return;
				state.queue.push(chunk.subarray(written));
				state.queued += chunk.byteLength - written;
			} else {
				state.queue.push(chunk);
				state.queued += chunk.byteLength;
			}
			if (!state.paused && state.queued > HIGH_WATER) {
				state.paused = true;
				socket.pause();
			}
		},
		drain(socket) {
			const state = socket.data;
			while (state.head < state.queue.length) {
				const chunk = state.queue[state.head] as Uint8Array;
				const written = socket.write(chunk);
				if (written < 0) return;
				state.queued -= written;
				if (written < chunk.byteLength) {
					state.queue[state.head] = chunk.subarray(written);
					break;
				}
				state.head++;
			}
			if (state.queued === 0) {
				state.queue = [];
				state.head = 0;
				if (state.ending) socket.end();
			}
			if (state.paused && state.queued <= LOW_WATER) {
				state.paused = false;
				socket.resume();
			}
		},
		end(socket) {
			socket.data.ending = true;
			if (socket.data.queued === 0) socket.end();
		},
	},
});

console.log(`Listening on ${listener.hostname}:${listener.port}`);
