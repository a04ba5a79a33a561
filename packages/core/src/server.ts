import type { udp } from "bun";
import type { Connection } from "./connection.ts";
import { EchoError, PluginError } from "./errors.ts";
import { startIdleSweep } from "./idle-sweep.ts";
import { listenStream, type StreamListener } from "./listen.ts";
import { type ConnectionSettings, connectionSettings } from "./settings.ts";
import type { ServerInfo, ServerOptions, ServerStats, StopOptions } from "./types.ts";
import { serveUdp } from "./udp.ts";

/**
 * A running echo server. Get one from {@link startServer}.
 * @example
 * const server = await startServer({ port: 0 });
 * console.log(`Listening on ${server.hostname}:${server.port}`);
 * await server.stop();
 */
export class EchoServer implements ServerInfo {
	private stopping: Promise<void> | null = null;

	/** @internal Use {@link startServer}. */
	constructor(
		private readonly stream: StreamListener,
		private readonly datagrams: udp.Socket<"buffer"> | null,
		private readonly settings: ConnectionSettings,
		private readonly open: ReadonlySet<Connection>,
		private readonly stopSweep: () => void,
		readonly unix: string | undefined,
	) {}

	get hostname(): string {
		return this.stream.hostname;
	}
	get port(): number {
		return this.stream.port;
	}
	get framing() {
		return this.settings.framing;
	}
	get logger() {
		return this.settings.logger;
	}
	/** Open connections now. */
	get connections(): number {
		return this.open.size;
	}

	/** Counters: connections, queued bytes, the peak queued for one connection, pauses, … */
	stats(): ServerStats {
		let queuedBytes = 0;
		let peakQueuedBytes = this.settings.stats.peakQueuedBytes;
		for (const connection of this.open) {
			queuedBytes += connection.out.bytes;
			peakQueuedBytes = Math.max(peakQueuedBytes, connection.out.peak);
		}
		return { ...this.settings.stats, connections: this.open.size, queuedBytes, peakQueuedBytes };
	}

	/**
	 * Stops accepting, lets every connection finish the replies it owes (a client's unfinished
	 * line is dropped), closes them, then runs the plugins' `stop` hooks. Connections still busy
	 * after `timeoutMs` are cut. Calling it again returns the same promise.
	 */
	stop(options: StopOptions = {}): Promise<void> {
		this.stopping ??= this.stopNow(options.timeoutMs ?? 5000);
		return this.stopping;
	}

	private async stopNow(timeoutMs: number): Promise<void> {
		this.stream.listener.stop(false);
		this.datagrams?.close();
		for (const connection of this.open) connection.stop();
		const deadline = Date.now() + timeoutMs;
		while (this.open.size > 0 && Date.now() < deadline) await Bun.sleep(5);
		for (const connection of this.open) connection.abort("server stop deadline passed");
		this.stream.listener.stop(true);
		this.stopSweep();
		if (this.unix) await removeFile(this.unix);
		for (const plugin of this.settings.plugins) {
			try {
				await plugin.stop?.(this);
			} catch (error) {
				this.logger.error(pluginError(plugin.name, "stop", error).message);
			}
		}
	}
}

/**
 * Starts an echo server: binds, runs the plugins' `start` hooks, and resolves once it accepts.
 * Rejects with an {@link EchoError}: `E_ADDR_IN_USE`, `E_LISTEN`, `E_INVALID_OPTION`, or a
 * {@link PluginError} `E_PLUGIN` when a plugin's `start` hook fails.
 * @example
 * import { startServer } from "@echokit/core";
 * import uppercase from "@echokit/plugin-uppercase";
 * const server = await startServer({ port: 0, framing: "lines", plugins: [uppercase()] });
 */
export async function startServer(options: ServerOptions = {}): Promise<EchoServer> {
	const settings = connectionSettings(options);
	settings.logger.debug(
		`maxConnections ${settings.maxConnections} (${settings.maxConnectionsReason})`,
	);
	const open = new Set<Connection>();
	const stream = await listenStream(settings, options, open);
	let datagrams: udp.Socket<"buffer"> | null = null;
	if (options.udp) {
		try {
			datagrams = await serveUdp(settings, stream.hostname, stream.port);
		} catch (error) {
			stream.listener.stop(true);
			const reason = error instanceof Error ? error.message : String(error);
			throw new EchoError(
				"E_LISTEN",
				`cannot serve UDP on ${stream.hostname}:${stream.port}: ${reason}`,
				{ cause: error },
			);
		}
	}
	const server = new EchoServer(
		stream,
		datagrams,
		settings,
		open,
		startIdleSweep(settings, open),
		options.unix,
	);
	for (const plugin of settings.plugins) {
		try {
			await plugin.start?.(server);
		} catch (error) {
			await server.stop({ timeoutMs: 0 });
			throw pluginError(plugin.name, "start", error);
		}
	}
	return server;
}

/** A `start` or `stop` hook's failure, naming the plugin and the hook. */
function pluginError(plugin: string, hook: "start" | "stop", error: unknown): PluginError {
	const reason = error instanceof Error ? error.message : String(error);
	return new PluginError("E_PLUGIN", reason, { plugin, hook, cause: error });
}

async function removeFile(path: string): Promise<void> {
	try {
		await Bun.file(path).delete();
	} catch {
		// Already gone.
	}
}
