#!/usr/bin/env node
// `npx landpost …`: runs the TypeScript CLI through tsx (no build step).
import { register } from 'tsx/esm/api';

register();
try {
  const { runCli } = await import('../server/cli.ts');
  process.exitCode = await runCli(process.argv.slice(2));
} catch (err) {
  console.error(`landpost: ${err instanceof Error ? err.message : String(err)}`);
  process.exitCode = 1;
}
