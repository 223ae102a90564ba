#!/usr/bin/env node
// Entry point of the `rampart` command (bin/rampart.js runs the compiled copy of this file).
import { runCli } from "./main.js";

runCli(process.argv.slice(2)).then((code) => {
  process.exitCode = code;
});
