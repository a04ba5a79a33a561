/**
 * WebSocket clients for the tests: Bun's own `WebSocket` with what it received kept in order,
 * and a raw one (a TCP socket that speaks the handshake and writes frames itself) for what a
 * well-behaved client never does: send invalid UTF-8, never read. Not a test file itself.
 */
import type { Socket } from "bun";

/** A received message: a string for a text message, bytes for a binary one. */
export type Received = string | Uint8Array;

export interface TestWebSocket {
	readonly ws: WebSocket;
	readonly received: Received[];
	/** Resolves with the close event (code, reason) once the connection closed. */
	readonly closed: Promise<CloseEvent>;
	/** Waits until `count` messages in all have arrived (or throws after 10 s). */
	receive(count: number): Promise<Received[]>;
}

/** Opens a WebSocket to `ws://127.0.0.1:PORT/` and waits until it is open. */
export async function openWebSocket(port: number, path = "/"): Promise<TestWebSocket> {
	const ws = new WebSocket(`ws://127.0.0.1:${port}${path}`);
	ws.binaryType = "arraybuffer";
	const received: Received[] = [];
	ws.onmessage = (event) =>
		received.push(typeof event.data === "string" ? event.data : new Uint8Array(event.data));
	const closed = new Promise<CloseEvent>((resolve) => {
		ws.onclose = resolve;
	});
	await new Promise<void>((resolve, reject) => {
		ws.onopen = () => resolve();
		ws.onerror = () => reject(new Error("WebSocket failed to open"));
	});
	return {
		ws,
		received,
		closed,
		async receive(count) {
			const deadline = Date.now() + 10_000;
			while (received.length < count) {
				if (Date.now() > deadline)
					throw new Error(`timed out waiting for ${count} messages, got ${received.length}`);
				await Bun.sleep(2);
			}
			return received;
		},
	};
}

/** A WebSocket spoken by hand over TCP: frames written as given, everything read kept. */
export interface RawWebSocket {
	readonly socket: Socket<undefined>;
	/** Bytes received after the handshake's response. */
	readonly bytes: () => Uint8Array;
	readonly closed: Promise<void>;
	/** Writes a masked frame with FIN set: opcode 1 text, 2 binary. @returns bytes taken. */
	frame(opcode: number, payload: Uint8Array): number;
}

/** Connects, sends the upgrade request and waits for the `101` response. */
export async function rawWebSocket(port: number): Promise<RawWebSocket> {
	const chunks: Uint8Array[] = [];
	const { promise: closed, resolve: onClose } = Promise.withResolvers<void>();
	const socket = await Bun.connect({
		hostname: "127.0.0.1",
		port,
		socket: {
			data: (_socket, chunk) => void chunks.push(new Uint8Array(chunk)),
			close: () => onClose(),
		},
	});
	socket.write(
		"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" +
			"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n",
	);
	const all = () => Buffer.concat(chunks);
	const deadline = Date.now() + 10_000;
	while (all().indexOf("\r\n\r\n") === -1) {
		if (Date.now() > deadline) throw new Error("no handshake response");
		await Bun.sleep(2);
	}
	if (!all().toString("latin1").startsWith("HTTP/1.1 101")) throw new Error("upgrade refused");
	const headerEnd = all().indexOf("\r\n\r\n") + 4;
	return {
		socket,
		bytes: () => all().subarray(headerEnd),
		closed,
		frame(opcode, payload) {
			return socket.write(maskedFrame(opcode, payload));
		},
	};
}

/** A client frame (RFC 6455 §5.2): FIN, opcode, masked payload. */
export function maskedFrame(opcode: number, payload: Uint8Array): Uint8Array {
	const length = payload.byteLength;
	const lengthBytes = length < 126 ? 0 : length < 65536 ? 2 : 8;
	const head = 2 + lengthBytes;
	const frame = new Uint8Array(head + 4 + length);
	frame[0] = 0x80 | opcode;
	const view = new DataView(frame.buffer);
	if (lengthBytes === 0) frame[1] = 0x80 | length;
	else if (lengthBytes === 2) {
		frame[1] = 0x80 | 126;
		view.setUint16(2, length);
	} else {
		frame[1] = 0x80 | 127;
		view.setBigUint64(2, BigInt(length));
	}
	const mask = [0x12, 0x34, 0x56, 0x78];
	frame.set(mask, head);
	for (let i = 0; i < length; i++)
		frame[head + 4 + i] = (payload[i] as number) ^ (mask[i % 4] as number);
	return frame;
}

/** The close code in a server's Close frame found in `bytes` (unmasked, RFC 6455 §5.5.1). */
export function closeCodeIn(bytes: Uint8Array): number | undefined {
	let at = 0;
	while (at + 2 <= bytes.byteLength) {
		const opcode = (bytes[at] as number) & 0x0f;
		let length = (bytes[at + 1] as number) & 0x7f;
		let head = 2;
		if (length === 126) {
			length = ((bytes[at + 2] as number) << 8) | (bytes[at + 3] as number);
			head = 4;
		} else if (length === 127) {
			length = Number(new DataView(bytes.buffer, bytes.byteOffset + at + 2, 8).getBigUint64(0));
			head = 10;
		}
		if (opcode === 0x8 && length >= 2)
			return ((bytes[at + head] as number) << 8) | (bytes[at + head + 1] as number);
		at += head + length;
	}
	return undefined;
}
