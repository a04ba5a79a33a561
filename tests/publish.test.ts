/**
 * The publish flow against a real registry: a verdaccio server on a loopback port, its storage
 * in a temp folder, started and stopped here. `bun run release --publish-only --registry URL`
 * publishes every public package to it; then, in empty temp folders, `bun add` installs the
 * packages from it and `bunx echo-server` / `bunx echo-client` / `bunx -p @echokit/server
 * echo-server` talk to each other.
 *
 * Nothing leaves loopback: before anything is installed, the third-party packages the published
 * ones need (citty, consola, c12, prom-client, … and theirs: the closure of their dependencies,
 * at the versions `bun.lock` pins) are packed from this repository's `node_modules` and
 * published to the same registry (fixtures/registry/third-party.ts), and the test's npmrc makes
 * it the default registry for every name. Every command runs with its HTTP(S) proxy set to a
 * trap (fixtures/registry/trap-proxy.ts) that fails and records any request to another host;
 * the tests check it saw none. Bun's install cache and bunx's folders are private to the test,
 * so a package of the same version from an earlier run is never reused. The registry, the npmrc,
 * the trap and the private folders: fixtures/registry/local-registry.ts.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdirSync, mkdtempSync, readFileSync, realpathSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { run, workspaceRanges } from "../scripts/lib/pack.ts";
import { type Manifest, publishOrder, ROOT } from "../scripts/lib/workspace.ts";
import { type LocalRegistry, startRegistry } from "./fixtures/registry/local-registry.ts";
import { thirdPartyClosure } from "./fixtures/registry/third-party.ts";
import type { TrapProxy } from "./fixtures/registry/trap-proxy.ts";
import { killAll, ServerProcess } from "./fixtures/server/harness.ts";

const work = mkdtempSync(join(tmpdir(), "echokit-publish-"));
const dirs = {
	project: join(work, "project"),
	nothing: join(work, "nothing-installed"),
};
const packages = publishOrder();
let registry = "";
/**
 * For every `bun` and `bunx` here: the npmrc naming the registry and its token, private
 * caches, the trap as the proxy for every host but 127.0.0.1.
 */
let env: Record<string, string | undefined> = {};
let local: LocalRegistry;
let trap: TrapProxy;

beforeAll(async () => {
	for (const dir of Object.values(dirs)) mkdirSync(dir, { recursive: true });
	local = await startRegistry(work);
	({ url: registry, env, trap } = local);
	await local.publishInstalled(thirdPartyClosure(packages));
}, 60_000);

afterAll(() => {
	killAll();
	local?.stop();
	rmSync(work, { recursive: true, force: true });
});

const names = packages.map((p) => p.manifest.name);
const release = (...args: string[]) =>
	run(["bun", "run", "release", ...args, "--registry", registry], ROOT, env);

describe("bun run release, to a local registry", () => {
	test("--dry-run shows the pending versions, lists every public package and publishes none", async () => {
		const out = await release("--dry-run");
		expect(out).toMatch(/^changeset version: (no pending changesets|@echokit\/core \S+ → \S+)$/m);
		for (const { manifest } of packages) {
			expect(out).toContain(`${manifest.name}@${manifest.version}: would be published (dry run)`);
		}
		for (const name of names) expect((await packument(name)).status).toBe(404);
		expect(trap.requests).toEqual([]);
	}, 60_000);

	test("--publish-only publishes every public package, dependencies first", async () => {
		const out = await release("--publish-only");
		const lines = out.split("\n").filter((line) => line.includes(": published to"));
		expect(lines.map((line) => line.slice(0, line.lastIndexOf("@")))).toEqual(names);
		// A second run finds them there and publishes nothing again.
		expect(await release("--publish-only")).not.toContain(": published to");
		expect(trap.requests).toEqual([]);
	}, 120_000);

	test("no published package.json, in the registry's record or its tarball, says workspace:", async () => {
		for (const { manifest } of packages) {
			const response = await packument(manifest.name);
			expect(response.status).toBe(200);
			type Published = Manifest & { dist: { tarball: string } };
			const { versions } = (await response.json()) as { versions: Record<string, Published> };
			const record = versions[manifest.version];
			if (!record) throw new Error(`${manifest.name}@${manifest.version} is not on the registry`);
			expect(JSON.stringify(record)).not.toContain("workspace:");
			const tarball = join(work, `${manifest.name.replace("/", "+")}.tgz`);
			const bytes = await (await fetch(record.dist.tarball)).arrayBuffer();
			writeFileSync(tarball, new Uint8Array(bytes));
			const packed = await run(["tar", "-xzOf", tarball, "package/package.json"], work);
			expect(workspaceRanges(JSON.parse(packed) as Manifest)).toEqual([]);
			expect(packed).not.toContain("workspace:");
		}
	}, 60_000);
});

describe("installed from the registry, in an empty folder", () => {
	test("bun add -d the server, the client and a plugin; bunx echo-server and bunx echo-client", async () => {
		writeFileSync(join(dirs.project, "package.json"), '{ "name": "project", "private": true }\n');
		const add = ["@echokit/server", "@echokit/client", "@echokit/plugin-uppercase"];
		await run(["bun", "add", "-d", ...add], dirs.project, env);
		// Each installed package: a folder of the project's own (no link into this repository),
		// its package.json as the registry's tarball held it.
		for (const name of [...add, "@echokit/core"]) {
			const dir = join(dirs.project, "node_modules", name);
			expect(realpathSync(dir)).toBe(join(realpathSync(dirs.project), "node_modules", name));
			expect(readFileSync(join(dir, "package.json"), "utf8")).not.toContain("workspace:");
		}
		const server = new ServerProcess(
			["echo-server", "--port", "0", "--framing", "lines", "--plugin", "@echokit/plugin-uppercase"],
			{ command: ["bunx"], cwd: dirs.project, env },
		);
		const port = await server.listening();
		const client = ["bunx", "echo-client", "--port", `${port}`, "--framing", "lines"];
		expect(await run([...client, "-m", "from the registry"], dirs.project, env)).toBe(
			"FROM THE REGISTRY\n",
		);
		expect(await run(["bunx", "echo-server", "--version"], dirs.project, env)).toBe(
			`${version("@echokit/server")}\n`,
		);
		server.signal("SIGTERM");
		expect(await server.exited()).toBe(0);
		// Not one request for another host: everything came from the local registry.
		expect(trap.requests).toEqual([]);
	}, 180_000);

	test("bunx -p @echokit/server echo-server with nothing installed, answering bunx echo-client and bunx -p @echokit/client echo-client", async () => {
		const server = new ServerProcess(["-p", "@echokit/server", "echo-server", "--port", "0"], {
			command: ["bunx"],
			cwd: dirs.nothing,
			env,
		});
		const port = await server.listening();
		await server.waitFor(/Talk to it: bunx echo-client --port \d+/, "stderr");
		const client = ["echo-client", "--port", `${port}`, "-m", "hello", "-m", " world"];
		expect(await run(["bunx", ...client], dirs.project, env)).toBe("hello world");
		await server.waitFor(/Data received: hello/);
		// And the client with nothing installed either.
		const fetched = ["bunx", "-p", "@echokit/client", ...client.slice(0, 3), "-m", "again"];
		expect(await run(fetched, dirs.nothing, env)).toBe("again");
		server.signal("SIGTERM");
		expect(await server.exited()).toBe(0);
		// Not one request for another host: everything came from the local registry.
		expect(trap.requests).toEqual([]);
	}, 180_000);
});

function packument(name: string): Promise<Response> {
	return fetch(`${registry}${name.replace("/", "%2f")}`, {
		headers: { accept: "application/json" },
	});
}

function version(name: string): string {
	const pkg = packages.find((p) => p.manifest.name === name);
	if (!pkg) throw new Error(`no workspace package ${name}`);
	return pkg.manifest.version;
}
