import { describe, expect, it } from 'vitest';
import {
  BurstWindow,
  burstFlags,
  classifyClick,
  DEFAULT_BURST_WINDOW_MS,
} from '../../../../server/services/tracking/rules.js';

const person = {
  method: 'GET',
  ip: '198.51.100.23',
  headers: {
    'user-agent': 'Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0',
  },
};

describe('burst flags for the batch writer', () => {
  it('flag the clicks that classifyClick calls a burst given all the others, in one pass', () => {
    let seed = 7;
    const random = () => (seed = (seed * 16807) % 2147483647) / 2147483647;
    for (let round = 0; round < 200; round++) {
      const clicks = Array.from({ length: 1 + Math.floor(random() * 12) }, () => ({
        at: Math.floor(random() * 4 * DEFAULT_BURST_WINDOW_MS),
        link: 1 + Math.floor(random() * 4),
      }));
      const flags = burstFlags(clicks);
      clicks.forEach((click, i) => {
        const verdict = classifyClick(person, {
          now: click.at,
          link: click.link,
          earlier: clicks.filter((_, j) => j !== i),
        });
        expect(flags[i], JSON.stringify({ clicks, i })).toBe(verdict.reason === 'burst');
      });
    }
  });

  it('do not flag one link clicked again and again, nor two links far apart', () => {
    expect(
      burstFlags([
        { at: 0, link: 1 },
        { at: 100, link: 1 },
        { at: 200, link: 1 },
      ]),
    ).toEqual([false, false, false]);
    expect(
      burstFlags([
        { at: 0, link: 1 },
        { at: 60_000, link: 2 },
      ]),
    ).toEqual([false, false]);
    expect(
      burstFlags([
        { at: 60_000, link: 2 },
        { at: 59_000, link: 3 },
      ]),
    ).toEqual([true, true]);
  });

  it('agree with the window the writer keeps per client, clicks added as they come', () => {
    let seed = 11;
    const random = () => (seed = (seed * 16807) % 2147483647) / 2147483647;
    for (let round = 0; round < 100; round++) {
      let at = 0;
      const clicks = Array.from({ length: 1 + Math.floor(random() * 600) }, () => ({
        at: (at += Math.floor(random() * 3000)),
        link: 1 + Math.floor(random() * 3),
      }));
      const window = new BurstWindow();
      const judged: boolean[] = [];
      let added = 0;
      // Judge each click once every click up to its time plus the window is in, as the writer does.
      for (const click of clicks) {
        while (added < clicks.length && clicks[added]!.at <= click.at + DEFAULT_BURST_WINDOW_MS)
          window.add(clicks[added]!.at, clicks[added++]!.link);
        judged.push(window.judgeNext());
      }
      expect(judged).toEqual(burstFlags(clicks));
    }
  });
});
