import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';

/** The Redis the shared tests use: `REDIS_URL`, or the local default. */
export const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

/** Under CI the Redis tests must run; locally they are skipped when Redis is missing. */
export const REDIS_REQUIRED = process.env.CI === 'true' || process.env.CI === '1';

/** How to get a Redis for these tests, shown when they are skipped. */
export const START_REDIS_HINT =
  'start one with: redis-server --daemonize yes --port 6379 --save "" --appendonly no';

/** True when a PING to `url` answers within a second. */
export async function redisReachable(url: string = REDIS_URL): Promise<boolean> {
  const client = new Redis(url, {
    lazyConnect: true,
    connectTimeout: 1_000,
    retryStrategy: () => null,
    maxRetriesPerRequest: 0,
  });
  client.on('error', () => {});
  try {
    await client.connect();
    return (await client.ping()) === 'PONG';
  } catch {
    return false;
  } finally {
    client.disconnect();
  }
}

/** A key prefix no other test uses. */
export function uniquePrefix(): string {
  return `cftest:${randomBytes(6).toString('hex')}:`;
}

/** Deletes every key under `prefix`. */
export async function deleteKeys(prefix: string, url: string = REDIS_URL): Promise<void> {
  const client = new Redis(url, { maxRetriesPerRequest: 0, retryStrategy: () => null });
  client.on('error', () => {});
  try {
    let cursor = '0';
    do {
      const [next, keys] = await client.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
      cursor = next;
      if (keys.length > 0) await client.del(...keys);
    } while (cursor !== '0');
  } finally {
    client.disconnect();
  }
}

/** A free TCP port on 127.0.0.1 (released before returning). */
export async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const address = server.address();
  server.close();
  await once(server, 'close');
  if (address === null || typeof address === 'string') throw new Error('no port');
  return address.port;
}

/** True when a `redis-server` binary can be started. */
export async function redisServerAvailable(): Promise<boolean> {
  const child = spawn('redis-server', ['--version'], { stdio: 'ignore' });
  try {
    const [code] = (await Promise.race([once(child, 'exit'), once(child, 'error')])) as [unknown];
    return code === 0;
  } catch {
    return false;
  }
}

/** A `redis-server` child process on a fixed port, which a test can kill and start again. */
export class RedisProcess {
  #child: ChildProcess | undefined;

  constructor(
    readonly port: number,
    private readonly extraArgs: readonly string[] = ['--save', '', '--appendonly', 'no'],
  ) {}

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  /** Starts the server and waits until it answers PING. */
  async start(): Promise<void> {
    const args = ['--port', String(this.port), '--bind', '127.0.0.1', ...this.extraArgs];
    this.#child = spawn('redis-server', args, { stdio: 'ignore' });
    for (let i = 0; i < 200; i++) {
      if (await redisReachable(this.url)) return;
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
    throw new Error(`redis-server on port ${this.port} did not start`);
  }

  /** Stops the server (SIGTERM: a clean shutdown that flushes the AOF; SIGKILL: a crash). */
  async stop(signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
    const child = this.#child;
    this.#child = undefined;
    if (!child || child.exitCode !== null) return;
    const exited = once(child, 'exit');
    child.kill(signal);
    await exited;
  }
}

/**
 * A TCP proxy in front of Redis whose link can be cut and restored, on a fixed port. While
 * `losing`, it passes commands through but drops each connection as soon as Redis answers on it:
 * the command is applied, its reply is lost (a crash after the write, as the producer sees it).
 */
export class CuttableProxy {
  losing = false;
  #server: Server | undefined;
  readonly #sockets = new Set<Socket>();

  constructor(
    readonly port: number,
    private readonly targetPort: number,
  ) {}

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  async open(): Promise<void> {
    const server = createServer((client) => {
      const upstream = connect(this.targetPort, '127.0.0.1');
      for (const s of [client, upstream]) {
        this.#sockets.add(s);
        s.on('close', () => this.#sockets.delete(s));
        s.on('error', () => {
          client.destroy();
          upstream.destroy();
        });
      }
      client.pipe(upstream);
      upstream.on('data', (chunk: Buffer) => {
        if (!this.losing) {
          client.write(chunk);
          return;
        }
        client.destroy();
        upstream.destroy();
      });
      upstream.on('end', () => client.end());
    });
    server.listen(this.port, '127.0.0.1');
    await once(server, 'listening');
    this.#server = server;
  }

  /** Drops every connection and refuses new ones until `open()`. */
  async cut(): Promise<void> {
    const server = this.#server;
    this.#server = undefined;
    for (const s of this.#sockets) s.destroy();
    if (server) {
      server.close();
      await once(server, 'close');
    }
  }
}

/**
 * A throw-away Redis Cluster of `size` masters (no replicas, no persistence) on free ports, its
 * node config files in a temp dir. `start()` creates it and waits for `cluster_state:ok`.
 */
export class RedisClusterProcess {
  readonly #nodes: RedisProcess[] = [];
  #dir: string | undefined;

  constructor(private readonly size = 3) {}

  /** The seed nodes, for `createRedisEventLog({ cluster: { nodes } })`. */
  get nodes(): { host: string; port: number }[] {
    return this.#nodes.map((n) => ({ host: '127.0.0.1', port: n.port }));
  }

  async start(): Promise<void> {
    const dir = await mkdtemp(join(tmpdir(), 'causeflow-cluster-'));
    this.#dir = dir;
    for (let i = 0; i < this.size; i++) {
      const port = await freePort();
      const node = new RedisProcess(port, [
        '--cluster-enabled',
        'yes',
        // The bus port defaults to port + 10000, which may be taken or out of range.
        '--cluster-port',
        String(await freePort()),
        '--cluster-config-file',
        `nodes-${port}.conf`,
        '--dir',
        dir,
        '--save',
        '',
        '--appendonly',
        'no',
      ]);
      this.#nodes.push(node);
    }
    await Promise.all(this.#nodes.map((n) => n.start()));
    const create = spawn(
      'redis-cli',
      [
        '--cluster',
        'create',
        ...this.#nodes.map((n) => `127.0.0.1:${n.port}`),
        '--cluster-replicas',
        '0',
        '--cluster-yes',
      ],
      { stdio: ['ignore', 'ignore', 'pipe'] },
    );
    let stderr = '';
    create.stderr?.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    const [code] = (await once(create, 'exit')) as [number | null];
    if (code !== 0) throw new Error(`redis-cli --cluster create failed (${code}): ${stderr}`);
    for (const node of this.#nodes) {
      const client = new Redis(node.url, { maxRetriesPerRequest: 0 });
      try {
        for (let i = 0; ; i++) {
          const info = String(await client.cluster('INFO'));
          if (info.includes('cluster_state:ok')) break;
          if (i >= 400) throw new Error(`cluster node ${node.port} not ok: ${info}`);
          await new Promise((resolve) => setTimeout(resolve, 25));
        }
      } finally {
        client.disconnect();
      }
    }
  }

  /** Kills one node (a crash), leaving the others running. */
  async kill(port: number): Promise<void> {
    await this.#nodes.find((n) => n.port === port)?.stop('SIGKILL');
  }

  /** Kills every node and removes the temp dir. */
  async stop(): Promise<void> {
    await Promise.all(this.#nodes.splice(0).map((n) => n.stop('SIGKILL')));
    if (this.#dir) await rm(this.#dir, { recursive: true, force: true });
    this.#dir = undefined;
  }
}
