import { afterEach, describe, expect, it } from 'vitest';
import { runMain } from './main.js';

const saved = process.exitCode;
afterEach(() => {
  process.exitCode = saved;
});

function sink() {
  const lines: string[] = [];
  return { lines, stderr: { write: (text: string) => lines.push(text) } };
}

describe('runMain', () => {
  it('sets the exit code main returns, and 0 when it returns nothing', async () => {
    await runMain('x', async () => 3);
    expect(process.exitCode).toBe(3);
    await runMain('x', () => undefined);
    expect(process.exitCode).toBe(0);
  });

  it('prints "<name>: <message>" for a throw and exits 1, or the given code', async () => {
    const { lines, stderr } = sink();
    await runMain(
      'causeflow-token',
      async () => {
        throw new Error('JWT_SECRET is not set');
      },
      { stderr },
    );
    expect(lines).toEqual(['causeflow-token: JWT_SECRET is not set\n']);
    expect(process.exitCode).toBe(1);
    await runMain(
      'schemas:compat',
      () => {
        throw 'plain';
      },
      { stderr, errorCode: 2 },
    );
    expect(lines[1]).toBe('schemas:compat: plain\n');
    expect(process.exitCode).toBe(2);
  });
});
