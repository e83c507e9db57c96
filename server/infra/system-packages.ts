import { spawnSync } from 'node:child_process';
import { accessSync, constants, existsSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { commandEnv, systemPath } from '../config.js';

/** Find an executable on PATH (or at one of the given absolute paths). */
export function findExecutable(name: string, extra: string[] = []): string | undefined {
  const dirs = systemPath().split(delimiter).filter(Boolean);
  for (const candidate of [
    ...extra,
    ...dirs.map((d) => join(d, name)),
    `/usr/sbin/${name}`,
    `/usr/bin/${name}`,
  ]) {
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      /* not here */
    }
  }
  return undefined;
}

export class MissingPackageError extends Error {}

/**
 * Make sure a Debian package's binary is present. As root on Debian/Ubuntu it is installed with
 * apt-get (logged); otherwise this throws with one line that says how to get it.
 */
export function ensureDebianPackage(opts: {
  binary: string;
  pkg: string;
  alternative: string;
  log: (line: string) => void;
}): string {
  const found = findExecutable(opts.binary);
  if (found) return found;
  const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  const hasApt = existsSync('/etc/debian_version') && findExecutable('apt-get') !== undefined;
  if (!isRoot || !hasApt) {
    throw new MissingPackageError(
      `${opts.binary} is not installed: run \`sudo apt-get install -y ${opts.pkg}\`${opts.alternative ? ` or ${opts.alternative}` : ''}.`,
    );
  }
  opts.log(`${opts.binary} is missing: installing the Debian package ${opts.pkg} with apt-get …`);
  const env = commandEnv({ DEBIAN_FRONTEND: 'noninteractive' });
  const update = spawnSync('apt-get', ['update', '-qq'], {
    stdio: ['ignore', 'ignore', 'inherit'],
    env,
  });
  if (update.status !== 0)
    opts.log('apt-get update failed; trying the install with the old package lists');
  const install = spawnSync(
    'apt-get',
    ['install', '-y', '-qq', '-o', 'DPkg::Lock::Timeout=300', '--no-install-recommends', opts.pkg],
    {
      stdio: ['ignore', 'ignore', 'inherit'],
      env,
    },
  );
  const installed = findExecutable(opts.binary);
  if (install.status !== 0 || !installed) {
    throw new MissingPackageError(
      `installing ${opts.pkg} with apt-get failed: run \`apt-get install -y ${opts.pkg}\` by hand${opts.alternative ? ` or ${opts.alternative}` : ''}.`,
    );
  }
  opts.log(`installed ${opts.pkg} (${installed})`);
  return installed;
}
