import { describe, expect, it } from 'vitest';
import { variantLinks, withTracking } from '../../../../server/services/tracking/rewrite.js';

const html =
  '<html><body><p><a href="https://a.example/x?p=1&amp;q=2" style="color:red">A</a> ' +
  '<a href="https://b.example/">B</a> <a href="mailto:info@example.org">Mail</a> ' +
  '<a href="lp_abc_unsubscribe_url">Abbestellen</a> <img src="https://cdn.example/logo.png" alt="">' +
  '<a href="https://a.example/x?p=1&amp;q=2">A again</a></p></body></html>';
const text =
  'A: https://a.example/x?p=1&q=2\n[1] https://c.example/only-in-text\nlp_abc_unsubscribe_url\n';

describe('tracked variants', () => {
  it('finds each http(s) link once, decoded, in the HTML and the text; no mailto, images or placeholders', () => {
    expect(variantLinks({ html, text })).toEqual([
      'https://a.example/x?p=1&q=2',
      'https://b.example/',
      'https://c.example/only-in-text',
    ]);
  });

  it('puts markers for links, the pixel and the hidden trap link; unknown links stay', () => {
    const ids = new Map([
      ['https://a.example/x?p=1&q=2', 7],
      ['https://c.example/only-in-text', 12],
    ]);
    const tracked = withTracking({ html, text }, ids);
    const [a, c] = Object.keys(tracked.tracking.links);
    expect(tracked.tracking.links).toEqual({ [a!]: 7, [c!]: 12 });
    // No marker is the start of another: each ends in a letter.
    for (const marker of [a!, c!, tracked.tracking.open, tracked.tracking.trap])
      expect(marker).toMatch(/^lp_[0-9a-f]+_\w+x$/);
    expect(tracked.html.split(a!)).toHaveLength(3);
    expect(tracked.html).toContain('<a href="https://b.example/">B</a>');
    expect(tracked.html).toContain('href="mailto:info@example.org"');
    expect(tracked.html).toContain('src="https://cdn.example/logo.png"');
    expect(tracked.html).not.toContain('a.example');
    expect(tracked.html).toMatch(
      new RegExp(`<img src="${tracked.tracking.open}"[^>]*>.*aria-hidden="true"[^>]*>.*</body>`),
    );
    expect(tracked.text).toBe(`A: ${a}\n[1] ${c}\nlp_abc_unsubscribe_url\n`);
  });
});
