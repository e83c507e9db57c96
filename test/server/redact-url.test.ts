import { describe, expect, it } from 'vitest';
import { redactUrl } from '../../server/app.js';

describe('request URLs in the log', () => {
  it('keep only the start of every token: confirm, unsubscribe, tracking, cancellation, ref, who', () => {
    expect(redactUrl('/confirm/abcdefghijklmnop')).toBe('/confirm/abcdef…');
    expect(redactUrl('/t/o/AbCdEfGhIjKlMnOp')).toBe('/t/o/AbCdEf…');
    expect(redactUrl('/t/c/AbCdEfGhIjKlMnOp?x=1')).toBe('/t/c/AbCdEf…?x=1');
    expect(redactUrl('/events/fortbildung-harz/cancel/abcdefghijkl')).toBe(
      '/events/fortbildung-harz/cancel/abcdef…',
    );
    expect(redactUrl('/signup?ed=3&ref=eyJzIjozMSwiZSI6MTc5.abcdef&src=flyer')).toBe(
      '/signup?ed=3&ref=eyJzIj…&src=flyer',
    );
    expect(redactUrl('/events/x?who=eyJzIjozMSwiZSI6MTc5.abcdef')).toBe('/events/x?who=eyJzIj…');
    expect(redactUrl('/archive/1-nr-1?lang=de')).toBe('/archive/1-nr-1?lang=de');
  });
});
