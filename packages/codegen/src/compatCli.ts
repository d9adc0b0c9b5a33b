#!/usr/bin/env node
/**
 * `pnpm schemas:compat [--base <git-ref>]`: compares the schemas at a git ref (default HEAD~1)
 * with the working tree and fails on undeclared breaking changes. Git is only touched here.
 */
import { execFile } from 'node:child_process';
import { realpath } from 'node:fs/promises';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs, promisify } from 'node:util';
import { runMain } from '@causeflow/devkit/main';
import {
  compareSchemaSets,
  EMPTY_SCHEMA_SET,
  formatChange,
  formatSummary,
  schemaSetFromFiles,
  summarize,
} from './compat.js';
import { loadSchemaSet } from './load.js';
import type { SchemaSet } from './model.js';

const run = promisify(execFile);
const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
const usage = `Usage: pnpm schemas:compat [--base <git-ref>] [--schemas <dir>] [--json]

  Compares the schemas at <git-ref> (default HEAD~1; the empty set when HEAD has no parent) with
  the working tree and prints one line per change: <verdict> <event> <json-pointer> <reason>.
  Exits 1 on a breaking change that is not declared (x-version bump + x-changelog entry with
  "breaking": true, or "deprecated": true before an event is removed). See CONTRIBUTING.md.
  --json   print the changes and the summary as JSON instead
`;

async function git(cwd: string, args: string[]): Promise<string> {
  const { stdout } = await run('git', args, { cwd, maxBuffer: 64 * 1024 * 1024 });
  return stdout;
}

async function gitOk(cwd: string, args: string[]): Promise<string | undefined> {
  return git(cwd, args).then(
    (out) => out.trim(),
    () => undefined,
  );
}

/** Resolves `ref` to a commit, or to `null` (the empty set) when HEAD is the first commit. */
async function resolveBase(top: string, ref: string): Promise<string | null> {
  const sha = await gitOk(top, ['rev-parse', '--verify', '--quiet', `${ref}^{commit}`]);
  if (sha) return sha;
  if ((await gitOk(top, ['rev-parse', '--is-shallow-repository'])) === 'true') {
    throw new Error(
      `cannot resolve "${ref}" in a shallow clone; fetch the history (git fetch --unshallow, or fetch-depth: 0 in CI)`,
    );
  }
  const head = await gitOk(top, ['rev-list', '--parents', '-n', '1', 'HEAD']);
  if (head === undefined || head.split(' ').length === 1) return null;
  throw new Error(`unknown git ref "${ref}"`);
}

async function loadAtCommit(top: string, sha: string, prefix: string): Promise<SchemaSet> {
  const listing = await git(top, ['ls-tree', '-r', '--name-only', sha, '--', `${prefix}/`]);
  const wanted = /^(defs|envelope|domains)\.json$|^events\/[^/]+\.json$/;
  const files = new Map<string, string>();
  for (const path of listing.split('\n').filter(Boolean)) {
    const inside = path.slice(prefix.length + 1);
    if (!wanted.test(inside)) continue;
    files.set(inside, await git(top, ['show', `${sha}:${path}`]));
  }
  return schemaSetFromFiles(files);
}

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      base: { type: 'string', default: 'HEAD~1' },
      schemas: { type: 'string', default: join(repoRoot, 'schemas') },
      json: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    process.stdout.write(usage);
    return 0;
  }
  const schemasDir = await realpath(resolve(values.schemas));
  const top = await realpath((await git(schemasDir, ['rev-parse', '--show-toplevel'])).trim());
  const prefix = relative(top, schemasDir).split(sep).join('/');
  const sha = await resolveBase(top, values.base);
  const base = sha === null ? EMPTY_SCHEMA_SET : await loadAtCommit(top, sha, prefix);
  const head = await loadSchemaSet(schemasDir);
  const changes = compareSchemaSets(base, head);
  const summary = summarize(changes);
  if (values.json) {
    process.stdout.write(`${JSON.stringify({ base: sha, changes, summary }, null, 2)}\n`);
    return summary.failed ? 1 : 0;
  }
  const against =
    sha === null ? 'the empty set (HEAD has no parent)' : `${values.base} (${sha.slice(0, 10)})`;
  process.stdout.write(`schemas:compat: ${prefix}/ in the working tree against ${against}\n`);
  for (const change of changes) process.stdout.write(`${formatChange(change)}\n`);
  process.stdout.write(`\n${formatSummary(summary)}\n`);
  if (summary.failed) {
    process.stdout.write(
      'schemas:compat: FAILED: undeclared breaking change(s). Make the change compatible, or ship it on purpose: bump "x-version" of the event and add an "x-changelog" entry with "breaking": true and a migration note (see CONTRIBUTING.md).\n',
    );
    return 1;
  }
  process.stdout.write('schemas:compat: OK\n');
  return 0;
}

void runMain('schemas:compat', main, { errorCode: 2 });
