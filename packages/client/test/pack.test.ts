// The packages as an outside team gets them: `pnpm pack` @causeflow/events and @causeflow/client,
// install the tarballs with plain npm in a temporary project outside the workspace, then use them
// from Node (ESM import, a typed event from a real server, `require` refused with a clear message),
// TypeScript 5.9 (`node16` and `bundler` resolution), an esbuild browser bundle (in Chromium when
// it is installed), and check both tarballs with publint and @arethetypeswrong/cli.
// Needs `dist/` built (turbo's test task depends on build); only the npm registry is contacted
// (npm install --prefer-offline of the packages' own dependencies).
import { execFile, spawn } from 'node:child_process';
import {
  cpSync,
  existsSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { startTestServer } from '@causeflow/stream-server/testing';
import { build } from 'esbuild';
import { chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { sample } from './fixtures.js';

const run = promisify(execFile);
const here = dirname(fileURLToPath(import.meta.url));
const clientDir = join(here, '..');
const eventsDir = join(clientDir, '..', 'events');
const PACKAGES = { events: eventsDir, client: clientDir } as const;
/** A file of one of this package's dev dependencies (some export no `./package.json`). */
const bin = (pkg: string, path: string) => join(clientDir, 'node_modules', pkg, path);
const CHROMIUM = '/usr/bin/chromium';
const withChromium = existsSync(CHROMIUM) || process.env.CI === 'true';

// npm install, tsc 5.9 and attw take tens of seconds each on a busy 2-core machine.
vi.setConfig({ testTimeout: 180_000, hookTimeout: 300_000 });

let work: string;
let consumer: string;
const tarballs: Record<keyof typeof PACKAGES, string> = { events: '', client: '' };
const unpacked: Record<keyof typeof PACKAGES, string> = { events: '', client: '' };

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'causeflow-pack-'));
  for (const [name, dir] of Object.entries(PACKAGES) as [keyof typeof PACKAGES, string][]) {
    const { stdout } = await run('pnpm', ['pack', '--pack-destination', work, '--json'], {
      cwd: dir,
    });
    tarballs[name] = JSON.parse(stdout.slice(stdout.indexOf('{'))).filename as string;
    unpacked[name] = join(work, `unpacked-${name}`);
    await run('mkdir', ['-p', unpacked[name]]);
    await run('tar', ['-xzf', tarballs[name], '-C', unpacked[name]]);
  }
  consumer = join(work, 'consumer');
  cpSync(join(here, 'consumer'), consumer, { recursive: true });
  writeFileSync(
    join(consumer, 'package.json'),
    JSON.stringify({
      name: 'outside-consumer',
      private: true,
      type: 'module',
      dependencies: {
        '@causeflow/events': `file:${tarballs.events}`,
        '@causeflow/client': `file:${tarballs.client}`,
      },
    }),
  );
  await run('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', '--loglevel=error'], {
    cwd: consumer,
    env: { ...process.env, npm_config_workspaces: 'false' },
  });
}, 240_000);

afterAll(() => {
  if (work) rmSync(work, { recursive: true, force: true });
});

describe('the packed tarballs', () => {
  it.each(['events', 'client'] as const)(
    '@causeflow/%s has a publishable manifest with real version ranges',
    (name) => {
      const manifest = readFileSync(join(unpacked[name], 'package', 'package.json'), 'utf8');
      expect(manifest).not.toMatch(/"(workspace|catalog):/);
      const pkg = JSON.parse(manifest);
      expect(pkg.private).toBeUndefined();
      expect(pkg).toMatchObject({
        license: expect.any(String),
        repository: { url: expect.any(String), directory: `packages/${name}` },
        engines: { node: expect.any(String) },
        keywords: expect.arrayContaining(['causeflow']),
        exports: { './package.json': './package.json' },
      });
      const files = readdirSync(join(unpacked[name], 'package'));
      expect(files).toEqual(expect.arrayContaining(['README.md', 'LICENSE', 'dist']));
    },
  );

  it.each(['events', 'client'] as const)(
    '@causeflow/%s ships source maps that carry their sources, and no map pointing at unshipped files',
    (name) => {
      const root = join(unpacked[name], 'package');
      const maps = readdirSync(root, { recursive: true, encoding: 'utf8' }).filter((f) =>
        f.endsWith('.map'),
      );
      expect(maps.length).toBeGreaterThan(0);
      for (const file of maps) {
        const map = JSON.parse(readFileSync(join(root, file), 'utf8'));
        const shipped = (source: string) => existsSync(join(root, dirname(file), source));
        const content = (map.sourcesContent ?? []) as (string | null)[];
        map.sources.forEach((source: string, i: number) => {
          expect(
            typeof content[i] === 'string' || shipped(source),
            `${file}: ${source} has no sourcesContent and is not in the package`,
          ).toBe(true);
        });
      }
    },
  );

  it.each(['events', 'client'] as const)('@causeflow/%s passes publint --strict', async (name) => {
    const { stdout } = await run(process.execPath, [
      bin('publint', 'src/cli.js'),
      'run',
      tarballs[name],
      '--strict',
    ]);
    expect(stdout).toContain('All good!');
  });

  it.each(['events', 'client'] as const)(
    '@causeflow/%s passes @arethetypeswrong/cli (ESM-only profile)',
    async (name) => {
      // Exits non-zero on any problem; node10 and require-from-CJS are out of scope (ESM only).
      await run(process.execPath, [
        bin('@arethetypeswrong/cli', 'dist/index.js'),
        tarballs[name],
        '--profile',
        'esm-only',
        '--format',
        'ascii',
      ]);
    },
  );
});

describe('a project outside the workspace, installed with npm', () => {
  it('imports both packages in Node ESM and receives a typed, valid event from a real server', async () => {
    const server = await startTestServer();
    try {
      const child = spawn(process.execPath, ['node-check.mjs', server.url, await server.token()], {
        cwd: consumer,
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let out = '';
      let err = '';
      child.stderr.on('data', (d: Buffer) => {
        err += d;
      });
      const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
      await new Promise<void>((resolve, reject) => {
        child.stdout.on('data', (d: Buffer) => {
          out += d;
          if (out.includes('open\n')) resolve();
        });
        child.on('exit', () => reject(new Error(`node-check exited early: ${err}`)));
      });
      await server.publish([sample('incident.created', { tenantId: 'ten_test', title: 'packed' })]);
      expect(await exited, err).toBe(0);
      const line = out.trim().split('\n').at(-1) ?? '';
      expect(JSON.parse(line)).toEqual({ event: 'incident.created', title: 'packed', ok: true });
    } finally {
      await server.close();
    }
  });

  it.each(['events', 'client'] as const)(
    "refuses require('@causeflow/%s') with a message that says it is ESM only and to use import()",
    async (name) => {
      const result = await run(process.execPath, ['-e', `require('@causeflow/${name}')`], {
        cwd: consumer,
      }).catch((error: { stderr: string; code: number }) => error);
      expect('code' in result && result.code).toBe(1);
      expect(result.stderr).toContain(`@causeflow/${name} is ESM only: use import()`);
    },
  );

  it.each([
    ['node16', { module: 'node16', moduleResolution: 'node16' }],
    ['bundler', { module: 'esnext', moduleResolution: 'bundler' }],
  ])('typechecks a consumer with TypeScript 5.9 under %s resolution', async (name, options) => {
    const config = join(consumer, `tsconfig.${name}.json`);
    writeFileSync(
      config,
      JSON.stringify({
        compilerOptions: {
          ...options,
          target: 'es2022',
          lib: ['es2022', 'dom'],
          types: [],
          strict: true,
          noEmit: true,
          skipLibCheck: false,
        },
        include: ['src'],
      }),
    );
    const tsc = bin('typescript5', 'bin/tsc');
    const { stdout } = await run(process.execPath, [tsc, '--version']);
    expect(stdout).toMatch(/^Version 5\./);
    await expect(
      run(process.execPath, [tsc, '-p', config], { cwd: consumer }).catch(
        (error: { stdout: string }) => {
          throw new Error(error.stdout);
        },
      ),
    ).resolves.toBeDefined();
  });

  describe('bundled for a browser with esbuild', () => {
    let bundle: string;
    beforeAll(async () => {
      const result = await build({
        entryPoints: [join(consumer, 'browser-entry.js')],
        absWorkingDir: consumer,
        bundle: true,
        format: 'esm',
        platform: 'browser',
        write: false,
        logLevel: 'silent',
      });
      bundle = result.outputFiles[0]?.text ?? '';
    });

    it('bundles without Node built-ins', () => {
      expect(bundle.length).toBeGreaterThan(1000);
      expect(bundle).not.toMatch(/from ["']node:/);
    });

    it.skipIf(!withChromium)('receives a typed event in headless Chromium', async () => {
      const page: Server = createServer((req, res) => {
        const js = req.url === '/app.js';
        res.writeHead(200, { 'content-type': js ? 'text/javascript' : 'text/html' });
        res.end(js ? bundle : '<!doctype html><script type="module" src="/app.js"></script>');
      });
      await new Promise<void>((resolve) => page.listen(0, '127.0.0.1', resolve));
      const origin = `http://127.0.0.1:${(page.address() as AddressInfo).port}`;
      const server = await startTestServer({ corsOrigins: [origin] });
      const browser = await chromium.launch({
        executablePath: CHROMIUM,
        args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
      });
      try {
        const tab = await browser.newPage();
        await tab.goto(`${origin}/`);
        await tab.waitForFunction(() => 'startStream' in window);
        await tab.evaluate(
          `window.startStream(${JSON.stringify(server.url)}, ${JSON.stringify(await server.token())})`,
        );
        await tab.waitForFunction(
          () => (window as { streamState?: string }).streamState === 'open',
        );
        await server.publish([
          sample('incident.created', { tenantId: 'ten_test', title: 'in Chromium' }),
        ]);
        await tab.waitForFunction(() => (window as { received?: string[] }).received?.length === 1);
        expect(await tab.evaluate(() => (window as { received?: string[] }).received)).toEqual([
          'in Chromium',
        ]);
      } finally {
        await browser.close();
        await server.close();
        await new Promise((resolve) => page.close(resolve));
      }
    });
  });
});
