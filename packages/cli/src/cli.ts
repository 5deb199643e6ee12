#!/usr/bin/env node
// The `oko-plugin` executable: one command run with this process's arguments, folder, environment
// and streams (main.ts does the work, so tests can run it in-process).
import { main } from './main.js';

process.exitCode = await main(process.argv.slice(2));
