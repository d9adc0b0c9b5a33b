/**
 * Small Markdown builders for VitePress pages: escaping (HTML and Vue interpolation), inline code,
 * tables and fenced blocks. Every generated page goes through these.
 */

/**
 * Escapes prose for a VitePress page: Markdown emphasis and link characters, HTML special
 * characters and Vue's `{{`. Backticks are kept: `code` in a description stays code.
 * @example escapeText('<domain>.<action>'); // '&lt;domain&gt;.&lt;action&gt;'
 */
export function escapeText(value: string): string {
  // Code spans are kept as they are: Markdown does not read escapes inside them, so a `\_`
  // there would show its backslash.
  return value
    .split(/(`[^`]+`)/g)
    .map((part, i) => (i % 2 === 1 ? part : escapeProse(part)))
    .join('');
}

function escapeProse(value: string): string {
  return value
    .replace(/[\\*_[\]]/g, (c) => `\\${c}`)
    .replaceAll('&', '&amp;')
    .replaceAll('<', '&lt;')
    .replaceAll('>', '&gt;')
    .replaceAll('{{', '&#123;&#123;')
    .replaceAll('}}', '&#125;&#125;');
}

/**
 * Inline code, with a backtick fence long enough for backticks inside the value.
 * @example code('a`b'); // '`` a`b ``'
 */
export function code(value: string): string {
  const longest = Math.max(0, ...(value.match(/`+/g) ?? []).map((run) => run.length));
  const fence = '`'.repeat(longest + 1);
  return longest > 0 || value.startsWith(' ')
    ? `${fence} ${value} ${fence}`
    : `${fence}${value}${fence}`;
}

/** Makes any Markdown fit in one table cell: no line breaks, pipes escaped. */
export function cell(markdown: string): string {
  return markdown.replace(/\r?\n/g, ' ').replaceAll('|', '\\|');
}

/**
 * A Markdown table. Cells are Markdown already (use `escapeText`/`code`); they are made
 * single-line with pipes escaped.
 * @example table(['a', 'b'], [['1', '2']]);
 */
export function table(headers: readonly string[], rows: readonly (readonly string[])[]): string {
  const line = (cells: readonly string[]) => `| ${cells.map(cell).join(' | ')} |`;
  return [line(headers), line(headers.map(() => '---')), ...rows.map(line)].join('\n');
}

/**
 * A fenced code block whose fence is longer than any backtick run in the body.
 * @example fence('json', '{}');
 */
export function fence(lang: string, body: string): string {
  const longest = Math.max(2, ...(body.match(/`{3,}/g) ?? []).map((run) => run.length));
  const marks = '`'.repeat(longest + 1);
  return `${marks}${lang}\n${body.replace(/\n$/, '')}\n${marks}`;
}

/** YAML front matter for a page (values are JSON-encoded: JSON is valid YAML flow syntax). */
export function frontMatter(fields: Readonly<Record<string, unknown>>): string {
  const lines = Object.entries(fields).map(([k, v]) => `${k}: ${JSON.stringify(v)}`);
  return `---\n${lines.join('\n')}\n---\n`;
}
