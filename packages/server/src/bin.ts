#!/usr/bin/env bun
// placeholder: the CLI lands in the next commits
console.error("not built yet");
process.exit(1);
