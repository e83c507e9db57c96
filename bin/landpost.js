#!/usr/bin/env node
// `npx landpost …`: runs the TypeScript CLI through tsx (no build step).
import { register } from 'tsx/esm/api';

register();
const { runCli } = await import('../server/cli.ts');
process.exitCode = await runCli(process.argv.slice(2));
