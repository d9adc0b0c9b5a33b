import { mkdtemp, readFile, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DEV_TOKEN_FILE, removeDevToken, writeDevToken } from './devToken.js';

let dir: string;
let file: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'causeflow-devtoken-'));
  file = join(dir, 'causeflow-dev-token');
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('the dev token file', () => {
  it('lives where the tail CLI of @causeflow/client looks for it', () => {
    expect(DEV_TOKEN_FILE).toBe(join(tmpdir(), 'causeflow-dev-token'));
  });

  it('holds the plain token, readable by the owner only', async () => {
    await writeDevToken('tok.en.one', file);
    expect((await readFile(file, 'utf8')).trim()).toBe('tok.en.one');
    expect((await stat(file)).mode & 0o777).toBe(0o600);
  });

  it('replaces an earlier file, even one with looser permissions', async () => {
    await writeFile(file, 'old', { mode: 0o644 });
    await writeDevToken('tok.en.two', file);
    expect((await readFile(file, 'utf8')).trim()).toBe('tok.en.two');
    expect((await stat(file)).mode & 0o777).toBe(0o600);
  });

  it('never writes through a symlink planted at its path', async () => {
    const target = join(dir, 'target');
    await writeFile(target, 'precious');
    await symlink(target, file);
    await writeDevToken('tok.en.three', file);
    expect(await readFile(target, 'utf8')).toBe('precious');
    expect((await readFile(file, 'utf8')).trim()).toBe('tok.en.three');
  });

  it('is removed on shutdown only while it still holds our token', async () => {
    await writeDevToken('ours', file);
    await writeFile(file, 'someone-elses\n');
    expect(await removeDevToken('ours', file)).toBe(false);
    expect((await readFile(file, 'utf8')).trim()).toBe('someone-elses');
    await writeDevToken('ours', file);
    expect(await removeDevToken('ours', file)).toBe(true);
    await expect(stat(file)).rejects.toThrow(/ENOENT/);
    expect(await removeDevToken('ours', file)).toBe(false);
  });
});
