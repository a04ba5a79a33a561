import { expect, test } from "bun:test";
import { toWorkerMessage, type WorkerMessage } from "../src/worker-protocol.ts";

test("a worker's message is trusted only with a known type and its fields", () => {
	const ready: WorkerMessage = { type: "ready", pid: 42 };
	const metrics: WorkerMessage = { type: "metrics", id: 7, metrics: [] };
	expect(toWorkerMessage(ready)).toEqual(ready);
	expect(toWorkerMessage(metrics)).toEqual(metrics);
	const bad = [null, undefined, 1, "ready", {}, { type: "ready" }, { type: "metrics", id: 7 }];
	for (const raw of [...bad, { type: "metrics", metrics: [] }, { type: 1 }]) {
		expect(toWorkerMessage(raw)).toBeUndefined();
	}
});
