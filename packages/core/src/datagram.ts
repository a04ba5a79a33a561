import { EchoError } from "./errors.ts";

/** Options of {@link exchangeDatagram}. */
export interface DatagramOptions {
	/** Default `127.0.0.1`. */
	hostname?: string;
	/** Default `8888`. */
	port?: number;
	/** How long to wait for the reply. Default 2000. */
	timeoutMs?: number;
}

/**
 * Sends one UDP datagram and waits for the reply (RFC 862 datagram echo).
 * @returns the reply, or `null` when none came within `timeoutMs` (UDP may drop, a plugin may
 * reply nothing).
 * @example
 * const reply = await exchangeDatagram("ping", { port: 8888 });
 */
export async function exchangeDatagram(
	data: string | Uint8Array,
	options: DatagramOptions = {},
): Promise<Uint8Array | null> {
	const hostname = options.hostname ?? "127.0.0.1";
	const port = options.port ?? 8888;
	let deliver: (reply: Uint8Array | null) => void = () => {};
	const reply = new Promise<Uint8Array | null>((resolve) => {
		deliver = resolve;
	});
	const socket = await Bun.udpSocket({
		connect: { hostname, port },
		socket: { data: (_socket, datagram) => deliver(datagram) },
	});
	const timer = setTimeout(() => deliver(null), options.timeoutMs ?? 2000);
	try {
		if (!socket.send(data)) throw new EchoError("E_CONNECT", `cannot send to ${hostname}:${port}`);
		return await reply;
	} finally {
		clearTimeout(timer);
		socket.close();
	}
}
