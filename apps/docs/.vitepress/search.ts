/**
 * What local search indexes, page by page. VitePress's default makes one entry per heading; here an
 * event page gives one entry for the page (its name, title and description) and one per field
 * (anchor `#data.approvedBy`, text from the field's `data-search`), and the boilerplate sections
 * (examples, frames, code, related events, the raw schema) are left out, so an event or field name
 * finds its page or field first instead of ten sections of one page.
 */

/** One search entry: the anchor to land on, the heading trail, and the text. */
export interface SearchSection {
  readonly anchor: string;
  readonly titles: string[];
  readonly text: string;
}

const HEADING = /<h(\d)[^>]*?>(.*?<a[^>]*? href="#[^"]*?"[^>]*?>.*?<\/a>)<\/h\1>/gi;
const HEADING_CONTENT = /(.*?)<a[^>]*? href="#([^"]*?)"[^>]*?>.*?<\/a>/i;
const FIELD = /<div class="cf-field" id="([^"]+)"[^>]*? data-search="([^"]*)"/g;

/** Sections of event pages that search leaves out (their anchors). */
const SKIPPED = new Set([
  'examples',
  'sse-frame',
  'code',
  'try-it',
  'related-events',
  'json-schema',
]);

const clear = (html: string) =>
  html
    .replace(/<[^>]*>/g, '')
    .replaceAll('&quot;', '"')
    .replaceAll('&#39;', "'")
    .replaceAll('&lt;', '<')
    .replaceAll('&gt;', '>')
    .replaceAll('&amp;', '&')
    .trim();

/**
 * Splits a rendered page into search sections (a replacement for VitePress's default splitter).
 * @example [...splitIntoSections(html)].map((s) => s.anchor); // ['', 'data.approvedBy', …]
 */
export function* splitIntoSections(html: string): Generator<SearchSection> {
  const parts = html.split(HEADING);
  parts.shift();
  let parents: string[] = [];
  for (let i = 0; i < parts.length; i += 3) {
    const level = Number.parseInt(parts[i] ?? '1', 10) - 1;
    const heading = HEADING_CONTENT.exec(parts[i + 1] ?? '');
    const title = clear(heading?.[1] ?? '');
    const anchor = heading?.[2] ?? '';
    const content = parts[i + 2] ?? '';
    if (!title) continue;
    const titles = [...parents.slice(0, level), title].filter(Boolean);
    parents = titles;
    if (SKIPPED.has(anchor)) continue;
    const fields = [...content.matchAll(FIELD)];
    const own =
      fields.length > 0 ? content.slice(0, content.indexOf('<div class="cf-fields')) : content;
    const text = clear(own);
    if (text || level === 0) yield { anchor: level === 0 ? '' : anchor, titles, text };
    for (const field of fields) {
      const path = clear(field[1] ?? '');
      yield { anchor: field[1] ?? '', titles: [...titles, path], text: clear(field[2] ?? '') };
    }
  }
}
