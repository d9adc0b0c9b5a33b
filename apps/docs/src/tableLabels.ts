/**
 * A markdown-it plugin that labels every table body cell with its column header
 * (`<td data-label="Default">`), so the theme CSS can stack a table's rows into labelled blocks
 * on a narrow screen (`.vitepress/theme/custom.css`) instead of making the reader scroll sideways.
 * Wide screens keep the ordinary table; the attribute is inert there.
 */
import type { MarkdownRenderer } from 'vitepress';

type Token = ReturnType<MarkdownRenderer['parse']>[number];

/** The plain text of a header cell's inline token: text and inline code, markup dropped. */
function plainText(inline: Token | undefined): string {
  if (!inline?.children) return inline?.content.trim() ?? '';
  return inline.children
    .filter((child) => child.type === 'text' || child.type === 'code_inline')
    .map((child) => child.content)
    .join('')
    .trim();
}

/** Sets `data-label` on each `td_open` token from the header of its column. */
export function labelTableCells(tokens: readonly Token[]): void {
  let headers: string[] = [];
  let inHead = false;
  let column = 0;
  for (let i = 0; i < tokens.length; i++) {
    const token = tokens[i]!;
    if (token.type === 'table_open') headers = [];
    else if (token.type === 'thead_open') inHead = true;
    else if (token.type === 'thead_close') inHead = false;
    else if (token.type === 'tr_open') column = 0;
    else if (token.type === 'th_open' && inHead) headers.push(plainText(tokens[i + 1]));
    else if (token.type === 'td_open') {
      const label = headers[column++];
      if (label) token.attrSet('data-label', label);
    }
  }
}

/**
 * Installs the labelling as a core rule (after inline parsing, so header markup is resolved).
 * @example defineConfig({ markdown: { config: (md) => md.use(tableLabels) } });
 */
export function tableLabels(md: MarkdownRenderer): void {
  md.core.ruler.push('cf_table_labels', (state) => {
    labelTableCells(state.tokens);
  });
}
