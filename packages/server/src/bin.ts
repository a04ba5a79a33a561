#!/usr/bin/env bun
/**
 * `echo-server`: see ../README.md. Everything lives in command.ts; this is the one place the
 * process exits, with the code `main` resolves once the server is done.
 * @module
 */
import { main } from "./command.ts";
import { provideBundledModules } from "./standalone.ts";

provideBundledModules();

process.exit(await main(process.argv.slice(2)));
