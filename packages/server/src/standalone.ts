/**
 * Running as a single-file executable (`bun build --compile`, see the root README's "Install"):
 * what differs from running `src/bin.ts` with Bun.
 *
 * - The code lives in Bun's embedded file system (`/$bunfs/root/…`, `B:\~BUN\root\…` on
 *   Windows), so there is no `bin.ts` on disk to start a worker with: a worker is the executable
 *   itself, with the same flags.
 * - A plugin or `echo.config.ts` given by path is still loaded from disk, but there is no
 *   `node_modules` holding `@echokit/*` next to it. {@link provideBundledModules} lets such
 *   files import the copies inside the executable (the same `PluginError`, `definePlugin`, …).
 *   Other packages they import must be installed where they are, as with Bun.
 */
import { plugin } from "bun";

/**
 * True inside an executable made by `bun build --compile`: Bun places the bundled modules in
 * its embedded file system, whose root is `/$bunfs/` (`B:\~BUN\` on Windows); see
 * https://bun.sh/docs/bundler/executables ("embedded files").
 */
export const STANDALONE = /^(\/\$bunfs\/|[A-Za-z]:\\~BUN\\)/.test(import.meta.dir);

/**
 * The command that starts another copy of this program with `args`: the executable itself, or
 * Bun running `bin` (the path of `bin.ts`).
 * @example
 * Bun.spawn(selfCommand(join(import.meta.dir, "bin.ts"), ["--port", "8888"]));
 */
export function selfCommand(bin: string, args: readonly string[]): string[] {
	return STANDALONE ? [process.execPath, ...args] : [process.execPath, bin, ...args];
}

/**
 * Inside an executable, lets plugin files and config files on disk `import` the `@echokit/*`
 * packages bundled in it (Bun's runtime plugin API, `build.module`: each module is loaded only
 * when first imported). Does nothing when run by Bun from source, where `node_modules` resolves
 * them. Call it once, before any plugin or config file is loaded.
 * @example
 * provideBundledModules(); // then: await import("/home/me/my-plugin.ts") may import "@echokit/core"
 */
export function provideBundledModules(): void {
	if (!STANDALONE) return;
	const modules: Record<string, () => Promise<Record<string, unknown>>> = {
		"@echokit/core": () => import("@echokit/core"),
		"@echokit/server": () => import("./index.ts"),
		"@echokit/plugin-delay": () => import("@echokit/plugin-delay"),
		"@echokit/plugin-echo": () => import("@echokit/plugin-echo"),
		"@echokit/plugin-hostname": () => import("@echokit/plugin-hostname"),
		"@echokit/plugin-log-only": () => import("@echokit/plugin-log-only"),
		"@echokit/plugin-uppercase": () => import("@echokit/plugin-uppercase"),
	};
	plugin({
		name: "echokit-bundled-modules",
		setup(build) {
			for (const [name, load] of Object.entries(modules)) {
				build.module(name, async () => ({ exports: await load(), loader: "object" }));
			}
		},
	});
}
