import { describe, expect, test } from "bun:test";
import { Schedule } from "../src/bench/pace.ts";

describe("Schedule", () => {
	test("open loop: message n is due at start + n × interval and timed from then", () => {
		const schedule = new Schedule(10, 4);
		schedule.begin(100);
		expect(schedule.issued).toBe(1);
		expect(schedule.due(109)).toBe(false);
		expect(schedule.due(120)).toBe(true);
		expect(schedule.issued).toBe(3);
		// Late replies count their wait from when they were due, not from when they were sent.
		expect(schedule.complete(0, 130)).toBe(30);
		expect(schedule.complete(2, 145)).toBe(25);
		// The open loop issues on the clock only.
		expect(schedule.issued).toBe(3);
	});

	test("closed loop: pipeline messages in flight, each timed from when its slot came free", () => {
		const schedule = new Schedule(0, 2);
		schedule.begin(0);
		expect(schedule.issued).toBe(2);
		expect(schedule.complete(0, 5)).toBe(5);
		expect(schedule.issued).toBe(3);
		expect(schedule.complete(1, 7)).toBe(7);
		expect(schedule.issued).toBe(4);
		// Message 2 took slot 0 when message 0 came back at 5.
		expect(schedule.complete(2, 12)).toBe(7);
		expect(schedule.issued).toBe(5);
	});
});
