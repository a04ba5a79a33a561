#!/usr/bin/env bun
/**
 * `create-echokit-plugin <dir>`: see ../README.md. Everything lives in command.ts; this only sets
 * the exit code.
 * @module
 */
import { main } from "./command.ts";

process.exit(await main(process.argv.slice(2)));
