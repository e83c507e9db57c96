import { it } from 'vitest';
import { startTestApp } from '/work/main/test/helpers/app.js';
import { launchBrowser } from '/work/main/test/helpers/browser.js';
it('probe', async () => {
  const b = await launchBrowser();
  const t = await startTestApp({ listen: true });
  for (const lang of ['de', 'ar', 'en', 'uk']) {
    const c = await b.newContext({ viewport: { width: 320, height: 800 } });
    const p = await c.newPage();
    await p.goto(`${t.baseUrl}/?lang=${lang}`);
    const r = await p.evaluate(`(() => {
      const out = [];
      for (const el of document.querySelectorAll('body *')) {
        const r = el.getBoundingClientRect();
        if (r.right > 320.5 || r.left < -0.5) out.push(el.tagName + '#' + el.id + '.' + el.className + ' ' + Math.round(r.left) + '..' + Math.round(r.right) + ' ' + getComputedStyle(el).position);
      }
      return { sw: document.documentElement.scrollWidth, out: out.slice(0, 30) };
    })()`);
    console.log(lang, JSON.stringify(r, null, 1));
    await c.close();
  }
  await b.close(); await t.close();
}, 120000);
