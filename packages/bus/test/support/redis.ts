import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, RedisProcess } from '@causeflow/devkit/redis';
import { Redis } from 'ioredis';

// The shared helpers (one copy for every package's tests and the benchmarks).
export * from '@causeflow/devkit/redis';

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
