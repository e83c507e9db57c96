// Runs after `npm ci`: makes sure better-sqlite3's native binding exists and loads, building it
// from source with node-gyp when the package manager skipped its install script.
import { createRequire } from 'node:module';
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { existsSync } from 'node:fs';

const require = createRequire(import.meta.url);

function loads() {
  try {
    const Database = require('better-sqlite3');
    new Database(':memory:').close();
    return true;
  } catch {
    return false;
  }
}

if (!loads()) {
  const dir = dirname(require.resolve('better-sqlite3/package.json'));
  console.log('landpost: building the SQLite driver (better-sqlite3) from source …');
  // npm ships node-gyp; npm_execpath points at npm's own CLI script during `npm ci`.
  const npmDir = process.env.npm_execpath ? join(dirname(process.env.npm_execpath), '..') : '';
  const candidates = [
    join(npmDir, 'node_modules/node-gyp/bin/node-gyp.js'),
    '/usr/lib/node_modules/npm/node_modules/node-gyp/bin/node-gyp.js',
  ];
  const gyp = candidates.find((c) => c && existsSync(c)) ?? 'node-gyp';
  // Build against the installed Node headers where npm is configured so (no download needed).
  const nodedir =
    process.env.npm_config_nodedir || (existsSync('/usr/include/node/node.h') ? '/usr' : '');
  const args = [gyp, 'rebuild', '--release', ...(nodedir ? [`--nodedir=${nodedir}`] : [])];
  const built = spawnSync(process.execPath, args, { cwd: dir, stdio: 'inherit' });
  if (built.status !== 0 || !loads()) {
    console.error(
      'landpost: could not build better-sqlite3. Install a C++ toolchain (apt-get install -y build-essential python3) and run `npm rebuild better-sqlite3`.',
    );
    process.exit(1);
  }
}
