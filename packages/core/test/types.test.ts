/**
 * Type tests for the plugin API: what `definePlugin` infers, and what it refuses. The
 * `expectTypeOf` checks and `@ts-expect-error` lines are verified by `tsc --noEmit`; the runtime
 * assertions check that the typed plugins also behave as typed.
 */
import { describe, expect, expectTypeOf, test } from "bun:test";
import {
	type ConnectionInfo,
	definePlugin,
	type Message,
	NO_REPLY,
	type Plugin,
	type PluginContext,
	type TransformResult,
} from "../src/index.ts";
import { testPlugin } from "../src/testing.ts";

describe("definePlugin types", () => {
	test("state is inferred from open, and transform and close see it typed", async () => {
		const counter = definePlugin({
			name: "counter",
			open: (connection) => {
				expectTypeOf(connection).toEqualTypeOf<ConnectionInfo>();
				return { seen: 0, label: `#${connection.id}` };
			},
			transform(message, ctx) {
				expectTypeOf(message).toEqualTypeOf<Message>();
				expectTypeOf(ctx.state).toEqualTypeOf<{ seen: number; label: string }>();
				expectTypeOf(ctx.connection.id).toBeNumber();
				ctx.state.seen++;
				return `${ctx.state.label} ${ctx.state.seen}`;
			},
			close(ctx) {
				expectTypeOf(ctx).toEqualTypeOf<PluginContext<{ seen: number; label: string }>>();
			},
		});
		expectTypeOf(counter).toEqualTypeOf<Plugin<{ seen: number; label: string }>>();

		const t = testPlugin(counter, { framing: "lines" });
		await t.send("a\nb\n");
		expect(t.text).toBe("#1 1\n#1 2\n");
	});

	test("without open, state is undefined", () => {
		const plain = definePlugin({
			name: "plain",
			transform(_message, ctx) {
				expectTypeOf(ctx.state).toEqualTypeOf<undefined>();
				return null;
			},
		});
		expectTypeOf(plain).toEqualTypeOf<Plugin<undefined>>();
		expectTypeOf(plain.name).toBeString();
		expect(plain.name).toBe("plain");
	});

	test("definePlugin is the identity", () => {
		const plugin = { name: "same", transform: () => null };
		expect(definePlugin(plugin)).toBe(plugin);
	});

	test("TransformResult: string, Uint8Array, null or NO_REPLY, never undefined", () => {
		expectTypeOf<TransformResult>().toEqualTypeOf<string | Uint8Array | null | typeof NO_REPLY>();
		expectTypeOf<undefined>().not.toExtend<TransformResult>();
		expectTypeOf(NO_REPLY).toExtend<TransformResult>();
		expectTypeOf<NonNullable<Plugin["transform"]>>().returns.toEqualTypeOf<
			TransformResult | Promise<TransformResult>
		>();
		expect(typeof NO_REPLY).toBe("symbol");
	});

	test("sync and async transforms with every result kind are accepted", async () => {
		const kinds = definePlugin({
			name: "kinds",
			async transform(message) {
				const text = message.text();
				if (text === "text") return "replaced";
				if (text === "bytes") return new Uint8Array([0x21]);
				if (text === "none") return NO_REPLY;
				return null;
			},
		});
		const t = testPlugin(kinds, { framing: "lines" });
		await t.send("text\nbytes\nnone\nsame\n");
		expect(t.text).toBe("replaced\n!\nsame\n");
	});

	test("an async transform may return NO_REPLY on its own", async () => {
		// Replying nothing after async work (log, store, forward) is an ordinary plugin. With
		// NO_REPLY typed `unique symbol`, TypeScript widens it to `symbol` in an async function
		// whose contextual return type is `TransformResult | Promise<TransformResult>`, and this
		// definition fails to type-check: the plugin author must not need an annotation.
		const quietAfterWork = definePlugin({
			name: "quiet-after-work",
			async transform() {
				await null;
				return NO_REPLY;
			},
		});
		const quietArrow = definePlugin({ name: "quiet-arrow", transform: async () => NO_REPLY });
		const quietSync = definePlugin({ name: "quiet-sync", transform: () => NO_REPLY });
		for (const plugin of [quietAfterWork, quietArrow, quietSync]) {
			const t = testPlugin(plugin, { framing: "lines" });
			await t.send("hello\n");
			expect(t.bytes.byteLength).toBe(0);
		}
	});

	test("a transform that forgets to return is a type error", () => {
		const forgetful = definePlugin({
			name: "forgetful",
			// @ts-expect-error: returns void, which is not a TransformResult
			transform(message) {
				message.text();
			},
		});
		const forgetfulAsync = definePlugin({
			name: "forgetful-async",
			// @ts-expect-error: resolves to void, which is not a TransformResult
			async transform() {
				await null;
			},
		});
		const explicitUndefined = definePlugin({
			name: "undefined",
			// @ts-expect-error: undefined is not "unchanged"; null is
			transform: () => undefined,
		});
		const wrongKind = definePlugin({
			name: "number",
			// @ts-expect-error: a number is not a result
			transform: () => 42,
		});
		expect([forgetful, forgetfulAsync, explicitUndefined, wrongKind]).toHaveLength(4);
	});

	test("a plugin needs a name, and state must match what open returns", () => {
		// @ts-expect-error: name is required
		const nameless = definePlugin({ transform: () => null });
		const mismatched = definePlugin<{ count: number }>({
			name: "mismatched",
			// @ts-expect-error: open must return the declared state
			open: () => ({ count: "zero" }),
		});
		const stateless = definePlugin({
			name: "stateless",
			transform(_message, ctx) {
				// @ts-expect-error: no open hook, so there is no state to read
				return ctx.state.count;
			},
		});
		expect([nameless, mismatched, stateless]).toHaveLength(3);
	});
});
