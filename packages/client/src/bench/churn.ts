/**
 * Connection churn: each loop connects, sends one message, reads it back (checked), closes
 * (gracefully, or with a RST: see {@link BenchClose}), waits for the close, and starts over.
 * One cycle is one "message"; its latency runs from the connect call to the last echoed byte,
 * so it includes the TCP handshake and accept.
 * @module
 */
import type { Socket, SocketHandler } from "bun";
import { type Pattern, streamBase } from "./pattern.ts";
import type { BenchStats } from "./stats.ts";
import type { BenchClose } from "./types.ts";

/** What every loop of one run shares. */
export interface ChurnSettings {
	readonly hostname: string;
	readonly port: number;
	readonly size: number;
	readonly close: BenchClose;
	readonly pattern: Pattern;
	readonly stats: BenchStats;
}

/** Runs `loops` connect-echo-close loops until {@link ChurnLoad.stop}. */
export class ChurnLoad {
	private readonly running: Promise<void>[] = [];
	private readonly active = new Set<ChurnCycle>();
	private stopped = false;

	constructor(private readonly settings: ChurnSettings) {}

	/** Starts `loops` loops. */
	start(loops: number): void {
		for (let loop = 0; loop < loops; loop++) this.running.push(this.loop(loop));
	}

	/** Stops starting cycles; cycles still open after `graceMs` are cut. */
	async stop(graceMs: number): Promise<void> {
		this.stopped = true;
		const timer = setTimeout(() => {
			for (const cycle of this.active) cycle.cut();
		}, graceMs);
		await Promise.all(this.running);
		clearTimeout(timer);
	}

	private async loop(loop: number): Promise<void> {
		for (let round = 0; !this.stopped; round++) {
			const cycle = new ChurnCycle(streamBase(loop) + round * this.settings.size, this.settings);
			this.active.add(cycle);
			const ok = await cycle.run();
			this.active.delete(cycle);
			// Do not spin on a server that refuses: errors are counted, retry a little later.
			if (!ok) await Bun.sleep(10);
		}
	}
}

/** One connect-send-receive-close cycle; the Bun socket's `data`. */
class ChurnCycle {
	private socket: Socket<ChurnCycle> | null = null;
	private started = 0;
	private sent = 0;
	private received = 0;
	private bad = false;
	private done = false;
	private failed = false;
	private finish!: (ok: boolean) => void;

	constructor(
		private readonly base: number,
		private readonly settings: ChurnSettings,
	) {}

	/** Resolves true when the echo came back whole and the socket closed. */
	run(): Promise<boolean> {
		const { hostname, port } = this.settings;
		this.started = performance.now();
		const finished = new Promise<boolean>((resolve) => {
			this.finish = resolve;
		});
		Bun.connect<ChurnCycle>({ hostname, port, data: this, socket: churnHandlers }).then(
			(socket) => {
				this.socket = socket;
				this.settings.stats.connections++;
				this.pump();
			},
			() => this.fail(true),
		);
		return finished;
	}

	/** Terminates a cycle the server never finished. */
	cut(): void {
		this.fail();
		this.socket?.terminate();
	}

	onData(chunk: Uint8Array): void {
		const { size, pattern, stats } = this.settings;
		const length = chunk.byteLength;
		stats.receivedBytes += length;
		if (this.received + length > size) {
			this.cut();
			return;
		}
		if (!this.bad && !pattern.matches(this.base, this.received, chunk, 0, length)) {
			this.bad = true;
			stats.mismatches++;
		}
		this.received += length;
		if (this.received === size) {
			this.done = true;
			stats.complete(performance.now() - this.started);
			if (this.settings.close === "reset") this.socket?.terminate();
			else this.socket?.end();
		}
	}

	onDrain(): void {
		this.pump();
	}

	onClose(): void {
		if (!this.done) this.fail();
		this.finish(!this.failed);
	}

	private pump(): void {
		const socket = this.socket;
		if (socket === null || this.sent >= this.settings.size) return;
		const written = this.settings.pattern.write(socket, this.base, this.sent, this.settings.size);
		if (written > 0) {
			this.sent += written;
			this.settings.stats.sentBytes += written;
		}
	}

	/** Counts the cycle as an error once; `settle` ends it when no socket will report a close. */
	private fail(settle = false): void {
		if (!this.failed) {
			this.failed = true;
			this.settings.stats.errors++;
		}
		if (settle) this.finish(false);
	}
}

const churnHandlers: SocketHandler<ChurnCycle> = {
	data: (socket, chunk) => socket.data.onData(chunk),
	drain: (socket) => socket.data.onDrain(),
	close: (socket) => socket.data.onClose(),
	error: () => {},
	connectError: () => {},
};
