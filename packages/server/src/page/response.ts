/**
 * The browser page of `echo-server --ws-port PORT`, served at `/` on the WebSocket port: the lab's
 * dialogue ("Enter message to send:", "Received: …") over a WebSocket back to the same host and
 * port. One static HTML file ({@link ./index.html}), its script and style inline, no build step.
 *
 * The file is imported as text, so it is part of the bundle: it works from the source tree under
 * `bun`, and inside a `bun build --compile` executable, with no file read at run time.
 * @module
 */
import html from "./index.html" with { type: "text" };

// bun-types declares every `*.html` import as an HTMLBundle (Bun's full-stack HTML imports);
// with `type: "text"` Bun gives the file's text instead.
const PAGE = html as unknown as string;

/**
 * The page's Content-Security-Policy: nothing may load but the page's own inline script and style
 * (allowed by their SHA-256 hashes, computed from the file, so they cannot drift from it) and a
 * connection to the page's own origin — `connect-src 'self'`, which in CSP Level 3 also matches
 * `ws:`/`wss:` on the same host and port (W3C CSP3 §6.7.2.8, "does url match expression in origin
 * with redirect count"), and the page's empty `data:` icon. No frames, forms elsewhere, base URL
 * changes, other images or fonts.
 */
export const PAGE_CSP = [
	"default-src 'none'",
	`script-src ${hashes("script")}`,
	`style-src ${hashes("style")}`,
	"connect-src 'self'",
	// The page's empty icon (`<link rel="icon" href="data:,">`): without it the browser asks for
	// /favicon.ico, which the server answers 426.
	"img-src data:",
	"base-uri 'none'",
	"form-action 'none'",
	"frame-ancestors 'none'",
].join("; ");

/**
 * The headers sent with the page: HTML in UTF-8; `no-store`, so a browser always shows the page
 * of the server it talks to (it is a few KiB); the CSP above; no MIME sniffing; no referrer.
 */
export const PAGE_HEADERS: Readonly<Record<string, string>> = {
	"content-type": "text/html; charset=utf-8",
	"cache-control": "no-store",
	"content-security-policy": PAGE_CSP,
	"x-content-type-options": "nosniff",
	"referrer-policy": "no-referrer",
};

/**
 * A new `200` Response with the page and {@link PAGE_HEADERS}, for `GET /` on the WebSocket port.
 * A new one each call: a Response's body can be read only once.
 * @example
 * Bun.serve({ port: 8080, fetch: (request) => new URL(request.url).pathname === "/" ? pageResponse() : new Response(null, { status: 426 }) });
 */
export function pageResponse(): Response {
	return new Response(PAGE, { status: 200, headers: PAGE_HEADERS });
}

/** `'sha256-…'` of each inline `<tag>…</tag>` of the page, space-separated (CSP3 §2.3.1 hash-source). */
function hashes(tag: "script" | "style"): string {
	const found = [...PAGE.matchAll(new RegExp(`<${tag}>([\\s\\S]*?)</${tag}>`, "g"))].map(
		(match) => `'sha256-${new Bun.CryptoHasher("sha256").update(match[1] ?? "").digest("base64")}'`,
	);
	if (found.length === 0) throw new Error(`the page has no inline <${tag}>`);
	return found.join(" ");
}
