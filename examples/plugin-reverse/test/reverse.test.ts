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

test("keeps grapheme clusters whole: skin tones, flags, combining marks", async () => {
	const t = testPlugin(reverse(), { framing: "lines" });
	await t.send("a👍🏽b\n🇫🇷🇩🇪\nx\u0301y\n");
	// Reversing code points would give "b🏽👍a", "🇪🇩🇷🇫" (other flags) and "y\u0301x".
	expect(t.text).toBe("b👍🏽a\n🇩🇪🇫🇷\nyx\u0301\n");
});
