/**
 * A 12-item edition for 10,000 recipients across 4 variants: MJML compiles once per variant,
 * each recipient only gets the placeholders filled. The baseline, measured in the same run,
 * is one compile per recipient (one compile's time × 10,000). Prints the figures; never
 * fails on timing.
 */
import { afterAll, bench, describe } from 'vitest';
import {
  compileVariant,
  personalise,
  type CompiledVariant,
  type Variant,
} from '../../emails/newsletter/index.js';
import { boerde, harz, org, twelveItemEdition } from '../helpers/edition.js';

const RECIPIENTS = 10_000;
const edition = twelveItemEdition();
const variants: Variant[] = [
  { language: 'de', region: harz, role: null },
  { language: 'de', region: boerde, role: 'volunteer' },
  { language: 'ar', region: harz, role: null },
  { language: 'en', region: null, role: null },
];
const figures = { compileMs: 0, runMs: 0, personaliseMs: 0, compiles: 0, bytes: 0, htmlKb: 0 };

afterAll(() => {
  const perRecipientUs = (figures.personaliseMs * 1000) / RECIPIENTS;
  const baselineMs = figures.compileMs * RECIPIENTS;
  console.log(
    `\nNewsletter, 12 items, ${RECIPIENTS.toLocaleString('en')} recipients, ${variants.length} variants:` +
      `\n  one MJML compile (baseline unit): ${figures.compileMs.toFixed(1)} ms` +
      `\n  MJML compiles in the run: ${figures.compiles}` +
      `\n  personalisation (incl. UTF-8 byte count): ${perRecipientUs.toFixed(2)} µs per recipient` +
      `\n  whole run (compiles + personalisation): ${figures.runMs.toFixed(0)} ms` +
      `\n  one compile per recipient would take: ${(baselineMs / 1000).toFixed(1)} s` +
      `\n  ratio whole run / compile per recipient: ${(figures.runMs / baselineMs).toFixed(5)}` +
      ` (${(baselineMs / figures.runMs).toFixed(0)}x faster)` +
      `\n  HTML per message: ${figures.htmlKb.toFixed(1)} KB; ${(figures.bytes / 1e6).toFixed(0)} MB of HTML and text produced`,
  );
});

const once = { iterations: 1, warmupIterations: 0, time: 0, warmupTime: 0 };

describe('newsletter: 10,000 recipients, 4 variants', () => {
  bench(
    'one MJML compile (baseline unit, median of 5)',
    async () => {
      await compileVariant(edition, variants[0]!, org); // warm-up: loads MJML's components
      const times: number[] = [];
      for (let i = 0; i < 5; i++) {
        const t = performance.now();
        await compileVariant(edition, variants[i % variants.length]!, org);
        times.push(performance.now() - t);
      }
      figures.compileMs = times.sort((a, b) => a - b)[2]!;
    },
    once,
  );

  bench(
    'compile per variant, personalise per recipient',
    async () => {
      const start = performance.now();
      const compiled: CompiledVariant[] = [];
      for (const variant of variants) {
        compiled.push(await compileVariant(edition, variant, org));
        figures.compiles++;
      }
      const t = performance.now();
      let bytes = 0;
      for (let i = 0; i < RECIPIENTS; i++) {
        const message = personalise(compiled[i % compiled.length]!, {
          name: i % 3 ? `Person ${i}` : undefined,
          unsubscribeUrl: `https://news.example.org/u/${i.toString(36)}x7Kq9Zp2?list=1`,
          preferencesUrl: `https://news.example.org/p/${i.toString(36)}x7Kq9Zp2`,
        });
        // Counting UTF-8 bytes flattens the concatenated strings, as writing the mail would.
        bytes += Buffer.byteLength(message.html) + Buffer.byteLength(message.text);
      }
      const end = performance.now();
      figures.personaliseMs = end - t;
      figures.runMs = end - start;
      figures.bytes = bytes;
      figures.htmlKb = Math.max(...compiled.map((variant) => variant.size)) / 1024;
    },
    once,
  );
});
