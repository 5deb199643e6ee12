#!/usr/bin/env node
// npm links this file as `oko-plugin` when it installs the workspace, before anything is built.
// It is tracked with its executable bit; tsc writes dist/cli.js without one, so the link cannot
// point at dist/cli.js directly.
import '../dist/cli.js';
