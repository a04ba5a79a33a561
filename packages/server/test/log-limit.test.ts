import { expect, test } from "bun:test";
import { LogLimiter, type Suppressed } from "../src/log-limit.ts";

/** A limiter of 3 lines per 1000 ms on a clock the test moves. */
function limiter() {
	const clock = { now: 0 };
	const reports: Suppressed<string>[] = [];
	const limit = new LogLimiter<string>(
		(suppressed) => reports.push(suppressed),
		{ lines: 3, windowMs: 1000 },
		() => clock.now,
	);
	return { limit, clock, reports };
}

test("the first lines of a kind in a window pass, the rest are counted and reported once", () => {
	const { limit, reports } = limiter();
	const passed = Array.from({ length: 10 }, (_, i) => limit.allow("proxy_header", `line ${i}`));
	expect(passed).toEqual([true, true, true, false, false, false, false, false, false, false]);
	expect(reports).toEqual([]);
	limit.flush();
	expect(reports).toEqual([{ key: "proxy_header", count: 7, windowSeconds: 1, first: "line 3" }]);
	limit.flush();
	expect(reports).toHaveLength(1);
});

test("kinds are limited apart: one flooding kind does not silence another", () => {
	const { limit, reports } = limiter();
	for (let i = 0; i < 5; i++) limit.allow("tls_handshake", "tls");
	expect(limit.allow("max_connections", "full")).toBe(true);
	limit.flush();
	expect(reports.map(({ key, count }) => [key, count])).toEqual([["tls_handshake", 2]]);
});

test("a new window starts after windowMs: the old one's count is reported first", () => {
	const { limit, clock, reports } = limiter();
	for (let i = 0; i < 4; i++) limit.allow("idle_timeout", `a${i}`);
	clock.now = 1000;
	expect(limit.allow("idle_timeout", "b0")).toBe(true);
	expect(reports).toEqual([{ key: "idle_timeout", count: 1, windowSeconds: 1, first: "a3" }]);
});

test("a window that left nothing out reports nothing", () => {
	const { limit, clock, reports } = limiter();
	limit.allow("stop", "one");
	clock.now = 5000;
	limit.allow("stop", "two");
	limit.flush();
	expect(reports).toEqual([]);
});

test("the timer armed at the first line left out reports when the window ends", async () => {
	const reports: Suppressed<string>[] = [];
	const limit = new LogLimiter<string>((s) => reports.push(s), { lines: 1, windowMs: 50 });
	limit.allow("line_too_long", "kept");
	limit.allow("line_too_long", "dropped");
	limit.allow("line_too_long", "dropped too");
	const deadline = Date.now() + 10_000;
	while (reports.length === 0 && Date.now() < deadline) await Bun.sleep(20);
	expect(reports).toEqual([
		{ key: "line_too_long", count: 2, windowSeconds: 0.05, first: "dropped" },
	]);
});
