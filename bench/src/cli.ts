#!/usr/bin/env node
/**
 * `pnpm bench [name…] [--quick] [--connections 1000,10000] [--compare file]`: runs the benchmarks
 * with progress on stderr, prints the table and writes results/<timestamp>.json + latest.json.
 */
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { formatComparison, formatMarkdown, formatResults } from './harness/format.js';
import { benchRoot } from './harness/packages.js';
import { readRunRecord } from './harness/results.js';
import { type BenchOptions, type Scale, sized } from './harness/types.js';
import { BENCHMARKS } from './registry.js';
import { runBenchmarks } from './run.js';

const HELP = `Usage: pnpm bench [benchmark…] [options]

Benchmarks: ${BENCHMARKS.map((b) => b.name).join(', ')} (all when none is named)

Options:
  --quick                 a quick look (200 connections, 2 s phases; numbers are rough)
  --smoke                 tiny sizes for tests (16 connections, 0.5 s phases; numbers meaningless)
  --cpu-prof              write V8 CPU profiles of the server processes to <out>/profiles
  --connections <list>    fan-out connection counts, comma-separated (default 1000,10000)
  --tenants <n>           tenants the connections are spread over (default 4)
  --client-workers <n>    client processes holding the connections (default 2)
  --seconds <n>           seconds of steady publishing per fan-out run (default 10, quick 2)
  --redis-url <url>       Redis for the bus benchmark (default $REDIS_URL or redis://127.0.0.1:6379)
  --out <dir>             where to write results (default bench/results)
  --compare <file>        print deltas against a previous results file (e.g. results/latest.json)
  --markdown              also print the table as Markdown
  -h, --help              this text
`;

function positiveNumber(name: string, text: string): number {
  const n = Number(text);
  if (!Number.isFinite(n) || n <= 0) throw new Error(`--${name} must be a positive number`);
  return n;
}

function positiveInt(name: string, text: string): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n <= 0) throw new Error(`--${name} must be a positive integer`);
  return n;
}

async function main(): Promise<number> {
  // `pnpm bench -- …` hands the script a literal `--` first; it is not an end of options here.
  const argv = process.argv.slice(2);
  const { values, positionals } = parseArgs({
    args: argv[0] === '--' ? argv.slice(1) : argv,
    allowPositionals: true,
    options: {
      quick: { type: 'boolean', default: false },
      smoke: { type: 'boolean', default: false },
      'cpu-prof': { type: 'boolean', default: false },
      connections: { type: 'string' },
      tenants: { type: 'string' },
      'client-workers': { type: 'string' },
      seconds: { type: 'string' },
      'redis-url': { type: 'string' },
      out: { type: 'string' },
      compare: { type: 'string' },
      markdown: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    process.stdout.write(HELP);
    return 0;
  }
  const scale: Scale = values.smoke ? 'smoke' : values.quick ? 'quick' : 'full';
  const resultsDir = values.out ?? join(benchRoot, 'results');
  const options: BenchOptions = {
    scale,
    connections: values.connections
      ? values.connections.split(',').map((s) => positiveInt('connections', s.trim()))
      : sized({ scale }, { smoke: [16], quick: [200], full: [1000, 10_000] }),
    tenants: values.tenants
      ? positiveInt('tenants', values.tenants)
      : sized({ scale }, { smoke: 2, quick: 4, full: 4 }),
    clientWorkers: values['client-workers']
      ? positiveInt('client-workers', values['client-workers'])
      : sized({ scale }, { smoke: 1, quick: 2, full: 2 }),
    seconds: values.seconds
      ? positiveNumber('seconds', values.seconds)
      : sized({ scale }, { smoke: 0.5, quick: 2, full: 10 }),
    redisUrl: values['redis-url'] ?? process.env.REDIS_URL ?? 'redis://127.0.0.1:6379',
    ...(values['cpu-prof'] ? { cpuProfileDir: join(resultsDir, 'profiles') } : {}),
  };
  const previous = values.compare ? await readRunRecord(values.compare) : undefined;
  const started = performance.now();
  const outcome = await runBenchmarks({
    names: positionals,
    options,
    resultsDir,
    progress: (line) => {
      const t = ((performance.now() - started) / 1000).toFixed(1).padStart(6);
      process.stderr.write(`${t}s ${line}\n`);
    },
  });
  const { record } = outcome;
  const m = record.machine;
  const out: string[] = [
    '',
    `${m.cpuModel}, ${m.cpus} CPUs, ${m.totalMemoryMb} MiB, Node ${m.node}, ${m.platform}, load ${m.loadAverage.join(' ')}`,
    '',
    formatResults(record.results),
  ];
  for (const r of record.results) {
    for (const note of r.notes) out.push(`  ${r.name}: ${note}`);
  }
  if (values.markdown) out.push('', formatMarkdown(record.results));
  if (previous) {
    out.push('', `Compared with ${values.compare} (${previous.startedAt}):`, '');
    out.push(formatComparison(record.results, previous.results));
  }
  out.push('', `results: ${outcome.paths.join(', ')}`, '');
  process.stdout.write(out.join('\n'));
  for (const failure of outcome.failures) {
    process.stderr.write(`\nFAILED ${failure.name}: ${failure.message}\n`);
  }
  const missed = record.results.flatMap((r) =>
    r.metrics.filter((x) => x.met === false).map((x) => `${r.name}: ${x.name}`),
  );
  if (missed.length > 0) process.stdout.write(`targets missed: ${missed.join('; ')}\n`);
  return outcome.failures.length > 0 ? 1 : 0;
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 2;
  },
);
