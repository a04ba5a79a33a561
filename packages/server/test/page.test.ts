import { describe, expect, test } from "bun:test";
import { PAGE_CSP, pageResponse } from "../src/page/response.ts";

/** The inline `<tag>` bodies of an HTML text. */
function inline(html: string, tag: string): string[] {
	return [...html.matchAll(new RegExp(`<${tag}>([\\s\\S]*?)</${tag}>`, "g"))].map(
		(m) => m[1] ?? "",
	);
}

function sha256(text: string): string {
	return `'sha256-${new Bun.CryptoHasher("sha256").update(text).digest("base64")}'`;
}

describe("the browser page's response", () => {
	test("is the HTML page, UTF-8, never cached, not sniffed", async () => {
		const response = pageResponse();
		expect(response.status).toBe(200);
		expect(response.headers.get("content-type")).toBe("text/html; charset=utf-8");
		expect(response.headers.get("cache-control")).toBe("no-store");
		expect(response.headers.get("x-content-type-options")).toBe("nosniff");
		const html = await response.text();
		expect(html).toStartWith("<!doctype html>");
		expect(html).toContain('<label for="message">Enter message to send:</label>');
	});

	test("is a new Response each time, so each request can read its body", async () => {
		const first = pageResponse();
		const second = pageResponse();
		expect(first).not.toBe(second);
		expect(await first.text()).toBe(await second.text());
	});

	test("its CSP loads nothing but the page's own inline script and style, and connects only to its origin", async () => {
		const html = await pageResponse().text();
		const csp = pageResponse().headers.get("content-security-policy") ?? "";
		expect(csp).toBe(PAGE_CSP);
		const directives = new Map(
			csp.split(";").map((part) => {
				const [name = "", ...values] = part.trim().split(/\s+/);
				return [name, values] as const;
			}),
		);
		expect(directives.get("default-src")).toEqual(["'none'"]);
		expect(directives.get("connect-src")).toEqual(["'self'"]);
		expect(directives.get("frame-ancestors")).toEqual(["'none'"]);
		expect(directives.get("base-uri")).toEqual(["'none'"]);
		expect(directives.get("img-src")).toEqual(["data:"]);
		const scripts = inline(html, "script");
		const styles = inline(html, "style");
		expect(scripts).toHaveLength(1);
		expect(styles).toHaveLength(1);
		expect(directives.get("script-src")).toEqual(scripts.map(sha256));
		expect(directives.get("style-src")).toEqual(styles.map(sha256));
		expect(csp).not.toContain("unsafe");
	});

	test("the page's script never writes HTML: replies go in with textContent", async () => {
		const [script = ""] = inline(await pageResponse().text(), "script");
		expect(script).toContain("textContent");
		expect(script).not.toMatch(/innerHTML|outerHTML|insertAdjacentHTML|document\.write|eval\(/);
	});
});
