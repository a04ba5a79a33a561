/**
 * What `changeset version` would make of the pending changesets, without touching the
 * repository: it runs in a throwaway copy of HEAD (`git archive`, with the repository's
 * node_modules linked in), and the versions are read back from there. Unlike `changeset status`,
 * this needs no local `main` branch to diff against, so it works in any clone, shallow or
 * single-branch.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { run } from "./pack.ts";
import { publishOrder, ROOT } from "./workspace.ts";

/** One public package's version now (at HEAD) and after `changeset version`. */
export interface PendingVersion {
	name: string;
	from: string;
	to: string;
}

/**
 * The public packages whose version `changeset version` would change, in publish order.
 * Committed changesets only: the copy is HEAD's. Throws with git's or changesets' output.
 * @example
 * await pendingVersions(); // [{ name: "@echokit/core", from: "0.1.0", to: "0.2.0" }, …]
 */
export async function pendingVersions(root = ROOT): Promise<PendingVersion[]> {
	const scratch = mkdtempSync(join(tmpdir(), "echokit-release-preview-"));
	const tree = join(scratch, "tree");
	try {
		mkdirSync(tree);
		await run(["git", "archive", "--output", join(scratch, "head.tar"), "HEAD"], root);
		await run(["tar", "-xf", join(scratch, "head.tar"), "-C", tree], root);
		symlinkSync(join(root, "node_modules"), join(tree, "node_modules"), "dir");
		// The repository's pinned @changesets/cli, not whatever bunx would fetch elsewhere.
		await run([join(root, "node_modules/.bin/changeset"), "version"], tree);
		return publishOrder(root).flatMap(({ dir, manifest }) => {
			const file = join(tree, relative(root, dir), "package.json");
			const { version } = JSON.parse(readFileSync(file, "utf8")) as { version: string };
			return version === manifest.version
				? []
				: [{ name: manifest.name, from: manifest.version, to: version }];
		});
	} finally {
		rmSync(scratch, { recursive: true, force: true });
	}
}
