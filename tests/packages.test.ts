/**
 * What a user gets from the registry: each public package packed as `bun run release` packs it
 * (`bun pm pack`), then its file list and the metadata a registry page and a package manager
 * show. Files under `src/` are whatever runs; tests, fixtures and benchmark results stay home.
 */
import { afterAll, describe, expect, test } from "bun:test";
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { pack, workspaceRanges } from "../scripts/lib/pack.ts";
import { type Manifest, publishOrder, ROOT, workspacePackages } from "../scripts/lib/workspace.ts";

const scratch = mkdtempSync(join(tmpdir(), "echokit-pack-"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/** Files every package ships besides `src/`: npm always includes these when they exist. */
const TOP_LEVEL = /^(package\.json|README\.md|LICENSE(\.md)?|CHANGELOG\.md)$/;
/** What must never ship: tests, fixtures, scratch and benchmark output folders, test files. */
const NOT_SHIPPED =
	/(^|\/)(test|tests|__tests__|fixtures?|tmp-[^/]*|\.out)\/|\.(test|spec|bench)\.[cm]?[jt]sx?$|^bench\//;

const publicPackages = publishOrder();

test("the public packages: every workspace package that is not private", () => {
	const names = publicPackages.map((p) => p.manifest.name).sort();
	expect(names).toEqual(
		workspacePackages()
			.filter((p) => p.manifest.private !== true)
			.map((p) => p.manifest.name)
			.sort(),
	);
	expect(names).toContain("@echokit/server");
	expect(names).toContain("@echokit/client");
});

for (const pkg of publicPackages) {
	const { name } = pkg.manifest;
	const folder = relative(ROOT, pkg.dir);
	describe(name, () => {
		let packed: Awaited<ReturnType<typeof pack>> | undefined;
		const packedOnce = async () => {
			if (!packed) {
				const dir = join(scratch, name.replace("/", "+"));
				mkdirSync(dir, { recursive: true });
				packed = await pack(pkg, dir);
			}
			return packed;
		};

		test("ships src/, its README and package.json; no tests, fixtures or benchmarks", async () => {
			const { files } = await packedOnce();
			expect(files).toContain("package.json");
			expect(files).toContain("README.md");
			expect(files.filter((f) => !f.startsWith("src/") && !TOP_LEVEL.test(f))).toEqual([]);
			expect(files.filter((f) => NOT_SHIPPED.test(f))).toEqual([]);
		});

		test("every bin, export and types entry is a file in the tarball", async () => {
			const { files, manifest } = await packedOnce();
			for (const entry of entries(manifest)) expect(files).toContain(entry.replace(/^\.\//, ""));
		});

		test("description, keywords, repository, license, engines, files, types; no workspace: range", async () => {
			const { manifest } = await packedOnce();
			expect(manifest.description).toBeString();
			expect((manifest.keywords as string[]).length).toBeGreaterThan(0);
			expect(manifest.repository).toMatchObject({ type: "git", directory: folder });
			expect((manifest.repository as { url: string }).url).toStartWith("git+https://");
			expect(manifest.license).toBe("MIT");
			expect((manifest.engines as { bun?: string }).bun).toStartWith(">=");
			expect(manifest.files).toEqual(["src"]);
			if (manifest.exports) expect(manifest.types).toBe(manifest.exports["."]);
			// A scoped package is private on npm unless published public.
			if (name.startsWith("@")) expect(manifest.publishConfig).toEqual({ access: "public" });
			expect(workspaceRanges(manifest)).toEqual([]);
		});
	});
}

test("workspaceRanges names every workspace: range left in a manifest", () => {
	const manifest: Manifest = {
		name: "x",
		version: "1.0.0",
		dependencies: { a: "workspace:*", b: "1.2.3" },
		peerDependencies: { c: "workspace:^" },
	};
	expect(workspaceRanges(manifest)).toEqual([
		"dependencies: a@workspace:*",
		"peerDependencies: c@workspace:^",
	]);
});

/** The paths a manifest points a runtime or a type checker at. */
function entries(manifest: Manifest): string[] {
	return [
		...Object.values(manifest.bin ?? {}),
		...Object.values(manifest.exports ?? {}),
		...(manifest.types ? [manifest.types] : []),
	];
}
