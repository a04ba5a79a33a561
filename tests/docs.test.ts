/**
 * Docs are code: every README's code blocks run as a reader would run them in a fresh clone, and
 * the TypeScript they write type-checks. One sandbox per README (a temp dir whose node_modules
 * links the repository's), blocks in document order, one test per block.
 *
 * Markers go in the fence's info string after the language (GitHub shows only the language):
 *
 * - ```ts file=PATH — write the block to PATH in the sandbox (any language).
 * - ```ts run (js, tsx, mjs) — write it to doc-block-N.ts (.js, .tsx, …) and run it with `bun`;
 *   it must exit 0. A ```text output block right after it is what its stdout must show.
 * - ```console run — a transcript: `$ ` lines are commands (`\` continues one), the lines under
 *   each its expected output. ```sh run (bash, shell) — each line a command; exit 0.
 * - ```ts norun: REASON — not run, for a reason shown in the test output.
 * - ts, tsx, js, mjs, sh, bash, shell and console blocks without a marker fail the test.
 *
 * Expected output: an ordered subsequence of the printed lines (per stream), trailing spaces
 * ignored; `…` or `...` matches any text, `:` + 4–5 digits any port. A command must exit 0, or
 * non-zero when its output shows a code like `(E_USAGE)`. `echo-server` commands run in the
 * background on port 0 until the next one (or the README's end), then get SIGTERM and must exit
 * 0 having printed what the doc shows; `echo-client` commands get that server's port (or a port
 * where nothing listens when no server runs). Details: tests/fixtures/doctest/.
 */
import { afterAll, describe, test } from "bun:test";
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { ReadmeRun } from "./fixtures/doctest/runner.ts";

const ROOT = resolve(import.meta.dir, "..");

/** The READMEs covered: found by pattern, so a new package's README is tested once it exists. */
const PATTERNS = [
	"README.md",
	"packages/*/README.md",
	"plugins/*/README.md",
	"examples/*/README.md",
];

/** Room for a block with several commands, each limited to 30 s by the runner. */
const BLOCK_TIMEOUT_MS = 120_000;

const readmes = [
	...new Set(PATTERNS.flatMap((pattern) => [...new Bun.Glob(pattern).scanSync({ cwd: ROOT })])),
].sort();

for (const file of readmes) {
	describe(file, () => {
		const doc = new ReadmeRun(ROOT, file, readFileSync(resolve(ROOT, file), "utf8"));
		afterAll(() => doc.dispose());

		// A `norun: REASON` block is exempt, deliberately and visibly in the README's source;
		// a norun without a reason is an `invalid` step, which fails.
		for (const step of doc.steps) {
			if (step.kind !== "norun") test(doc.title(step), () => doc.run(step), BLOCK_TIMEOUT_MS);
		}
		if (doc.startsServers) {
			test(
				`${file}: the last server stops cleanly, printing what the doc shows`,
				() => doc.stopServer(),
				30_000,
			);
		}
		if (doc.writesTypeScript) {
			test(`${file}: the TypeScript it writes type-checks`, () => doc.typecheck(), 60_000);
		}
	});
}
