/**
 * PROXY protocol headers written out from HAProxy's proxy-protocol.txt, for the tests: what a
 * proxy sends. Not a test file itself.
 */
import { isIPv4 } from "node:net";

/** `PROXY TCP4|TCP6 SRC DST SPORT DPORT\r\n`, or `PROXY UNKNOWN\r\n`. */
export function v1(
	family: "TCP4" | "TCP6" | "UNKNOWN",
	source?: { address: string; port: number },
	destination?: { address: string; port: number },
): Uint8Array {
	const line =
		family === "UNKNOWN" || !source || !destination
			? `PROXY ${family}`
			: `PROXY ${family} ${source.address} ${destination.address} ${source.port} ${destination.port}`;
	return new TextEncoder().encode(`${line}\r\n`);
}

export const V2_SIGNATURE = [
	0x0d, 0x0a, 0x0d, 0x0a, 0x00, 0x0d, 0x0a, 0x51, 0x55, 0x49, 0x54, 0x0a,
];

/**
 * A v2 header: `command` 0 LOCAL or 1 PROXY, `familyByte` (0x11 TCP4, 0x21 TCP6, 0x31 Unix
 * stream, 0x00 UNSPEC), the address block, then `tlvs` (bytes appended after it).
 */
export function v2(
	command: 0 | 1,
	familyByte: number,
	body: number[],
	tlvs: number[] = [],
): Uint8Array {
	const length = body.length + tlvs.length;
	return Uint8Array.from([
		...V2_SIGNATURE,
		0x20 | command,
		familyByte,
		length >> 8,
		length & 0xff,
		...body,
		...tlvs,
	]);
}

/** The address block of a v2 TCP4 (4-byte addresses) or TCP6 (16-byte) header. */
export function v2Addresses(
	source: number[],
	destination: number[],
	sourcePort: number,
	destinationPort: number,
): number[] {
	return [
		...source,
		...destination,
		sourcePort >> 8,
		sourcePort & 0xff,
		destinationPort >> 8,
		destinationPort & 0xff,
	];
}

/** A Unix address block: two NUL-padded 108-byte paths. */
export function v2Unix(source: string, destination: string): number[] {
	const pad = (path: string) => {
		const bytes = new Uint8Array(108);
		bytes.set(new TextEncoder().encode(path));
		return [...bytes];
	};
	return [...pad(source), ...pad(destination)];
}

/** `192.0.2.1` → its four bytes. */
export function ipv4Bytes(address: string): number[] {
	if (!isIPv4(address)) throw new Error(`not IPv4: ${address}`);
	return address.split(".").map(Number);
}

/** A full (uncompressed) IPv6 text → its 16 bytes; `::` expanded. */
export function ipv6Bytes(address: string): number[] {
	const [head = "", tail] = address.split("::");
	const groups = (text: string) => (text ? text.split(":").map((g) => Number.parseInt(g, 16)) : []);
	const left = groups(head);
	const right = tail === undefined ? [] : groups(tail);
	const all = [...left, ...new Array(8 - left.length - right.length).fill(0), ...right];
	return all.flatMap((g) => [g >> 8, g & 0xff]);
}
