import { expect, test } from "bun:test";
import { toWorkerMessage, type WorkerMessage } from "../src/worker-protocol.ts";

test("a worker's message is trusted only with a known type", () => {
	const ready: WorkerMessage = { type: "ready", pid: 42 };
	expect(toWorkerMessage(ready)).toEqual(ready);
	for (const raw of [null, undefined, 1, "ready", {}, { type: "metrics" }, { type: 1 }]) {
		expect(toWorkerMessage(raw)).toBeUndefined();
	}
});
