/**
 * The calendar file a registration's mail carries: lines end in CRLF and fold at 75 octets
 * without splitting a character, text is escaped, times are UTC, the UID is the one given.
 */
import { describe, expect, it } from 'vitest';
import {
  calendarFile,
  escapeText,
  foldLine,
  icsDateTime,
} from '../../../../server/services/registrations/ics.js';

const entry = {
  uid: 'registration-42@landpost.example',
  stamp: Date.UTC(2026, 3, 1, 9, 30),
  start: Date.UTC(2026, 4, 4, 8, 0),
  end: Date.UTC(2026, 4, 4, 14, 0),
  summary: 'Fördermittel; Anträge, Fristen',
  location: 'Dorfgemeinschaftshaus, Hasselfelde',
  description: 'Zeile eins\nZeile zwei mit \\ Backslash',
  url: 'https://landpost.example/events/2026-05-04-foerdermittel',
};

/** A file's content lines with the folds undone (RFC 5545 3.1). */
const unfold = (ics: string) => ics.replace(/\r\n /g, '').split('\r\n');

describe('calendarFile', () => {
  it('writes one VEVENT in UTC with the given UID, CRLF line ends', () => {
    const ics = calendarFile(entry);
    expect(ics.endsWith('\r\n')).toBe(true);
    expect(ics.replace(/\r\n/g, '')).not.toMatch(/[\r\n]/);
    const lines = unfold(ics);
    expect(lines.slice(0, 2)).toEqual(['BEGIN:VCALENDAR', 'VERSION:2.0']);
    expect(lines).toContain('UID:registration-42@landpost.example');
    expect(lines).toContain('DTSTART:20260504T080000Z');
    expect(lines).toContain('DTEND:20260504T140000Z');
    expect(lines).toContain('DTSTAMP:20260401T093000Z');
    expect(lines).toContain('SUMMARY:Fördermittel\\; Anträge\\, Fristen');
    expect(lines).toContain('LOCATION:Dorfgemeinschaftshaus\\, Hasselfelde');
    expect(lines).toContain('DESCRIPTION:Zeile eins\\nZeile zwei mit \\\\ Backslash');
    expect(lines.filter((l) => l === 'BEGIN:VEVENT')).toHaveLength(1);
  });

  it('leaves out the end when there is none', () => {
    expect(calendarFile({ ...entry, end: null })).not.toContain('DTEND');
  });

  it('folds long lines at 75 octets without splitting a character', () => {
    const summary = 'Трансформація сільських громад: '.repeat(8);
    const ics = calendarFile({ ...entry, summary });
    for (const line of ics.split('\r\n')) expect(Buffer.byteLength(line)).toBeLessThanOrEqual(75);
    expect(unfold(ics)).toContain(`SUMMARY:${escapeText(summary)}`);
    expect(ics).not.toContain('\uFFFD');
  });
});

describe('pieces', () => {
  it('escapes text values', () => {
    expect(escapeText('a,b;c\\d\r\ne')).toBe('a\\,b\\;c\\\\d\\ne');
  });
  it('writes instants in UTC', () => {
    expect(icsDateTime(Date.UTC(2026, 11, 1, 17, 0, 5))).toBe('20261201T170005Z');
  });
  it('keeps short lines as they are', () => {
    expect(foldLine('SUMMARY:kurz')).toBe('SUMMARY:kurz');
    expect(foldLine('x'.repeat(76))).toBe(`${'x'.repeat(75)}\r\n x`);
  });
});
