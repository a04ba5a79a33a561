/**
 * The UDP transport's adapter (socket.ts): RFC 862 datagram echo. There is no connection, so no
 * {@link Connection}: each datagram is one message, run through the plugin chain with its own
 * plugin states (open → transform → close), and the reply goes back to the sender.
 */
import { countPluginError } from "./counters.ts";
import { logStack } from "./errors.ts";
import { Pipeline } from "./pipeline.ts";
import { isNoReply, type NoReply } from "./plugin.ts";
import { type ConnectionSettings, peerName } from "./settings.ts";
import type { Listener } from "./socket.ts";
import { sendReply } from "./udp-send.ts";

/**
 * Binds UDP on `hostname:port`. Throws what Bun throws (the caller maps it). Its listener's
 * `stop(false)` stops answering new datagrams; `stop(true, deadline)` waits until the replies
 * of async transforms still in flight are sent (or `deadline`, a `performance.now()` time,
 * passes), then closes the socket.
 */
export async function serveUdp(
	settings: ConnectionSettings,
	hostname: string,
	port: number,
): Promise<Listener> {
	const { logger, stats } = settings;
	const counters = settings.counters.udp;
	let stopping = false;
	/** Datagrams whose async transform has not settled: their replies are owed. */
	let inFlight = 0;
	const socket = await Bun.udpSocket({
		hostname,
		port,
		socket: {
			data(socket, datagram, remotePort, remoteAddress) {
				counters.bytesReceived += datagram.byteLength;
				if (stopping) return; // arrived after the stop began
				counters.messages++;
				if (settings.transforms.length === 0) {
					stats.datagrams++;
					if (sendReply(socket, datagram, remotePort, remoteAddress, logger))
						counters.bytesSent += datagram.byteLength;
					return;
				}
				const info = {
					id: settings.nextId(),
					transport: "udp" as const,
					remoteAddress,
					remotePort,
					framing: settings.framing,
				};
				const pipeline = new Pipeline(settings, info);
				// Never throws: a failed send is not the plugins' failure.
				const reply = (outcome: Uint8Array | NoReply) => {
					stats.datagrams++;
					if (!isNoReply(outcome) && sendReply(socket, outcome, remotePort, remoteAddress, logger))
						counters.bytesSent += outcome.byteLength;
				};
				const failed = (error: unknown) => {
					const failure = pipeline.asFailure(error);
					const { code, plugin, hook } = failure;
					countPluginError(counters, plugin);
					const remote = peerName({ remoteAddress, remotePort });
					logger.error(`${failure.message} (${code}, datagram from ${remote})`, {
						event: "plugin_error",
						code,
						plugin,
						hook,
						remote,
					});
					logStack(logger, failure);
				};
				let pending = false;
				try {
					pipeline.open();
					const outcome = pipeline.run(datagram);
					if (outcome instanceof Uint8Array || isNoReply(outcome)) reply(outcome);
					else {
						pending = true;
						inFlight++;
						outcome.then(reply, failed).finally(() => {
							inFlight--;
							pipeline.close();
						});
					}
				} catch (error) {
					failed(error);
				}
				if (!pending) pipeline.close();
			},
			// Bun 1.4.5 calls this with the error alone (`this` is the socket), unlike its types.
			// An ICMP error for an earlier reply lands here (`ECONNREFUSED … recv`, see
			// udp-send.ts): nothing to do, the socket goes on serving.
			error(first: unknown, second?: unknown) {
				const error = second instanceof Error ? second : first;
				logger.debug(`udp error: ${error instanceof Error ? error.message : String(error)}`);
			},
		},
	});
	return {
		kind: "udp",
		address: { hostname, port: socket.port },
		async stop(force, deadline = 0) {
			stopping = true;
			if (!force) return;
			while (inFlight > 0 && performance.now() < deadline) await Bun.sleep(5);
			socket.close();
		},
	};
}
