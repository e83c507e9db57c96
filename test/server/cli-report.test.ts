/**
 * `npx landpost report`: the funder's report as a PDF file for a period, from the operator's
 * shell; a wrong period or no --out is a usage error.
 */
import Database from 'better-sqlite3';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../server/cli.js';
import { loadConfig } from '../../server/config.js';
import { IndicatorRows } from '../helpers/indicators.js';
import { pdfPages } from '../helpers/pdf.js';

let dataDir: string;
const savedEnv = { ...process.env };

async function cli(...argv: string[]): Promise<{ code: number; out: string }> {
  const lines: string[] = [];
  const code = await runCli(argv, (line) => lines.push(line));
  return { code, out: lines.join('\n') };
}

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'lp-test-cli-report-'));
  process.env.DATA_DIR = dataDir;
  process.env.LOG_LEVEL = 'silent';
  delete process.env.SMTP_URL;
  delete process.env.REDIS_URL;
  expect((await cli('migrate')).code).toBe(0);
  const sqlite = new Database(loadConfig().databaseFile);
  const rows = new IndicatorRows(sqlite);
  rows.campaign(rows.edition(1, 'Frühjahr'), 'sent', '2017-04-03T09:00');
  rows.consultation('2017-05-02');
  sqlite.close();
});

afterAll(() => {
  process.env = savedEnv;
  rmSync(dataDir, { recursive: true, force: true });
});

describe('report', () => {
  it('writes the PDF for the period and prints the indicators', async () => {
    const file = join(dataDir, 'bericht.pdf');
    const { code, out } = await cli(
      'report',
      '--from',
      '2017-03-01',
      '--to',
      '2017-12-31',
      '--out',
      file,
    );
    expect(code).toBe(0);
    expect(out).toContain(`report for 2017-03-01 to 2017-12-31 written: ${file}`);
    expect(out).toContain('Versendete Newsletter: 1 of 7');
    const text = (await pdfPages(readFileSync(file))).join('\n');
    expect(text).toContain('Zeitraum: 01.03.2017 bis 31.12.2017');
    expect(text).toMatch(/Versendete Newsletter[\s\S]*?1 7 14 %/);
    expect(text).toContain('1. Frühjahr');
  });

  it('without --from and --to covers the programme period', async () => {
    const file = join(dataDir, 'programm.pdf');
    const { code, out } = await cli('report', '--out', file);
    expect(code).toBe(0);
    expect(out).toContain('report for 2017-03-01 to 2017-12-31');
  });

  it('a wrong day, an end before the start or no --out: says which, exit code 2', async () => {
    const file = join(dataDir, 'nie.pdf');
    expect(await cli('report', '--from', '2017-02-30', '--out', file)).toEqual({
      code: 2,
      out: '--from must be a day, YYYY-MM-DD',
    });
    expect(
      await cli('report', '--from', '2017-05-01', '--to', '2017-04-01', '--out', file),
    ).toEqual({
      code: 2,
      out: '--to is before --from',
    });
    expect((await cli('report')).code).toBe(2);
    expect(existsSync(file)).toBe(false);
  });
});
