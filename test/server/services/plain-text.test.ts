import { describe, expect, it } from 'vitest';
import { isPlainText } from '../../../server/services/plain-text.js';

describe('the plain-text rule', () => {
  it('takes ordinary names in any script', () => {
    for (const name of [
      'Erika Mustermann',
      'Jürgen Groß-Öztürk',
      'محمد الأحمد',
      'Олена Коваль',
      "O'Brien",
    ]) {
      expect(isPlainText(name, 100), name).toBe(true);
    }
  });

  it('refuses control characters, line and paragraph separators and bidi overrides', () => {
    const bad = {
      NUL: 'a\u0000b',
      ESC: 'a\u001b[31mb',
      VT: 'a\u000bb',
      TAB: 'a\tb',
      LF: 'a\nb',
      CR: 'a\rb',
      DEL: 'a\u007fb',
      NEL: 'a\u0085b',
      LS: 'a\u2028b',
      PS: 'a\u2029b',
      RLO: 'a\u202eb',
      LRI: 'a\u2066b',
    };
    for (const [what, value] of Object.entries(bad))
      expect(isPlainText(value, 100), what).toBe(false);
  });

  it('refuses markup and overlong values', () => {
    expect(isPlainText('<b>x</b>', 100)).toBe(false);
    expect(isPlainText('x'.repeat(101), 100)).toBe(false);
    expect(isPlainText('x'.repeat(100), 100)).toBe(true);
  });
});
