import { expect, test } from "bun:test";
import { testPlugin } from "@echokit/core/testing";
import reverse from "../src/index.ts";

test("reverses each line", async () => {
	const t = testPlugin(reverse(), { framing: "lines" });
	await t.send("hello\nabc\n");
	expect(t.text).toBe("olleh\ncba\n");
});

test("keeps emoji and accented letters whole", async () => {
	const t = testPlugin(reverse(), { framing: "lines" });
	await t.send("ok 👍🏽 cafe\u0301\n");
	expect(t.text).toBe("e\u0301fac 👍🏽 ko\n");
});
