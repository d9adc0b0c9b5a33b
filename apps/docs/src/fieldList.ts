/**
 * The stacked field list that replaces wide field tables: one block per field (name, type, a
 * required badge, the description, then small tags for enum values, format, pattern and
 * constraints), nested objects and array items expanded in place under their parent. Reads on any
 * width: nothing is laid out in columns. Every field has an anchor named after its path
 * (`#data.approvedBy`) that search lands on.
 */
import type { FieldRow } from './fields.js';

/** A field and the fields nested under it (object properties or array item properties). */
export interface FieldNode {
  readonly row: FieldRow;
  /** The field's own name within its parent: `approvedBy`, `items[]` → `name`. */
  readonly name: string;
  readonly children: readonly FieldNode[];
}

/** The parent path of a row path: `data.target.service` → `data.target`, `data.items[].name` → `data.items`. */
function parentPath(path: string): string {
  const dot = path.lastIndexOf('.');
  if (dot < 0) return '';
  const parent = path.slice(0, dot);
  return parent.endsWith('[]') ? parent.slice(0, -2) : parent;
}

/**
 * Turns depth-first rows (as `fieldRows` gives them) into a tree by path. Rows whose parent is
 * not in the list become roots, so a subtree (`data.*`) works as well as a whole envelope.
 * @example fieldTree(payloadRows(schema, defs)); // [{ name: 'incidentId', children: [] }, …]
 */
export function fieldTree(rows: readonly FieldRow[]): FieldNode[] {
  const byPath = new Map<string, { row: FieldRow; name: string; children: FieldNode[] }>();
  const roots: FieldNode[] = [];
  for (const row of rows) {
    const parent = byPath.get(parentPath(row.path));
    const name = row.path.slice(row.path.lastIndexOf('.') + 1);
    const node = { row, name, children: [] as FieldNode[] };
    byPath.set(row.path, node);
    (parent ? parent.children : roots).push(node);
  }
  return roots;
}

/** Escapes text for HTML element content and attribute values. */
export function escapeHtml(value: string): string {
  return value
    .replaceAll('&', '&amp;')
    .replaceAll('<', '&lt;')
    .replaceAll('>', '&gt;')
    .replaceAll('"', '&quot;')
    .replaceAll("'", '&#39;');
}

/** Schema prose as HTML: escaped, `code` spans kept as `<code>`. */
export function proseHtml(value: string): string {
  return value
    .split(/(`[^`]+`)/g)
    .map((part) =>
      part.length > 2 && part.startsWith('`') && part.endsWith('`')
        ? `<code>${escapeHtml(part.slice(1, -1))}</code>`
        : escapeHtml(part),
    )
    .join('');
}

const literal = (value: unknown) => (typeof value === 'string' ? value : JSON.stringify(value));

/** The tags of a field: one per enum/format/pattern/constraint, each `data-fact` for the layout test. */
function tagsHtml(row: FieldRow): string {
  const tags: string[] = [];
  if (row.enum && row.enum.length > 0) {
    const values = row.enum.map((v) => `<code>${escapeHtml(literal(v))}</code>`).join(' ');
    tags.push(`<li class="cf-tag" data-kind="enum">one of ${values}</li>`);
  }
  if (row.format)
    tags.push(
      `<li class="cf-tag" data-kind="format">format <code>${escapeHtml(row.format)}</code></li>`,
    );
  if (row.pattern)
    tags.push(
      `<li class="cf-tag" data-kind="pattern">pattern <code>${escapeHtml(row.pattern)}</code></li>`,
    );
  for (const c of row.constraints)
    tags.push(`<li class="cf-tag" data-kind="constraint">${proseHtml(c)}</li>`);
  return tags.length > 0 ? `<ul class="cf-tags">${tags.join('')}</ul>` : '';
}

/** What search indexes for a field: its path, type, description and tags as plain text. */
export function fieldSearchText(row: FieldRow): string {
  return [
    row.path,
    row.type,
    row.def ?? '',
    row.description,
    ...(row.enum ?? []).map(literal),
    row.format ?? '',
    row.constraints.join(' '),
  ]
    .filter(Boolean)
    .join(' ');
}

interface RenderOptions {
  /** Relative path from the page to the site root (`../`). */
  readonly root: string;
  /** Prefix of anchors, so that two lists on one page never share an id. */
  readonly anchorPrefix: string;
}

function nodeHtml(node: FieldNode, options: RenderOptions): string {
  const { row } = node;
  const id = `${options.anchorPrefix}${row.path}`;
  const def = row.def
    ? `<a class="cf-field-def" href="${options.root}reference/definitions.html#${escapeHtml(row.def)}">${escapeHtml(row.def)}</a>`
    : '';
  const badge = row.required
    ? '<span class="cf-badge cf-required">required</span>'
    : '<span class="cf-badge cf-optional">optional</span>';
  const head = `<div class="cf-field-head"><a class="cf-field-name" href="#${escapeHtml(id)}"><code>${escapeHtml(node.name)}</code></a> <span class="cf-field-type">${escapeHtml(row.type)}</span>${def ? ` ${def}` : ''} ${badge}</div>`;
  const desc = row.description ? `<p class="cf-field-desc">${proseHtml(row.description)}</p>` : '';
  const children =
    node.children.length > 0
      ? `<details class="cf-children" open><summary>${row.type.endsWith('[]') ? 'each item of' : 'fields of'} <code>${escapeHtml(node.name)}</code></summary><div class="cf-field-list">${node.children.map((c) => nodeHtml(c, options)).join('')}</div></details>`
      : '';
  return `<div class="cf-field" id="${escapeHtml(id)}" data-path="${escapeHtml(row.path)}" data-required="${row.required ? 'yes' : 'no'}" data-search="${escapeHtml(fieldSearchText(row))}">${head}${desc}${tagsHtml(row)}${children}</div>`;
}

/**
 * The field list of some rows as one HTML block (`v-pre`: schema text is never read as Vue).
 * `scope` names the list (`data`, `envelope`, `def-Severity`) for tests and styles.
 * @example fieldList(payloadRows(schema, defs), { scope: 'data', root: '../' });
 */
export function fieldList(
  rows: readonly FieldRow[],
  options: { readonly scope: string; readonly root: string; readonly anchorPrefix?: string },
): string {
  const render = { root: options.root, anchorPrefix: options.anchorPrefix ?? '' };
  const body = fieldTree(rows)
    .map((node) => nodeHtml(node, render))
    .join('');
  return `<div class="cf-fields cf-field-list" data-scope="${escapeHtml(options.scope)}" v-pre>${body}</div>`;
}
