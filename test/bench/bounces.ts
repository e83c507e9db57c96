/**
 * `npm run bench:bounces`: agreement of the bounce classification with Sisimai's expectations,
 * for expected.json (the development set) and holdout.json separately, and for expected.json
 * the confusion of reasons (Sisimai's reason → ours). `--development` leaves the holdout out;
 * `--misses` lists every disagreement on expected.json.
 */
import { agreement, measure, type Agreement, type Outcome } from './bounce-corpus.js';

const percent = (share: number) => `${(share * 100).toFixed(1)} %`;

function summary(name: string, a: Agreement): string {
  return [
    `${name}: ${a.mails} mails`,
    `  kind (all mails)        ${percent(a.kind)}`,
    `  hard vs soft (bounces)  ${percent(a.hardSoft)}`,
    `  reason (bounces)        ${percent(a.reason)}`,
    `  auto-replies/delivered counted as bounces: ${a.notBouncesCountedAsBounces}`,
    `  complaints recognised: ${a.complaints.recognised} of ${a.complaints.expected}`,
  ].join('\n');
}

function confusion(outcomes: Outcome[]): string {
  const rows = new Map<string, Map<string, number>>();
  for (const o of outcomes) {
    const expected = `${o.expectation.reason} → ${o.expectedReason ?? o.expectedKind}`;
    const ours = o.expectedReason ? (o.result.reason ?? o.result.kind) : o.result.kind;
    const row = rows.get(expected) ?? new Map<string, number>();
    row.set(ours, (row.get(ours) ?? 0) + 1);
    rows.set(expected, row);
  }
  return [...rows.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([expected, row]) => {
      const cells = [...row.entries()].sort((a, b) => b[1] - a[1]);
      return `  ${expected.padEnd(36)} ${cells.map(([r, n]) => `${r} ${n}`).join(', ')}`;
    })
    .join('\n');
}

// --development measures expected.json alone: rules are developed without looking at the holdout.
const development = process.argv.includes('--development');
const expected = await measure('expected');
console.log(summary('expected.json', agreement(expected)));
if (!development) console.log(summary('holdout.json', agreement(await measure('holdout'))));
console.log('\nexpected.json, Sisimai reason → ours: our results');
console.log(confusion(expected));
if (process.argv.includes('--misses')) {
  console.log('\nexpected.json, disagreements:');
  for (const o of expected) {
    if (o.result.kind === o.expectedKind && o.result.reason === o.expectedReason) continue;
    console.log(
      `  ${o.expectation.file} ${o.expectation.source.split('/').pop()}: expected ${o.expectedKind}/${o.expectedReason ?? '-'} (${o.expectation.reason} ${o.expectation.deliverystatus}), got ${o.result.kind}/${o.result.reason ?? '-'} ${o.result.status ?? ''} ${o.result.recipient ?? ''} | ${(o.result.diagnostic ?? '').slice(0, 160)}`,
    );
  }
}
