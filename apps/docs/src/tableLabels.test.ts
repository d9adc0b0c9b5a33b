import { createMarkdownRenderer } from 'vitepress';
import { describe, expect, it } from 'vitest';
import { tableLabels } from './tableLabels.js';

const md = await createMarkdownRenderer(process.cwd(), { config: (m) => m.use(tableLabels) });

describe('table cell labels', () => {
  it('labels every body cell with the plain text of its column header', () => {
    const html = md.render(
      [
        '| Variable | **Meaning** | `Default` |',
        '| --- | --- | --- |',
        '| `PORT` | Listen port | `8080` |',
        '| `HOST` | Listen host | |',
      ].join('\n'),
    );
    expect(html.match(/<td data-label="Variable">/g)).toHaveLength(2);
    expect(html.match(/<td data-label="Meaning">/g)).toHaveLength(2);
    expect(html.match(/<td data-label="Default">/g)).toHaveLength(2);
    expect(html).not.toMatch(/<th[^>]*data-label/);
  });

  it('takes the headers of each table from that table, and escapes them', () => {
    const html = md.render(
      ['| A "x" | B |', '| - | - |', '| 1 | 2 |', '', '| C |', '| - |', '| 3 |'].join('\n'),
    );
    expect(html).toContain('<td data-label="A &quot;x&quot;">1</td>');
    expect(html).toContain('<td data-label="B">2</td>');
    expect(html).toContain('<td data-label="C">3</td>');
  });
});
