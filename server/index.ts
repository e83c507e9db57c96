import { ConfigError, loadConfig } from './config.js';
import { startRuntime, type Role, type Runtime } from './runtime.js';
import type { Logger } from 'pino';
import { MissingPackageError } from './infra/system-packages.js';
import { SenderConfigError, startSender } from './sender.js';

/**
 * The only file that listens. `--role=web|worker` runs one role; default: both. `--role=sender`
 * runs a send worker alone (Redis and SMTP only, no database) for other hosts.
 */
function parseRole(argv: string[]): Role | 'sender' {
  // The last one counts: `npm run worker -- --role=sender` appends to the script's own.
  const arg = argv.findLast((a) => a.startsWith('--role='))?.slice('--role='.length) ?? 'all';
  if (arg === 'all' || arg === 'web' || arg === 'worker' || arg === 'sender') return arg;
  console.error(
    `landpost: unknown role "${arg}" (use --role=web, --role=worker, --role=sender or nothing for web and worker)`,
  );
  process.exit(2);
}

/** Stop on SIGINT/SIGTERM: finish or hand back active jobs, within the shutdown timeout. */
function stopOnSignals(stoppable: { stop(): Promise<void> }, log: Logger, timeoutMs: number) {
  let signals = 0;
  const shutdown = (signal: string) => {
    signals += 1;
    if (signals > 1) {
      log.warn('second signal: exiting now');
      process.exit(1);
    }
    log.info({ signal }, 'shutting down');
    const hardStop = setTimeout(() => {
      log.error('shutdown took too long; exiting');
      process.exit(1);
    }, timeoutMs + 10_000);
    hardStop.unref();
    stoppable
      .stop()
      .then(() => {
        log.info('stopped');
        process.exit(0);
      })
      .catch((err: unknown) => {
        log.error({ err }, 'error during shutdown');
        process.exit(1);
      });
  };
  process.on('SIGINT', () => shutdown('SIGINT'));
  process.on('SIGTERM', () => shutdown('SIGTERM'));
}

async function main() {
  const role = parseRole(process.argv.slice(2));
  let config;
  try {
    config = loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) {
      console.error(`landpost: ${err.message}`);
      process.exit(1);
    }
    throw err;
  }

  if (role === 'sender') {
    try {
      const sender = await startSender(config);
      sender.log.info('Landpost sender is running');
      stopOnSignals(sender, sender.log, config.shutdownTimeoutMs);
      return;
    } catch (err) {
      if (err instanceof SenderConfigError) {
        console.error(`landpost: ${err.message}`);
        process.exit(1);
      }
      throw err;
    }
  }

  let runtime: Runtime | undefined;
  try {
    runtime = await startRuntime(config, role, {
      // A service manager restarts the whole app when its own Redis cannot be kept running.
      onFatal: () => {
        void runtime?.stop().finally(() => process.exit(1));
        setTimeout(() => process.exit(1), config.shutdownTimeoutMs + 10_000).unref();
      },
    });
  } catch (err) {
    if (err instanceof MissingPackageError) {
      console.error(`landpost: ${err.message}`);
      process.exit(1);
    }
    throw err;
  }
  const { log } = runtime;

  if (runtime.app) {
    try {
      await runtime.app.listen({ port: config.port, host: config.host });
    } catch (err) {
      console.error(
        `landpost: cannot listen on ${config.host}:${config.port}: ${(err as Error).message}`,
      );
      await runtime.stop();
      process.exit(1);
    }
    log.info(
      `Landpost is running: ${config.publicUrl}${config.smtpUrl ? '' : ` (caught mail: ${config.publicUrl}/admin/mail)`}`,
    );
  } else {
    log.info('Landpost worker is running');
  }

  stopOnSignals(runtime, log, config.shutdownTimeoutMs);
}

main().catch((err: unknown) => {
  console.error('landpost: failed to start:', err instanceof Error ? err.message : err);
  process.exit(1);
});
