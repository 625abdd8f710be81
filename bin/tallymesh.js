#!/usr/bin/env node
// Launcher: loads the polyfill, registers the TypeScript loader (tsx) and runs the CLI.
import { register } from 'tsx/esm/api';
register();
await import('../polyfill.ts');
const { main } = await import('../cli/cli.ts');
await main(process.argv);
