import { describe, expect, test } from "bun:test";
import { bareHost, hostPort, resolveHost } from "../src/address.ts";

describe("host names and IP literals", () => {
	test("bareHost drops the brackets of an IPv6 address, nothing else", () => {
		expect(bareHost("[::1]")).toBe("::1");
		expect(bareHost("::1")).toBe("::1");
		expect(bareHost("127.0.0.1")).toBe("127.0.0.1");
		expect(bareHost("[name]")).toBe("[name]");
	});

	test("hostPort brackets IPv6 once, however it was written", () => {
		expect(hostPort("::1", 7)).toBe("[::1]:7");
		expect(hostPort("[::1]", 7)).toBe("[::1]:7");
		expect(hostPort("localhost", 7)).toBe("localhost:7");
	});

	test("resolveHost: literals as they are, without asking a resolver", async () => {
		expect(await resolveHost("::1")).toEqual([{ address: "::1", family: 6 }]);
		expect(await resolveHost("[::1]")).toEqual([{ address: "::1", family: 6 }]);
		expect(await resolveHost("127.0.0.1")).toEqual([{ address: "127.0.0.1", family: 4 }]);
	});

	test("resolveHost: localhost is both loopback addresses, each once, whatever /etc/hosts lists", async () => {
		for (const name of ["localhost", "LOCALHOST"]) {
			const found = await resolveHost(name);
			const addresses = found.map(({ address }) => address);
			expect(new Set(addresses).size).toBe(addresses.length);
			expect(found).toContainEqual({ address: "::1", family: 6 });
			expect(found).toContainEqual({ address: "127.0.0.1", family: 4 });
		}
	});
});
