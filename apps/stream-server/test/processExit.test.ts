/**
 * The real server process (`src/main.ts` under tsx): shutdown must finish whatever the state of
 * its stdout. Its parent may die and take the read end of the stdout pipe with it.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';

const MAIN = fileURLToPath(new URL('../src/main.ts', import.meta.url));
const children: ChildProcess[] = [];
afterEach(() => {
  for (const child of children.splice(0)) if (child.exitCode === null) child.kill('SIGKILL');
});

/** Starts the server on an ephemeral port and resolves with its URL once it listens. */
async function startServer(): Promise<{ child: ChildProcess; url: string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', MAIN], {
    env: {
      ...process.env,
      PORT: '0',
      JWT_SECRET: 'a-test-secret-of-at-least-32-characters!',
      LOG_LEVEL: 'debug',
      DOCS_DIR: 'off',
      DRAIN_TIMEOUT_MS: '1000',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  let out = '';
  let err = '';
  child.stderr!.on('data', (chunk) => {
    err += String(chunk);
  });
  const url = await new Promise<string>((resolve, reject) => {
    child.stdout!.on('data', (chunk) => {
      out += String(chunk);
      const match = /"url":"(http:[^"]+)"/.exec(out);
      if (match) resolve(match[1]!);
    });
    child.once('exit', (code) => reject(new Error(`server exited (${code}): ${err}`)));
  });
  return { child, url };
}

describe('process shutdown', { timeout: 30_000 }, () => {
  it('exits with code 0 on SIGTERM after its stdout pipe was closed (the parent died)', async () => {
    const { child, url } = await startServer();
    // Something to log at shutdown: a health check (debug request line) and then the drain.
    expect((await fetch(`${url}/healthz`)).status).toBe(200);
    child.stdout!.destroy();
    const exited = once(child, 'exit');
    child.kill('SIGTERM');
    const [code, signal] = await exited;
    expect({ code, signal }).toEqual({ code: 0, signal: null });
  });

  it('exits with code 0 on SIGTERM with stdout open, after logging that it drained', async () => {
    const { child, url } = await startServer();
    expect((await fetch(`${url}/healthz`)).status).toBe(200);
    let out = '';
    child.stdout!.on('data', (chunk) => {
      out += String(chunk);
    });
    const exited = once(child, 'exit');
    child.kill('SIGTERM');
    const [code, signal] = await exited;
    expect({ code, signal, out }).toEqual({ code: 0, signal: null, out: expect.any(String) });
    expect(out).toContain('shutting down: draining streams');
  });
});
