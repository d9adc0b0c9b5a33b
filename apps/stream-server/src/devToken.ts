/**
 * The dev-mode token file: in dev mode the server writes its tenant token where the `tail` CLI of
 * `@causeflow/client` looks when no `--token`/`CAUSEFLOW_TOKEN` is given, and removes it on
 * shutdown (only while the file still holds this process's token).
 */
import { readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** `<os tmpdir>/causeflow-dev-token`, the path `causeflow tail` reads (same as the client's `DEV_TOKEN_FILE`). */
export const DEV_TOKEN_FILE = join(tmpdir(), 'causeflow-dev-token');

/**
 * Writes `token` to `path`, readable by this user only (0600). A previous file is replaced;
 * the new one is created exclusively, so a symlink planted at `path` is never followed.
 * @example
 * await writeDevToken(tenantToken); // `causeflow tail` now finds it
 */
export async function writeDevToken(token: string, path: string = DEV_TOKEN_FILE): Promise<void> {
  await rm(path, { force: true });
  await writeFile(path, `${token}\n`, { mode: 0o600, flag: 'wx' });
}

/**
 * Removes `path` when it still holds `token` (another dev server may have replaced it since).
 * Returns whether it was removed; a missing file is not an error.
 * @example
 * await removeDevToken(tenantToken);
 */
export async function removeDevToken(
  token: string,
  path: string = DEV_TOKEN_FILE,
): Promise<boolean> {
  let content: string;
  try {
    content = await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw error;
  }
  if (content.trim() !== token) return false;
  await rm(path, { force: true });
  return true;
}
