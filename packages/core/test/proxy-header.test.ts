/**
 * The PROXY header parser against the specification (HAProxy's proxy-protocol.txt): its
 * examples and limits, then properties: a header split anywhere parses the same, garbage never
 * throws, and no wrong signature is ever accepted.
 */
import { describe, expect, test } from "bun:test";
import fc from "fast-check";
import { MAX_V1_LENGTH, MAX_V2_BODY, parseProxyHeader } from "../src/proxy-header.ts";
import { encoder } from "./helpers.ts";
import { ipv6Bytes, V2_SIGNATURE, v1, v2, v2Addresses, v2Unix } from "./proxy-headers.ts";

const text = (s: string) => encoder.encode(s);

describe("version 1 (text)", () => {
	test("the specification's examples: TCP4, TCP6 and UNKNOWN, with data after the header", () => {
		expect(
			parseProxyHeader(text("PROXY TCP4 192.168.0.1 192.168.0.11 56324 443\r\nGET /")),
		).toEqual({
			status: "done",
			length: 47,
			header: {
				version: 1,
				command: "proxy",
				family: "tcp4",
				source: { address: "192.168.0.1", port: 56324 },
				destination: { address: "192.168.0.11", port: 443 },
			},
		});
		const tcp6 = "PROXY TCP6 2001:db8::1 ::1 65535 0\r\n";
		expect(parseProxyHeader(text(tcp6))).toMatchObject({
			status: "done",
			length: tcp6.length,
			header: {
				family: "tcp6",
				source: { address: "2001:db8::1", port: 65535 },
				destination: { address: "::1", port: 0 },
			},
		});
		expect(parseProxyHeader(text("PROXY UNKNOWN\r\n"))).toEqual({
			status: "done",
			length: 15,
			header: { version: 1, command: "proxy", family: "unknown" },
		});
	});

	test("the longest header the specification allows (107 bytes, UNKNOWN with addresses) is read; one more byte is not", () => {
		const f = "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff";
		const longest = `PROXY UNKNOWN ${f} ${f} 65535 65535\r\n`;
		expect(longest.length).toBe(MAX_V1_LENGTH);
		expect(parseProxyHeader(text(longest))).toMatchObject({
			status: "done",
			length: 107,
			header: { family: "unknown" },
		});
		const tooLong = `PROXY UNKNOWN ${f} ${f} 65535 655350\r\n`;
		expect(parseProxyHeader(text(tooLong))).toMatchObject({ status: "error", missing: false });
		expect(parseProxyHeader(text(tooLong.slice(0, 106)))).toEqual({ status: "more" });
	});

	test.each([
		["PROXY TCP5 1.2.3.4 5.6.7.8 1 2\r\n", 'v1 protocol "TCP5"'],
		["PROXY TCP4 1.2.3.4 5.6.7.8 65536 2\r\n", 'port "65536"'],
		["PROXY TCP4 1.2.3.4 5.6.7.8 01 2\r\n", 'port "01"'],
		["PROXY TCP4 1.2.3.4 5.6.7.8 1\r\n", "needs 4 fields"],
		["PROXY TCP4 ::1 ::1 1 2\r\n", 'address "::1"'],
		["PROXY TCP6 1.2.3.4 ::1 1 2\r\n", 'address "1.2.3.4"'],
		["PROXY TCP6 fe80::1%eth0 ::1 1 2\r\n", 'address "fe80::1%eth0"'],
		["PROXY TCP4  1.2.3.4 5.6.7.8 1 2\r\n", "needs 4 fields"],
		["PROXY TCP4 1.2.3.4 5.6.7.8 1 2\n", "does not end with \\r\\n"],
	])("malformed: %j", (header, reason) => {
		const parsed = parseProxyHeader(text(header));
		expect(parsed).toMatchObject({ status: "error", missing: false });
		expect(parsed.status === "error" && parsed.reason).toContain(reason);
	});
});

describe("version 2 (binary)", () => {
	test("as HAProxy sends it (send-proxy-v2): PROXY TCP4, data after it", () => {
		// 172.19.0.1:42578 → 172.19.0.3:80, then "GET ".
		const bytes = Uint8Array.from([
			...V2_SIGNATURE,
			0x21,
			0x11,
			0x00,
			0x0c,
			0xac,
			0x13,
			0x00,
			0x01,
			0xac,
			0x13,
			0x00,
			0x03,
			0xa6,
			0x52,
			0x00,
			0x50,
			0x47,
			0x45,
			0x54,
			0x20,
		]);
		expect(parseProxyHeader(bytes)).toEqual({
			status: "done",
			length: 28,
			header: {
				version: 2,
				command: "proxy",
				family: "tcp4",
				source: { address: "172.19.0.1", port: 42578 },
				destination: { address: "172.19.0.3", port: 80 },
			},
		});
	});

	test("TCP6 addresses in RFC 5952 text; IPv4-mapped ones as ::ffff:a.b.c.d", () => {
		const header = v2(
			1,
			0x21,
			v2Addresses(ipv6Bytes("2001:db8:0:0:1:0:0:1"), ipv6Bytes("::ffff:c000:0201"), 1, 2),
		);
		expect(parseProxyHeader(header)).toMatchObject({
			status: "done",
			header: {
				family: "tcp6",
				source: { address: "2001:db8::1:0:0:1", port: 1 },
				destination: { address: "::ffff:192.0.2.1", port: 2 },
			},
		});
	});

	test("Unix stream: the paths (an abstract one as @name), port 0", () => {
		const header = v2(1, 0x31, v2Unix("/run/client.sock", "\0echo"));
		expect(parseProxyHeader(header)).toMatchObject({
			status: "done",
			length: 16 + 216,
			header: {
				family: "unix",
				source: { address: "/run/client.sock", port: 0 },
				destination: { address: "@echo", port: 0 },
			},
		});
	});

	test("LOCAL (health checks): accepted, whatever address block it carries, and no address taken", () => {
		expect(parseProxyHeader(v2(0, 0x00, []))).toEqual({
			status: "done",
			length: 16,
			header: { version: 2, command: "local", family: "unknown" },
		});
		expect(parseProxyHeader(v2(0, 0x11, [1, 2, 3]))).toMatchObject({
			status: "done",
			length: 19,
			header: { command: "local" },
		});
	});

	test("PROXY with UNSPEC or datagram addresses: accepted, no address taken (as HAProxy does)", () => {
		expect(parseProxyHeader(v2(1, 0x00, []))).toMatchObject({
			status: "done",
			header: { family: "unknown" },
		});
		const udp = v2(1, 0x12, v2Addresses([1, 2, 3, 4], [5, 6, 7, 8], 1, 2));
		expect(parseProxyHeader(udp)).toMatchObject({ status: "done", header: { family: "unknown" } });
	});

	test("TLVs after the addresses are skipped, up to the bound", () => {
		const addresses = v2Addresses([10, 0, 0, 1], [10, 0, 0, 2], 1000, 80);
		const alpn = [0x01, 0x00, 0x02, 0x68, 0x32]; // PP2_TYPE_ALPN "h2"
		const withTlv = v2(1, 0x11, addresses, alpn);
		expect(parseProxyHeader(withTlv)).toMatchObject({
			status: "done",
			length: 16 + 12 + 5,
			header: { source: { address: "10.0.0.1", port: 1000 } },
		});
		const padding = new Array(MAX_V2_BODY - 12).fill(0);
		expect(parseProxyHeader(v2(1, 0x11, addresses, padding))).toMatchObject({
			status: "done",
			length: 16 + MAX_V2_BODY,
		});
		const over = v2(1, 0x11, addresses, [...padding, 0]);
		expect(parseProxyHeader(over.subarray(0, 16))).toMatchObject({
			status: "error",
			missing: false,
		});
	});

	test.each([
		["version 1", [...V2_SIGNATURE, 0x11], "v2 version 1"],
		["command 2", [...V2_SIGNATURE, 0x22], "v2 command 2"],
		["family 4", [...V2_SIGNATURE, 0x21, 0x41, 0, 0], "0x41 are not defined"],
		[
			"TCP4 with a short address block",
			[...V2_SIGNATURE, 0x21, 0x11, 0, 4, 1, 2, 3, 4],
			"needs 12",
		],
		[
			"TCP6 with a TCP4 block",
			[...V2_SIGNATURE, 0x21, 0x21, 0, 12, ...new Array(12).fill(1)],
			"needs 36",
		],
	])("malformed: %s", (_name, bytes, reason) => {
		const parsed = parseProxyHeader(Uint8Array.from(bytes));
		expect(parsed).toMatchObject({ status: "error", missing: false });
		expect(parsed.status === "error" && parsed.reason).toContain(reason);
	});
});

describe("not a header", () => {
	test("a client talking straight to the server is told at its first byte; a near miss at the first wrong one", () => {
		expect(parseProxyHeader(text("hello\n"))).toMatchObject({ status: "error", missing: true });
		expect(parseProxyHeader(text("G"))).toMatchObject({ status: "error", missing: true });
		expect(parseProxyHeader(text("PROX"))).toEqual({ status: "more" });
		expect(parseProxyHeader(text("PROXZ"))).toMatchObject({ status: "error", missing: true });
		expect(parseProxyHeader(text("\r\n\r\n"))).toEqual({ status: "more" });
		expect(parseProxyHeader(text("\r\n\r\nGET"))).toMatchObject({ status: "error", missing: true });
		expect(parseProxyHeader(new Uint8Array())).toEqual({ status: "more" });
	});
});

/** A valid header of any kind, with the fields it must parse to. */
const headerArb = fc.oneof(
	fc.tuple(fc.ipV4(), fc.ipV4(), fc.nat(65535), fc.nat(65535)).map(([s, d, sp, dp]) => ({
		bytes: v1("TCP4", { address: s, port: sp }, { address: d, port: dp }),
		source: { address: s, port: sp },
	})),
	fc.tuple(fc.ipV6(), fc.ipV6(), fc.nat(65535), fc.nat(65535)).map(([s, d, sp, dp]) => ({
		bytes: v1("TCP6", { address: s, port: sp }, { address: d, port: dp }),
		source: { address: s, port: sp },
	})),
	fc.constant({ bytes: v1("UNKNOWN"), source: undefined }),
	fc
		.tuple(fc.ipV4(), fc.ipV4(), fc.nat(65535), fc.nat(65535), fc.uint8Array({ maxLength: 40 }))
		.map(([s, d, sp, dp, tlvs]) => ({
			bytes: v2(1, 0x11, v2Addresses(s.split(".").map(Number), d.split(".").map(Number), sp, dp), [
				...tlvs,
			]),
			source: { address: s, port: sp },
		})),
	fc
		.tuple(
			fc.uint8Array({ minLength: 16, maxLength: 16 }),
			fc.uint8Array({ minLength: 16, maxLength: 16 }),
			fc.nat(65535),
			fc.nat(65535),
		)
		.map(([s, d, sp, dp]) => ({
			bytes: v2(1, 0x21, v2Addresses([...s], [...d], sp, dp)),
			sourceBytes: [...s],
			port: sp,
		})),
	fc
		.uint8Array({ maxLength: 60 })
		.map((block) => ({ bytes: v2(0, 0x11, [...block]), source: undefined })),
);

describe("properties", () => {
	test("every proper prefix of a header wants more; the whole, with any data after it, parses to its fields and length", () => {
		fc.assert(
			fc.property(headerArb, fc.uint8Array({ maxLength: 64 }), (header, data) => {
				const { bytes } = header;
				for (let i = 0; i < bytes.byteLength; i++) {
					expect(parseProxyHeader(bytes.subarray(0, i))).toEqual({ status: "more" });
				}
				const whole = Uint8Array.from([...bytes, ...data]);
				const parsed = parseProxyHeader(whole);
				if (parsed.status !== "done") throw new Error(`not done: ${JSON.stringify(parsed)}`);
				expect(parsed.length).toBe(bytes.byteLength);
				if ("sourceBytes" in header) {
					expect(ipv6Bytes(parsed.header.source?.address ?? "")).toEqual(header.sourceBytes);
					expect(parsed.header.source?.port).toBe(header.port);
				} else {
					expect(parsed.header.source).toEqual(header.source);
				}
			}),
			{ numRuns: 300 },
		);
	});

	test("random bytes never throw, and are accepted only when they start with a signature", () => {
		const near = fc.oneof(
			fc.uint8Array({ maxLength: 300 }),
			fc
				.uint8Array({ maxLength: 300 })
				.map((tail) => Uint8Array.from([...text("PROXY "), ...tail])),
			fc.uint8Array({ maxLength: 300 }).map((tail) => Uint8Array.from([...V2_SIGNATURE, ...tail])),
		);
		fc.assert(
			fc.property(near, (bytes) => {
				const parsed = parseProxyHeader(bytes);
				expect(["more", "done", "error"]).toContain(parsed.status);
				if (parsed.status === "done") {
					const v1Start = Buffer.from(bytes.subarray(0, 6)).toString("latin1") === "PROXY ";
					const v2Start = V2_SIGNATURE.every((byte, i) => bytes[i] === byte);
					expect(v1Start || v2Start).toBe(true);
					expect(parsed.length).toBeLessThanOrEqual(bytes.byteLength);
				}
			}),
			{ numRuns: 2000 },
		);
	});

	test("a header with a wrong byte in its signature is refused as no header at all", () => {
		fc.assert(
			fc.property(headerArb, fc.nat(), fc.integer({ min: 1, max: 255 }), (header, at, flip) => {
				const bytes = Uint8Array.from(header.bytes);
				const signatureLength = bytes[0] === 0x50 ? 6 : 12;
				const index = at % signatureLength;
				bytes[index] = (bytes[index] as number) ^ flip;
				expect(parseProxyHeader(bytes)).toMatchObject({ status: "error", missing: true });
			}),
			{ numRuns: 1000 },
		);
	});
});
