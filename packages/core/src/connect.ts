import type { Socket, SocketHandler } from "bun";
import { hostPort } from "./address.ts";
import { EchoClient } from "./client.ts";
import { EchoError } from "./errors.ts";
import type { ClientOptions } from "./types.ts";

/**
 * Connects to an echo server over TCP, TLS or a Unix socket. With TLS it resolves only after
 * the handshake: Bun's `connect` resolves before it, and bytes written then are lost.
 * Rejects with `E_CONNECT` (refused, unreachable), `E_TLS` (handshake or certificate),
 * `E_CONNECT_TIMEOUT`, or `E_INVALID_OPTION` (options Bun refuses, e.g. a CA it cannot parse).
 * @example
 * const client = await connect({ hostname: "127.0.0.1", port: 8888, timeoutMs: 2000 });
 * const secure = await connect({ port: 8443, tls: { ca: Bun.file("ca.pem") } });
 */
export async function connect(options: ClientOptions = {}): Promise<EchoClient> {
	const address = options.unix ?? hostPort(options.hostname ?? "127.0.0.1", options.port ?? 8888);
	const timeoutMs = options.timeoutMs ?? 10_000;
	const client = new EchoClient(options.highWaterMark ?? 1024 * 1024);
	const tls = options.tls === true ? {} : options.tls || undefined;
	const verify = tls?.rejectUnauthorized !== false;
	let timer: Timer | undefined;
	let handshake: ((error: Error | null) => void) | undefined;
	const tlsError = (reason: string) =>
		new EchoError("E_TLS", `TLS with ${address} failed: ${reason}`);
	const handshaken = new Promise<void>((resolve, reject) => {
		handshake = (error) => (error ? reject(error) : resolve());
	});
	const socket: SocketHandler<EchoClient> = {
		data: (socket, chunk) => socket.data.onData(chunk),
		drain: (socket) => socket.data.onDrain(),
		end: (socket) => {
			socket.end();
		},
		close: (socket, error) => {
			socket.data.onClose(error);
			handshake?.(tlsError(error?.message ?? "connection closed during the handshake"));
		},
		error: (socket, error) => socket.data.onClose(error),
		handshake(socket, success, authorizationError) {
			if (!verify || (success && !authorizationError)) return handshake?.(null);
			handshake?.(tlsError(authorizationError?.message ?? "handshake failed"));
			socket.terminate();
		},
	};
	// Bun 1.4.5 neither calls `handshake` nor closes when it rejects a certificate itself (the
	// connection just hangs), so Bun is told to accept and the check happens in `handshake`.
	const bunTls = tls && { ...tls, rejectUnauthorized: false };
	const common = { data: client, allowHalfOpen: true, socket, tls: bunTls };
	let connecting: Promise<Socket<EchoClient>>;
	try {
		connecting = options.unix
			? Bun.connect<EchoClient>({ ...common, unix: options.unix })
			: Bun.connect<EchoClient>({
					...common,
					hostname: options.hostname ?? "127.0.0.1",
					port: options.port ?? 8888,
				});
	} catch (error) {
		// Bun throws synchronously on options it cannot use, e.g. a CA it cannot parse.
		const reason = error instanceof Error ? error.message : String(error);
		throw new EchoError("E_INVALID_OPTION", `cannot connect to ${address}: ${reason}`, {
			cause: error,
		});
	}
	const timeout = new Promise<never>((_, reject) => {
		const message = `connecting to ${address} timed out after ${timeoutMs} ms`;
		timer = setTimeout(() => reject(new EchoError("E_CONNECT_TIMEOUT", message)), timeoutMs);
	});
	try {
		// A TLS socket can close before `connecting` settles: watch the handshake from the start.
		const tlsFailed = handshaken.then(() => new Promise<never>(() => {}));
		const connected = await Promise.race([connecting, timeout, tlsFailed]);
		client.attach(connected as Socket<EchoClient>);
		if (tls) await Promise.race([handshaken, timeout]);
		handshake = undefined;
		return client;
	} catch (error) {
		connecting.then(
			(socket) => socket.terminate(),
			() => {},
		);
		if (error instanceof EchoError) throw error;
		const code = (error as { code?: string })?.code;
		const reason = code === "ECONNREFUSED" ? "connection refused" : (code ?? String(error));
		throw new EchoError("E_CONNECT", `cannot connect to ${address}: ${reason}`, { cause: error });
	} finally {
		clearTimeout(timer);
	}
}
