import { describe, expect, it } from 'vitest';
import { cell, code, escapeText, fence, frontMatter, table } from './markdown.js';

describe('markdown builders', () => {
  it('escapes HTML, Vue interpolation and Markdown emphasis in prose', () => {
    expect(escapeText('<domain>.<action> & {{ x }}')).toBe(
      '&lt;domain&gt;.&lt;action&gt; &amp; &#123;&#123; x &#125;&#125;',
    );
    expect(escapeText('Prefix "ten_" and *stars* [link]')).toBe(
      'Prefix "ten\\_" and \\*stars\\* \\[link\\]',
    );
  });

  it('leaves code spans alone, so no backslash shows inside them', () => {
    expect(escapeText('reason `unknown_cursor` or un_known')).toBe(
      'reason `unknown_cursor` or un\\_known',
    );
  });

  it('fences inline code longer than any backtick run inside it', () => {
    expect(code('a.b')).toBe('`a.b`');
    expect(code('a`b')).toBe('`` a`b ``');
  });

  it('keeps table cells on one line with pipes escaped', () => {
    expect(cell('a|b\nc')).toBe('a\\|b c');
    expect(table(['x', 'y'], [['`a|b`', '1']])).toBe('| x | y |\n| --- | --- |\n| `a\\|b` | 1 |');
  });

  it('fences blocks longer than any fence inside the body', () => {
    expect(fence('md', '```js\nx\n```')).toBe('````md\n```js\nx\n```\n````');
    expect(fence('json', '{}\n')).toBe('```json\n{}\n```');
  });

  it('writes front matter values as JSON, which YAML reads back', () => {
    expect(frontMatter({ title: 'a: b', outline: [2, 3], aside: false })).toBe(
      '---\ntitle: "a: b"\noutline: [2,3]\naside: false\n---\n',
    );
  });
});
