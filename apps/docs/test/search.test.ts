/**
 * The search splitter (.vitepress/search.ts) over real generated pages rendered to HTML the way
 * VitePress renders them: an event page is one entry for the page plus one per field; boilerplate
 * sections are not indexed.
 */
import { fileURLToPath } from 'node:url';
import { loadSchemaSet } from '@causeflow/codegen';
import { createMarkdownRenderer } from 'vitepress';
import { describe, expect, it } from 'vitest';
import { splitIntoSections } from '../.vitepress/search.js';
import { docsModel } from '../src/model.js';
import { renderEventPage } from '../src/pages.js';

const model = docsModel(
  await loadSchemaSet(fileURLToPath(new URL('../../../schemas', import.meta.url))),
);

describe('search sections of an event page', () => {
  it('has the page, one entry per field anchored at its path, and no boilerplate', async () => {
    const md = await createMarkdownRenderer(fileURLToPath(new URL('..', import.meta.url)));
    const event = model.events.find((e) => e.name === 'remediation.approved')!;
    const source = renderEventPage(model, event).replace(/^---[\s\S]*?---\n/, '');
    const sections = [...splitIntoSections(md.render(source))];
    const anchors = sections.map((s) => s.anchor);
    expect(anchors[0]).toBe('');
    expect(sections[0]!.titles).toEqual(['remediation.approved']);
    expect(sections[0]!.text).toContain('Remediation approved');
    const approvedBy = sections.find((s) => s.anchor === 'data.approvedBy')!;
    expect(approvedBy.titles.at(-1)).toBe('data.approvedBy');
    expect(approvedBy.text).toContain('UserId');
    for (const skipped of ['examples', 'sse-frame', 'code', 'related-events', 'json-schema']) {
      expect(anchors).not.toContain(skipped);
    }
    expect(sections.filter((s) => s.text.includes('openStream'))).toEqual([]);
  });
});
