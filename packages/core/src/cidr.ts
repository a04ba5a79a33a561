/**
 * Address ranges written as CIDR (`10.0.0.0/8`, `fd00::/8`, or one address), matched with
 * Node's `BlockList`: who may send a PROXY header (`proxyFrom`).
 * @module
 */
import { BlockList, isIPv4, isIPv6 } from "node:net";

/** A set of address ranges; `has` tells whether a peer's address falls in one. */
export interface AddressRanges {
	has(address: string): boolean;
}

/**
 * Parses CIDR ranges. A bare address is a range of one (/32, /128). An IPv4 range also matches
 * the same addresses IPv4-mapped (`::ffff:10.0.0.1`), as a dual-stack listener reports them.
 * @returns the ranges, or the first entry that is not a range.
 */
export function parseRanges(
	entries: readonly string[],
): { ranges: AddressRanges } | { invalid: string } {
	const list = new BlockList();
	for (const entry of entries) {
		if (typeof entry !== "string") return { invalid: String(entry) };
		const [address = "", prefix, ...rest] = entry.trim().split("/");
		const type = isIPv4(address)
			? "ipv4"
			: isIPv6(address) && !address.includes("%")
				? "ipv6"
				: null;
		const max = type === "ipv4" ? 32 : 128;
		const bits = prefix === undefined ? max : /^\d{1,3}$/.test(prefix) ? Number(prefix) : -1;
		if (!type || rest.length > 0 || bits < 0 || bits > max) return { invalid: entry };
		list.addSubnet(address, bits, type);
	}
	return {
		ranges: {
			has(address) {
				if (isIPv4(address)) return list.check(address, "ipv4");
				return isIPv6(address) && list.check(address, "ipv6");
			},
		},
	};
}
