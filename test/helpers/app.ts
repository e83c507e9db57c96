import type { FastifyInstance } from 'fastify';
import { startRuntime, type Role, type Runtime } from '../../server/runtime.js';
import { testConfig, type TestConfig } from './env.js';
import { startSmtpSink, type SmtpSink } from './smtp-sink.js';

export interface TestApp {
  runtime: Runtime;
  app: FastifyInstance;
  config: TestConfig;
  smtp: SmtpSink;
  /** http://127.0.0.1:PORT when started with listen: true */
  baseUrl: string;
  close(): Promise<void>;
}

/**
 * Landpost as `npm start` runs it (web + workers in one process) on the run's redis-server, a
 * fresh SQLite file and a recording SMTP server. `listen: true` also opens a real port (for the
 * browser); otherwise use app.inject().
 */
export async function startTestApp(
  opts: { env?: Record<string, string>; listen?: boolean; role?: Role } = {},
): Promise<TestApp> {
  const smtp = await startSmtpSink();
  const config = testConfig({ SMTP_URL: smtp.url, ...opts.env });
  const runtime = await startRuntime(config, opts.role ?? 'all');
  const app = runtime.app!;
  let baseUrl = '';
  if (opts.listen) {
    await app.listen({ port: 0, host: '127.0.0.1' });
    const address = app.server.address();
    baseUrl = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  }
  return {
    runtime,
    app,
    config,
    smtp,
    baseUrl,
    async close() {
      await runtime.stop();
      await smtp.close();
      config.cleanup();
    },
  };
}

/** Pull the first link to `path` (e.g. '/confirm/') out of a mail's text part. */
export function linkFrom(text: string | null | undefined, path: string): string {
  const match = new RegExp(`https?://[^\\s"<>]*${path.replace(/\//g, '\\/')}[A-Za-z0-9._~-]+`).exec(
    text ?? '',
  );
  if (!match) throw new Error(`no ${path} link in mail text:\n${text ?? ''}`);
  return match[0];
}
