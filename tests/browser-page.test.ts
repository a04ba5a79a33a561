/**
 * The browser page (issue 11, item 3) in a real headless Chromium: Debian's `chromium` driven by
 * playwright-core (see fixtures/browser/chromium.ts). One browser and one tab for the whole file;
 * each test opens the page of its own server (fixtures/browser/target.ts says which server).
 */
import {
	afterAll,
	afterEach,
	beforeAll,
	describe,
	expect,
	setDefaultTimeout,
	test,
} from "bun:test";
import type { Browser, Page } from "playwright-core";
import { launchChromium, recordCspViolations, WAIT_MS } from "./fixtures/browser/chromium.ts";
import { startTarget, type Target, type TargetOptions } from "./fixtures/browser/target.ts";

let browser: Browser | undefined;
let page: Page;
let violations: string[];
const targets: Target[] = [];

// bun test's default is 5 s (bunfig.toml's [test] timeout is not read by Bun 1.4.5): room for a
// browser launch on a busy machine. A guard against hanging, not a timing check.
const LIMIT_MS = 60_000;
setDefaultTimeout(LIMIT_MS);

beforeAll(async () => {
	browser = await launchChromium();
	page = await browser.newPage();
	page.setDefaultTimeout(WAIT_MS);
	violations = await recordCspViolations(page);
}, LIMIT_MS);

afterAll(async () => {
	await browser?.close();
}, LIMIT_MS);

afterEach(async () => {
	await Promise.all(targets.splice(0).map((target) => target.stop()));
	expect(violations.splice(0)).toEqual([]);
});

/** Starts a server and opens its page; resolves once the page says the WebSocket is open. */
async function open(options: TargetOptions = {}): Promise<Target> {
	const target = await startTarget(options);
	targets.push(target);
	await page.goto(target.url);
	await expectStatus("open", "Open: connected to ws://");
	return target;
}

/** Types a message into the labelled input and presses Enter, as a person would. */
async function send(text: string): Promise<void> {
	const input = page.getByLabel("Enter message to send:");
	await input.fill(text);
	await input.press("Enter");
}

/** Waits until the page shows this many replies, then checks they are exactly these, in order. */
async function expectReceived(lines: string[]): Promise<void> {
	const replies = page.locator("#log li.received");
	await replies.nth(lines.length - 1).waitFor();
	expect(await replies.allTextContents()).toEqual(lines.map((line) => `Received: ${line}`));
}

/** Waits until the status line is in `state`, then checks its text. */
async function expectStatus(state: "open" | "closed", text: string): Promise<void> {
	const status = page.locator(`#status[data-state="${state}"]`);
	await status.waitFor();
	expect(await status.textContent()).toContain(text);
}

/** Whether the message input has the keyboard focus. */
function inputFocused(): Promise<boolean> {
	return page
		.getByLabel("Enter message to send:")
		.evaluate((input) => input.ownerDocument.activeElement === input);
}

describe("the browser page", () => {
	test("the lab's dialogue: Hi, Hello and 123 come back as Received: …", async () => {
		await open();
		expect(await page.title()).toContain("echokit");
		// Ready to type at once: the labelled input has the focus.
		expect(await inputFocused()).toBe(true);
		await send("Hi");
		await expectReceived(["Hi"]);
		await send("Hello");
		await send("123");
		await expectReceived(["Hi", "Hello", "123"]);
		expect(await page.locator("#log li.sent").allTextContents()).toEqual([
			"Sent: Hi",
			"Sent: Hello",
			"Sent: 123",
		]);
		// Sending clears the input and keeps the focus there for the next message.
		expect(await page.getByLabel("Enter message to send:").inputValue()).toBe("");
		expect(await inputFocused()).toBe(true);
	});

	test("with uppercase, Hi comes back as HI", async () => {
		await open({ plugin: "uppercase" });
		await send("Hi");
		await send("Hello");
		await expectReceived(["HI", "HELLO"]);
	});

	test("a reply is shown as text, never as HTML", async () => {
		await open();
		const markup = `<img src="/x" onerror="document.title='pwned'"><b>bold</b> & &amp;`;
		await send(markup);
		await expectReceived([markup]);
		const reply = page.locator("#log li.received");
		expect(await reply.evaluate((li) => li.childElementCount)).toBe(0);
		expect(await page.title()).not.toBe("pwned");
	});

	test("with log-only nothing is shown as received, the page stays usable, and a stop shows 1001", async () => {
		const target = await open({ plugin: "log-only" });
		await send("Hi");
		await target.received("Hi");
		// No reply is awaited: the next message goes at once.
		await send("Hello");
		await target.received("Hello");
		expect(await page.locator("#log li.sent").allTextContents()).toEqual([
			"Sent: Hi",
			"Sent: Hello",
		]);
		// The close frame of a stop comes after any reply the server sent: once the page shows it
		// closed, nothing can still be on the way.
		targets.splice(targets.indexOf(target), 1);
		await target.stop();
		await expectStatus("closed", "Closed (code 1001");
		expect(await page.locator("#log li.received").count()).toBe(0);
		expect(await page.locator("#send-button").isDisabled()).toBe(true);
	});

	test("a message over the limit shows the close code and reason; Reconnect opens a new WebSocket", async () => {
		await open({ maxMessageBytes: 16 });
		await send("x".repeat(17));
		await expectStatus("closed", "Closed (code 1009, reason: ");
		expect(await page.locator("#send-button").isDisabled()).toBe(true);
		await page.getByRole("button", { name: "Reconnect" }).click();
		await expectStatus("open", "Open: connected to ws://");
		expect(await page.getByRole("button", { name: "Reconnect" }).isHidden()).toBe(true);
		await send("Hi");
		await expectReceived(["Hi"]);
	});
});
