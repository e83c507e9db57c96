import { describe, expect, it } from 'vitest';
import { csvCell } from '../../../server/infra/csv.js';

describe('csv cells', () => {
  it('never carry control characters or bidi overrides raw (shown as U+FFFD instead)', () => {
    expect(csvCell('a\u0000b\u001bc')).toBe('a\uFFFDb\uFFFDc');
    expect(csvCell('evil\u202egpj.exe')).toBe('evil\uFFFDgpj.exe');
    expect(csvCell('a\u0085b')).toBe('a\uFFFDb');
    // Tabs and line breaks stay: they are quoted as usual.
    expect(csvCell('line\nbreak')).toBe('"line\nbreak"');
  });
});
