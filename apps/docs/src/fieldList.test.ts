import { fileURLToPath } from 'node:url';
import { loadSchemaSet } from '@causeflow/codegen';
import { describe, expect, it } from 'vitest';
import { fieldList, fieldSearchText, fieldTree, proseHtml } from './fieldList.js';
import { type FieldRow, payloadRows } from './fields.js';
import { docsModel } from './model.js';

const model = docsModel(
  await loadSchemaSet(fileURLToPath(new URL('../../../schemas', import.meta.url))),
);
const row = (path: string, extra: Partial<FieldRow> = {}): FieldRow => ({
  path,
  type: 'string',
  required: false,
  constraints: [],
  description: '',
  ...extra,
});

describe('field tree', () => {
  it('nests object properties and array item properties under their field', () => {
    const tree = fieldTree([
      row('data.a'),
      row('data.target', { type: 'object' }),
      row('data.target.service'),
      row('data.items', { type: 'object[]' }),
      row('data.items[].name'),
    ]);
    expect(tree.map((n) => n.name)).toEqual(['a', 'target', 'items']);
    expect(tree[1]!.children.map((n) => n.row.path)).toEqual(['data.target.service']);
    expect(tree[2]!.children.map((n) => n.name)).toEqual(['name']);
  });
});

describe('field list', () => {
  it('gives every field an anchor named after its path, a type, a required badge and tags', () => {
    const html = fieldList(
      [
        row('data.severity', {
          required: true,
          def: 'Severity',
          enum: ['critical', 'low'],
          description: 'How bad, see `level`.',
        }),
        row('data.code', { pattern: '^[a-z]+$', format: 'uri', constraints: ['length 1–5'] }),
      ],
      { scope: 'data', root: '../' },
    );
    expect(html).toContain('id="data.severity"');
    expect(html).toContain('href="#data.severity"');
    expect(html).toContain('<span class="cf-badge cf-required">required</span>');
    expect(html).toContain('<span class="cf-badge cf-optional">optional</span>');
    expect(html).toContain('href="../reference/definitions.html#Severity"');
    expect(html).toContain('one of <code>critical</code> <code>low</code>');
    expect(html).toContain('pattern <code>^[a-z]+$</code>');
    expect(html).toContain('format <code>uri</code>');
    expect(html).toContain('length 1–5');
    expect(html).toContain('How bad, see <code>level</code>.');
  });

  it('expands nested fields in place, open, with the parent', () => {
    const html = fieldList([row('data.t', { type: 'object' }), row('data.t.s')], {
      scope: 'data',
      root: '../',
    });
    expect(html).toMatch(
      /id="data\.t"[\s\S]*<details class="cf-children" open><summary>fields of <code>t<\/code><\/summary>[\s\S]*id="data\.t\.s"/,
    );
  });

  it('shows every payload field of every event, with no table', () => {
    for (const event of model.events) {
      const rows = payloadRows(event.schema, model.defs);
      const html = fieldList(rows, { scope: 'data', root: '../' });
      expect(html).not.toContain('<table');
      for (const r of rows) expect(html, `${event.name} ${r.path}`).toContain(`id="${r.path}"`);
    }
  });

  it('indexes a field by its path, type, description and enum values', () => {
    expect(
      fieldSearchText(row('data.role', { type: 'string', enum: ['admin'], description: 'Role.' })),
    ).toBe('data.role string Role. admin');
    expect(proseHtml('a <b> `c<d>`')).toBe('a &lt;b&gt; <code>c&lt;d&gt;</code>');
  });
});
