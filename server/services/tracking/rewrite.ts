import { randomBytes } from 'node:crypto';

/**
 * Tracking in a compiled variant: its links and the open pixel become markers, which the send
 * worker fills per mail — with a token naming the delivery for people who gave tracking
 * consent, and one naming only the campaign and the variant for everybody else. The markers end
 * in a letter, so no marker is the start of another.
 */
export interface VariantTracking {
  /** Marker → the link's id in `campaign_links`. */
  links: Record<string, number>;
  /** The marker of the open pixel's URL. */
  open: string;
  /** The marker of the hidden trap link's URL (no person sees it; scanners follow it). */
  trap: string;
}

/** The link id a trap link's token carries: no stored link has it. */
export const TRAP_LINK = 0;

const HREF = /(<a\b[^>]*?\shref=")(https?:\/\/[^"]+)(")/gi;
const TEXT_URL = /https?:\/\/[^\s<>"]+/g;

const entities: Record<string, string> = {
  '&amp;': '&',
  '&quot;': '"',
  '&#39;': "'",
  '&#x27;': "'",
  '&lt;': '<',
  '&gt;': '>',
};

const unescapeHtml = (value: string) =>
  value.replace(/&(?:amp|quot|#39|#x27|lt|gt);/g, (e) => entities[e] ?? e);

/** The distinct http(s) link targets of a variant's HTML (hrefs of `<a>`) and text, in order. */
export function variantLinks(variant: { html: string; text: string }): string[] {
  const urls = new Set<string>();
  for (const match of variant.html.matchAll(HREF)) urls.add(unescapeHtml(match[2]!));
  for (const match of variant.text.matchAll(TEXT_URL)) urls.add(match[0]);
  return [...urls];
}

/**
 * The variant with its links, the open pixel and the trap link as markers. `ids` holds the id
 * of every URL `variantLinks` found.
 */
export function withTracking<V extends { html: string; text: string }>(
  variant: V,
  ids: ReadonlyMap<string, number>,
): V & { tracking: VariantTracking } {
  const nonce = randomBytes(9).toString('hex');
  const links: Record<string, number> = {};
  const marker = (url: string): string | undefined => {
    const id = ids.get(url);
    if (id === undefined) return undefined;
    const name = `lp_${nonce}_l${id}x`;
    links[name] = id;
    return name;
  };
  const tracking = { links, open: `lp_${nonce}_openx`, trap: `lp_${nonce}_trapx` };
  const pixel =
    `<img src="${tracking.open}" width="1" height="1" alt="" ` +
    'style="display:block;width:1px;height:1px;border:0;overflow:hidden" />';
  // Hidden from people and screen readers: whatever fetches it fetches every link.
  const trap =
    `<a href="${tracking.trap}" style="display:none;font-size:0;max-height:0" ` +
    'aria-hidden="true" tabindex="-1">&#8203;</a>';
  let html = variant.html.replace(HREF, (whole, before: string, url: string, after: string) => {
    const name = marker(unescapeHtml(url));
    return name ? `${before}${name}${after}` : whole;
  });
  const close = html.lastIndexOf('</body>');
  html =
    close < 0 ? html + pixel + trap : `${html.slice(0, close)}${pixel}${trap}${html.slice(close)}`;
  const text = variant.text.replace(TEXT_URL, (url) => marker(url) ?? url);
  return { ...variant, html, text, tracking };
}
