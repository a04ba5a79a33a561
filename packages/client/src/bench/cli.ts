#!/usr/bin/env bun
/**
 * A bare entry to the load generator, for scripts that want it without the rest of the client:
 * `bun packages/client/src/bench/cli.ts --port 9000 --connections 50 --json`.
 * @module
 */
import { benchMain } from "./main.ts";

process.exit(await benchMain(process.argv.slice(2)));
