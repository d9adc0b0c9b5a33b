/**
 * The code tabs of every event page, run for real: `curl` and Python against a real stream server
 * (each must print the event it was written for), the TypeScript snippets compiled against the real
 * @causeflow/client types, and the webhook verification snippets against deliveries signed by the
 * official `standardwebhooks` package. The browser `EventSource` snippet runs in Chromium
 * (test/browser.test.ts). The catch-up snippet (`listEvents`, `openStream({ catchUp })`) and the
 * `verifyWebhook` snippet run against a real server too, the latter on a real signed delivery.
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { type EventModel, loadSchemaSet } from '@causeflow/codegen';
import { CONFIG_DEFAULTS } from '@causeflow/stream-server';
import { startTestServer, type TestServer } from '@causeflow/stream-server/testing';
import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { docsModel } from '../src/model.js';
import {
  catchUpSnippet,
  clientSnippet,
  curlSnippet,
  pythonSnippet,
  requiredFields,
} from '../src/snippets.js';
import {
  verifyInPythonSnippet,
  verifyWithClientSnippet,
  verifyWithStandardWebhooksSnippet,
} from '../src/webhooks.js';

const run = promisify(execFile);
const docsRoot = fileURLToPath(new URL('..', import.meta.url));
const bin = (name: string) => join(docsRoot, 'node_modules/.bin', name);
const dir = join(docsRoot, 'test-results/snippets');
const model = docsModel(
  await loadSchemaSet(fileURLToPath(new URL('../../../schemas', import.meta.url))),
);
const client = (await import('@causeflow/client')) as Record<string, unknown>;

/** What Python's `print` shows for a JSON value (a string as is, a list as its repr). */
function printed(value: unknown): string {
  if (typeof value === 'boolean') return value ? 'True' : 'False';
  if (Array.isArray(value))
    return `[${value.map((v) => (typeof v === 'string' ? `'${v}'` : printed(v))).join(', ')}]`;
  return String(value);
}

/** Collects a child's stdout until `done` says so; rejects when it exits first. */
function readUntil(child: ChildProcess, done: (out: string) => boolean): Promise<string> {
  return new Promise((resolve, reject) => {
    let out = '';
    let err = '';
    child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
      out += chunk;
      if (done(out)) resolve(out);
    });
    child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
      err += chunk;
    });
    child.on('exit', (code) => reject(new Error(`exited ${code} before done:\n${out}\n${err}`)));
  });
}

async function tsc(): Promise<string> {
  return run(join(docsRoot, 'node_modules/.bin/tsc'), ['-p', dir]).then(
    () => '',
    (error: { stdout?: string }) => error.stdout ?? String(error),
  );
}

describe('TypeScript snippets', () => {
  beforeAll(async () => {
    await rm(dir, { recursive: true, force: true });
    await mkdir(dir, { recursive: true });
    await writeFile(
      join(dir, 'tsconfig.json'),
      JSON.stringify({
        extends: '../../../../tsconfig.base.json',
        compilerOptions: { noEmit: true, noUnusedLocals: true, types: ['node'] },
        include: ['*.ts'],
      }),
    );
  });

  it('typecheck with tsc against @causeflow/client, one file per event, and fail on a wrong field', async () => {
    for (const event of model.events) {
      await writeFile(join(dir, `${event.name}.ts`), `${clientSnippet(event)}\nexport {};\n`);
    }
    await writeFile(join(dir, 'webhook-standardwebhooks.ts'), verifyWithStandardWebhooksSnippet());
    expect(await tsc()).toBe('');
    // A snippet that reads a field the schema does not have must fail: the check has teeth.
    await writeFile(
      join(dir, 'broken.ts'),
      "import { openStream } from '@causeflow/client';\nopenStream({ url: 'x', token: 't' }).on('incident.created', (e) => e.data.nope);\n",
    );
    expect(await tsc()).toContain("Property 'nope' does not exist");
    await rm(join(dir, 'broken.ts'));
  }, 120_000);

  it('catch-up snippets typecheck against listEvents and openStream({ catchUp })', async () => {
    expect(typeof client.listEvents).toBe('function');
    for (const event of model.events) {
      await writeFile(
        join(dir, `catchup-${event.name}.ts`),
        `${catchUpSnippet(event)}\nexport {};\n`,
      );
    }
    expect(await tsc()).toBe('');
  }, 120_000);

  it('the verifyWebhook snippet typechecks', async () => {
    expect(typeof client.verifyWebhook).toBe('function');
    await writeFile(join(dir, 'webhook-client.ts'), verifyWithClientSnippet());
    expect(await tsc()).toBe('');
  }, 120_000);
});

describe('catch-up and verifyWebhook snippets run against a real stream server', () => {
  const runDir = join(docsRoot, 'test-results/snippets-run');
  let server: TestServer;
  const children: ChildProcess[] = [];
  const closers: (() => Promise<void>)[] = [];
  const example = (event: EventModel) => ({
    ...(event.examples[0] as object),
    tenantId: 'ten_test',
  });

  beforeAll(async () => {
    await rm(runDir, { recursive: true, force: true });
    await mkdir(runDir, { recursive: true });
    server = await startTestServer({
      config: {
        webhooks: { ...CONFIG_DEFAULTS.webhooks, allowHttp: true, allowPrivate: true },
      },
    });
  });
  afterAll(async () => {
    for (const child of children) child.kill();
    for (const close of closers) await close();
    await server?.close();
  });

  it('the catch-up snippet pages what was missed after the saved cursor, then streams it and what follows', async () => {
    const event = model.events.find((e) => e.name === 'remediation.approved')!;
    const other = model.events.find((e) => e.name === 'incident.created')!;
    const [saved, , first, second] = await server.publish([
      example(event),
      example(other),
      example(event),
      example(event),
    ]);
    await writeFile(join(runDir, 'catchup.ts'), `${catchUpSnippet(event)}\nexport {};\n`);
    const child = spawn(bin('tsx'), [join(runDir, 'catchup.ts')], {
      cwd: runDir,
      env: {
        ...process.env,
        CAUSEFLOW_URL: server.url,
        CAUSEFLOW_TOKEN: await server.token(),
        LAST_CURSOR: saved!.cursor,
      },
    });
    children.push(child);
    let live: { cursor: string } | undefined;
    const all = readUntil(child, (o) => live !== undefined && o.includes(`${live.cursor} {`));
    // The stream's catch-up replays the two missed events; then one is published live.
    await readUntil(child, (o) => o.includes(`${second!.cursor} {`));
    live = (await server.publish([example(other), example(event)]))[1]!;
    const out = await all;
    child.kill();
    const listed = `${first!.cursor} ${event.name}\n${second!.cursor} ${event.name}\n`;
    expect(out.startsWith(listed), out).toBe(true);
    const streamed = out.slice(listed.length);
    const order = [first!, second!, live!].map((s) => streamed.indexOf(`${s.cursor} {`));
    expect(order.every((i) => i >= 0)).toBe(true);
    expect([...order].sort((a, b) => a - b)).toEqual(order);
    expect(out).not.toContain(saved!.cursor);
    expect(out).not.toContain(`${other.name}`);
  }, 60_000);

  it('the verifyWebhook snippet accepts a real delivery of the server and refuses a wrong secret or a changed body', async () => {
    let receiverUrl = '';
    let listening: Promise<void> = Promise.resolve();
    const delivered = new Promise<{ body: string; headers: Record<string, string> }>((resolve) => {
      const receiver = createServer((req, res) => {
        let body = '';
        req.setEncoding('utf8').on('data', (chunk: string) => {
          body += chunk;
        });
        req.on('end', () => {
          res.writeHead(204).end();
          resolve({ body, headers: req.headers as Record<string, string> });
        });
      });
      closers.push(() => new Promise((done) => receiver.close(() => done())));
      listening = new Promise((done) =>
        receiver.listen(0, '127.0.0.1', () => {
          receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hooks`;
          done();
        }),
      );
    });
    await listening;
    const res = await fetch(`${server.url}/v1/webhooks`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${await server.token({ scope: 'webhooks:manage' })}`,
        'content-type': 'application/json',
      },
      body: JSON.stringify({ url: receiverUrl, events: ['incident.created'] }),
    });
    expect(res.status).toBe(201);
    const { secret } = (await res.json()) as { secret: string };
    const event = model.events.find((e) => e.name === 'incident.created')!;
    await server.publish([example(event)]);
    const delivery = await delivered;
    await writeFile(join(runDir, 'webhook-client.ts'), verifyWithClientSnippet());
    await writeFile(
      join(runDir, 'verify.ts'),
      [
        "import { readFileSync } from 'node:fs';",
        "import { handleDelivery } from './webhook-client.js';",
        "const { body, headers } = JSON.parse(readFileSync(0, 'utf8'));",
        "try { console.log('webhook-id', await handleDelivery(body, headers)); }",
        "catch (error) { console.log('refused:', (error as { code?: string }).code); }",
      ].join('\n'),
    );
    const verify = (key: string, body = delivery.body) =>
      new Promise<string>((resolve, reject) => {
        const child = execFile(
          bin('tsx'),
          [join(runDir, 'verify.ts')],
          { cwd: runDir, env: { ...process.env, CAUSEFLOW_WEBHOOK_SECRET: key } },
          (error, stdout) => (error ? reject(error) : resolve(stdout.trim())),
        );
        child.stdin?.end(JSON.stringify({ body, headers: delivery.headers }));
      });
    const title = (event.examples[0] as { data: { title: string } }).data.title;
    expect(await verify(secret)).toBe(`${title}\nwebhook-id ${delivery.headers['webhook-id']}`);
    const other = `whsec_${Buffer.from('another-secret-of-32-bytes-long!!').toString('base64')}`;
    expect(await verify(other)).toBe('refused: bad_signature');
    expect(await verify(secret, delivery.body.replace('critical', 'low'))).toBe(
      'refused: bad_signature',
    );
  }, 60_000);
});

describe('curl and Python snippets against a real stream server', () => {
  let server: TestServer;
  let token: string;
  const children: ChildProcess[] = [];

  beforeAll(async () => {
    server = await startTestServer();
    token = await server.token();
  });
  afterAll(async () => {
    for (const child of children) child.kill();
    await server?.close();
  });

  const env = (extra: Record<string, string> = {}) => ({
    ...process.env,
    CAUSEFLOW_URL: server.url,
    CAUSEFLOW_TOKEN: token,
    ...extra,
  });
  const example = (event: EventModel) => ({
    ...(event.examples[0] as object),
    tenantId: 'ten_test',
  });

  it.each(model.events.map((e) => [e.name, e] as const))(
    'curl streams %s with ?events= and prints its frame',
    async (_name, event) => {
      const child = spawn('sh', ['-c', curlSnippet(event)], { env: env() });
      children.push(child);
      const connected = readUntil(child, (out) => out.includes('retry:'));
      await connected;
      const received = readUntil(child, (out) => out.includes(`event: ${event.name}\n`));
      // Another event first: the ?events= filter must leave it out.
      const other = model.events.find((e) => e.name !== event.name)!;
      await server.publish([example(other), example(event)]);
      const out = await received;
      child.kill();
      expect(out).not.toContain(`event: ${other.name}\n`);
      expect(out).toMatch(
        new RegExp(`id: \\S+\\nevent: ${event.name.replace('.', '\\.')}\\ndata: \\{`),
      );
    },
  );

  it.each(model.events.map((e) => [e.name, e] as const))(
    'Python resumes after a cursor and prints the cursor and fields of %s',
    async (_name, event) => {
      const [before, stored] = await server.publish([example(event), example(event)]);
      const child = spawn('python3', ['-c', pythonSnippet(event)], {
        env: env({ LAST_CURSOR: before!.cursor }),
      });
      children.push(child);
      const out = await readUntil(child, (o) => o.includes('\n'));
      child.kill();
      const data = (event.examples[0] as { data: Record<string, unknown> }).data;
      const fields = requiredFields(event, 2).map((f) => printed(data[f]));
      expect(out.trim()).toBe([stored!.cursor, event.name, ...fields].join(' '));
    },
  );

  it('Python reports stream.reset for a cursor the server does not know', async () => {
    const event = model.events[0]!;
    const child = spawn('python3', ['-c', pythonSnippet(event)], {
      env: env({ LAST_CURSOR: 'zzzzzzzz00000000-1' }),
    });
    children.push(child);
    const out = await readUntil(child, (o) => o.includes('\n'));
    child.kill();
    expect(out.split('\n')[0]).toBe('missed events, resynchronise: unknown_cursor');
  });
});

describe('webhook verification snippets', () => {
  const secret = `whsec_${Buffer.from('a-test-secret-of-32-bytes-length!').toString('base64')}`;
  const event = model.events.find((e) => e.name === 'incident.created')!;
  const body = JSON.stringify({ ...(event.examples[0] as object), id: 'evt_01HXE5G8TEST' });

  function signed(at = new Date()): Record<string, string> {
    const id = 'evt_01HXE5G8TEST';
    const signature = new Webhook(secret).sign(id, at, body);
    return {
      'webhook-id': id,
      'webhook-timestamp': String(Math.floor(at.getTime() / 1000)),
      'webhook-signature': signature,
    };
  }

  async function python(headers: Record<string, string>, key: string, raw = body): Promise<string> {
    const script = `${verifyInPythonSnippet()}\nimport sys\ntry:\n    print(verify(sys.stdin.buffer.read(), ${JSON.stringify(headers)}, ${JSON.stringify(key)})["event"])\nexcept ValueError as e:\n    print("refused:", e)\n`;
    return new Promise((resolve, reject) => {
      const child = execFile('python3', ['-c', script], (error, stdout) =>
        error ? reject(error) : resolve(stdout.trim()),
      );
      child.stdin?.end(raw);
    });
  }

  it('verifies a delivery signed by standardwebhooks, in Python by hand', async () => {
    expect(await python(signed(), secret)).toBe('incident.created');
  });

  it('accepts a rotation with two signatures, and refuses a bad secret, body or old timestamp', async () => {
    const other = `whsec_${Buffer.from('another-secret-of-32-bytes-long!!').toString('base64')}`;
    const two = signed();
    two['webhook-signature'] =
      `${new Webhook(other).sign(two['webhook-id']!, new Date(), body)} ${two['webhook-signature']}`;
    expect(await python(two, secret)).toBe('incident.created');
    expect(await python(signed(), other)).toBe('refused: no matching signature');
    expect(await python(signed(), secret, `${body} `)).toBe('refused: no matching signature');
    expect(await python(signed(new Date(Date.now() - 3_600_000)), secret)).toBe(
      'refused: stale timestamp',
    );
  });

  it('the standardwebhooks snippet verifies the same delivery', () => {
    const headers = signed();
    const wh = new Webhook(secret);
    expect((wh.verify(body, headers) as { event: string }).event).toBe('incident.created');
    expect(verifyWithStandardWebhooksSnippet()).toContain('wh.verify(rawBody, headers)');
  });
});
