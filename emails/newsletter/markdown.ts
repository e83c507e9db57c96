/**
 * The Markdown editors may use in intros and item descriptions: paragraphs (single line breaks
 * kept), `*emphasis*`/`_emphasis_`, `**strong**`, `[label](url)` links and `-`/`1.` lists.
 * Everything else is text. The source is parsed into nodes first and every string is escaped
 * when written out, so no markup an editor types ever reaches the mail as markup.
 */

export type Inline =
  | { type: 'text'; value: string }
  | { type: 'em' | 'strong'; children: Inline[] }
  | { type: 'link'; href: string; children: Inline[] };

export type MarkdownBlock =
  { type: 'paragraph'; lines: Inline[][] } | { type: 'list'; ordered: boolean; items: Inline[][] };

/**
 * The link schemes editors may use: the one rule, applied here when rendering and by the item
 * validator when an editor saves.
 */
export const linkProtocols: ReadonlySet<string> = new Set(['http:', 'https:', 'mailto:', 'tel:']);

/** The URL if it is absolute and uses http, https, mailto or tel; otherwise null. */
export function safeUrl(value: string | undefined): string | null {
  const trimmed = value?.trim();
  if (!trimmed) return null;
  let url: URL;
  try {
    url = new URL(trimmed);
  } catch {
    return null;
  }
  return linkProtocols.has(url.protocol) ? url.href : null;
}

/** Only http and https: for images, buttons and the organisation's own pages. */
export function webUrl(value: string | undefined): string | null {
  const url = safeUrl(value);
  return url && /^https?:/.test(url) ? url : null;
}

const inlinePattern =
  /\[([^\]\n]+)\]\(((?:[^()\s]|\([^()\s]*\))+)\)|\*\*([^*\n]+)\*\*|\*([^*\n]+)\*|(?<![\p{L}\p{N}_])_([^_\n]+)_(?![\p{L}\p{N}_])/gu;

export function parseInline(source: string): Inline[] {
  const nodes: Inline[] = [];
  let last = 0;
  for (const match of source.matchAll(inlinePattern)) {
    const index = match.index;
    if (index > last) nodes.push({ type: 'text', value: source.slice(last, index) });
    const [, label, href, strong, em, underscore] = match;
    if (label !== undefined && href !== undefined) {
      const url = safeUrl(href);
      const children = parseInline(label);
      // A link with a refused scheme (javascript:, data:, relative …) keeps only its label.
      nodes.push(...(url ? [{ type: 'link' as const, href: url, children }] : children));
    } else if (strong !== undefined) {
      nodes.push({ type: 'strong', children: parseInline(strong) });
    } else {
      nodes.push({ type: 'em', children: parseInline(em ?? underscore ?? '') });
    }
    last = index + match[0].length;
  }
  if (last < source.length) nodes.push({ type: 'text', value: source.slice(last) });
  return nodes;
}

const bullet = /^[-*+]\s+(.*)$/;
const numbered = /^\d{1,3}[.)]\s+(.*)$/;

export function parseMarkdown(source: string): MarkdownBlock[] {
  const blocks: MarkdownBlock[] = [];
  let paragraph: Inline[][] | null = null;
  let list: Extract<MarkdownBlock, { type: 'list' }> | null = null;
  const lines = source.replace(/\r\n?/g, '\n').split('\n');
  for (const raw of lines) {
    const line = raw.trim();
    if (line === '') {
      paragraph = null;
      list = null;
      continue;
    }
    const item = bullet.exec(line) ?? numbered.exec(line);
    if (item) {
      const ordered = !bullet.test(line);
      if (!list || list.ordered !== ordered) {
        list = { type: 'list', ordered, items: [] };
        blocks.push(list);
      }
      list.items.push(parseInline(item[1] ?? ''));
      paragraph = null;
      continue;
    }
    if (list) {
      // A line under a list item continues that item.
      const lastItem = list.items[list.items.length - 1];
      lastItem?.push({ type: 'text', value: ' ' }, ...parseInline(line));
      continue;
    }
    if (!paragraph) {
      paragraph = [];
      blocks.push({ type: 'paragraph', lines: paragraph });
    }
    paragraph.push(parseInline(line));
  }
  return blocks;
}

const htmlEscapes: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

export function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (char) => htmlEscapes[char] ?? char);
}

export interface HtmlStyle {
  /** Inline style of links (colour, underline). */
  link: string;
  /** Inline style of paragraphs and lists (margins, direction). */
  block: string;
}

function inlineHtml(nodes: Inline[], style: HtmlStyle): string {
  return nodes
    .map((node) => {
      switch (node.type) {
        case 'text':
          return escapeHtml(node.value);
        case 'em':
          return `<em>${inlineHtml(node.children, style)}</em>`;
        case 'strong':
          return `<strong>${inlineHtml(node.children, style)}</strong>`;
        case 'link':
          return `<a href="${escapeHtml(node.href)}" style="${style.link}">${inlineHtml(node.children, style)}</a>`;
      }
    })
    .join('');
}

export function markdownToHtml(blocks: MarkdownBlock[], style: HtmlStyle): string {
  return blocks
    .map((block) => {
      if (block.type === 'paragraph') {
        const lines = block.lines.map((line) => inlineHtml(line, style)).join('<br />');
        return `<p style="${style.block}">${lines}</p>`;
      }
      const tag = block.ordered ? 'ol' : 'ul';
      const items = block.items.map((item) => `<li>${inlineHtml(item, style)}</li>`).join('');
      return `<${tag} style="${style.block}">${items}</${tag}>`;
    })
    .join('');
}

/**
 * Collects the links of the text part: each distinct URL gets a number, listed at the end
 * of the message as "[1] https://…".
 */
export class LinkList {
  readonly urls: string[] = [];

  ref(url: string): number {
    const found = this.urls.indexOf(url);
    if (found >= 0) return found + 1;
    return this.urls.push(url);
  }
}

function inlineText(nodes: Inline[], links: LinkList): string {
  return nodes
    .map((node) => {
      switch (node.type) {
        case 'text':
          return node.value;
        case 'em':
          return `*${inlineText(node.children, links)}*`;
        case 'strong':
          return `**${inlineText(node.children, links)}**`;
        case 'link':
          return `${inlineText(node.children, links)} [${links.ref(node.href)}]`;
      }
    })
    .join('');
}

export function markdownToText(blocks: MarkdownBlock[], links: LinkList): string {
  return blocks
    .map((block) => {
      if (block.type === 'paragraph') {
        return block.lines.map((line) => inlineText(line, links)).join('\n');
      }
      return block.items
        .map((item, i) => `${block.ordered ? `${i + 1}.` : '-'} ${inlineText(item, links)}`)
        .join('\n');
    })
    .join('\n\n');
}
