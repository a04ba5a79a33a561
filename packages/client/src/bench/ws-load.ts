/**
 * {@link startWsRr}: open `connections` WebSockets and run {@link WsRrConnection} on each.
 * @module
 */
import type { TLSOptions } from "bun";
import { tlsOptions } from "../tls.ts";
import { openError } from "../ws/errors.ts";
import type { WsTarget } from "../ws/url.ts";
import { CONNECT_CONCURRENCY, forEachLimited } from "./limit.ts";
import type { ResolvedBenchOptions } from "./options.ts";
import { type Load, paceLoad, rrSettings } from "./pace.ts";
import type { Pattern } from "./pattern.ts";
import type { BenchStats } from "./stats.ts";
import { openBenchSocket, WsRrConnection } from "./ws-rr.ts";

/**
 * Opens the WebSockets (at most {@link CONNECT_CONCURRENCY} handshakes at once) and starts the
 * load on all of them together. Rejects with `E_CONNECT`, `E_TLS` or `E_CA_FILE` when none opens.
 */
export async function startWsRr(
	options: ResolvedBenchOptions,
	target: WsTarget,
	pattern: Pattern,
	stats: BenchStats,
): Promise<Load> {
	const settings = rrSettings(options, pattern, stats);
	const tls = target.secure ? benchTls(options) : undefined;
	const connections: WsRrConnection[] = [];
	let lastError: unknown = null;
	await forEachLimited(options.connections, CONNECT_CONCURRENCY, async (index) => {
		const connection = new WsRrConnection(index, settings);
		try {
			await openBenchSocket(target.url, tls, options.connectTimeoutMs, connection);
			connections.push(connection);
			stats.connections++;
		} catch (error) {
			lastError = error;
			stats.errors++;
		}
	});
	if (connections.length === 0) {
		throw openError(target.url, lastError, 1006, options.caFile ?? undefined);
	}
	return paceLoad(connections, settings.intervalMs, (connection, _i, now) => {
		connection.start(now);
	});
}

/** `--ca` / `--insecure` as the WebSocket's `tls` option; none: the system's CAs. */
function benchTls(options: ResolvedBenchOptions): TLSOptions | undefined {
	const tls = tlsOptions({
		caFile: options.caFile ?? undefined,
		insecure: options.insecure,
		serverName: undefined,
	});
	return tls === true ? undefined : tls;
}
