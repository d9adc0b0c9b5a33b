/**
 * The listen backlog comes from `LISTEN_BACKLOG` (config `listenBacklog`): read back from the
 * kernel with `ss` (its Send-Q column of a listening socket is the backlog). Skipped without `ss`.
 */
import { execFileSync } from 'node:child_process';
import { expect, it } from 'vitest';
import { startTestServer } from '../src/testing.js';

function hasSs(): boolean {
  try {
    execFileSync('ss', ['-V'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

it.skipIf(!hasSs())('listens with the configured backlog', async () => {
  const server = await startTestServer({ config: { listenBacklog: 1234 } });
  try {
    const line = execFileSync('ss', ['-ltnH', `sport = :${server.port}`])
      .toString()
      .trim();
    const [, , backlog] = line.split(/\s+/);
    expect(backlog).toBe('1234');
  } finally {
    await server.close();
  }
});
