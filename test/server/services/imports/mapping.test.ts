import { describe, expect, it } from 'vitest';
import { guessMapping, mappingProblem } from '../../../../server/services/imports/mapping.js';

describe('column mapping', () => {
  it('guesses German and English header names, each field once', () => {
    expect(
      guessMapping(['E-Mail', 'Name', 'Landkreis', 'Rolle', 'Themen', 'Sprache', 'Notiz']),
    ).toEqual(['email', 'name', 'region', 'roles', 'topics', 'language', 'ignore']);
    expect(guessMapping(['Email Address', 'Mail', 'Topics'])).toEqual([
      'email',
      'ignore',
      'topics',
    ]);
  });

  it('needs exactly one e-mail column and no field twice', () => {
    expect(mappingProblem(['name', 'ignore'])).toBe('emailMissing');
    expect(mappingProblem(['email', 'name', 'name'])).toBe('fieldTwice');
    expect(mappingProblem(['email', 'ignore', 'ignore'])).toBeNull();
  });

  it('ignores case, accents, umlauts and punctuation in header names', () => {
    expect(
      guessMapping([
        'EMAIL',
        'Voller Name',
        'Gemeindeschlüssel',
        'Tätigkeit',
        'Interessen',
        'Sprach-Code',
      ]),
    ).toEqual(['email', 'name', 'region', 'roles', 'topics', 'language']);
    expect(guessMapping(['Kommentar', 'Telefon'])).toEqual(['ignore', 'ignore']);
  });
});
