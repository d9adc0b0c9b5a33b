/**
 * Validators: the generated standalone validators (`validateEvent` and the raw generated function)
 * against ajv compiling the same schemas at run time (Ajv2020 + ajv-formats), on valid and invalid
 * payloads; and the time to load each in a fresh process.
 */
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { validateEvent } from '@causeflow/events';
import type { Ajv2020 as AjvType } from 'ajv/dist/2020.js';
import { catalogExamples } from '../events.js';
import { measureMicro } from '../harness/micro.js';
import { benchRoot, packageDir } from '../harness/packages.js';
import { median, metric } from '../harness/stats.js';
import { BenchError, type Benchmark, type Metric, sized } from '../harness/types.js';

type Validator = ((data: unknown) => boolean) & { errors?: unknown };

/** Valid payloads (one per event kind) and invalid ones (two errors each). */
export function payloads(): {
  valid: Record<string, unknown>[];
  invalid: Record<string, unknown>[];
} {
  const valid: Record<string, unknown>[] = catalogExamples().map((e) => ({
    ...e,
    id: 'evt_bench_1',
  }));
  const invalid = valid.map((e) => ({
    ...e,
    tenantId: 'not a tenant',
    data: { ...(e.data as Record<string, unknown>), unexpected: true },
  }));
  return { valid, invalid };
}

/** Reads every schema file of `@causeflow/schemas`. */
function readSchemas(): { shared: object[]; events: { name: string; schema: { $id: string } }[] } {
  const dir = packageDir('@causeflow/schemas');
  const read = (file: string) => JSON.parse(readFileSync(join(dir, file), 'utf8'));
  const events = readdirSync(join(dir, 'events'))
    .filter((f) => f.endsWith('.json'))
    .map((f) => ({ name: f.replace(/\.json$/, ''), schema: read(`events/${f}`) }));
  return { shared: [read('defs.json'), read('envelope.json')], events };
}

/** ajv as an application would use it without codegen: compile the schema files at start-up. */
export function compileWithAjv(): Record<string, Validator> {
  const require = createRequire(join(benchRoot, 'package.json'));
  const Ajv2020 = require('ajv/dist/2020').default as typeof AjvType;
  const addFormats = require('ajv-formats').default as (ajv: AjvType) => AjvType;
  const ajv = new Ajv2020({ strict: true, allErrors: true });
  addFormats(ajv);
  ajv.addKeyword('x-domain');
  ajv.addKeyword('x-when-emitted');
  const { shared, events } = readSchemas();
  for (const schema of shared) ajv.addSchema(schema);
  const out: Record<string, Validator> = {};
  for (const { name, schema } of events) out[name] = ajv.compile(schema) as Validator;
  return out;
}

/** The raw generated validators (`eventValidators`), which the package does not export. */
async function generatedValidators(): Promise<Record<string, Validator>> {
  const file = join(packageDir('@causeflow/events'), 'dist/generated/validators.js');
  const mod = (await import(pathToFileURL(file).href)) as {
    eventValidators: Record<string, Validator>;
  };
  return mod.eventValidators;
}

/**
 * CPU and wall milliseconds a fresh `node` takes to run `code` (an ES module body ending with
 * `done()`), measured inside that process from the first line, so Node's own start-up is excluded.
 */
function freshProcessMs(code: string): { cpu: number; wall: number } {
  const program = [
    'const t0 = performance.now(); const c0 = process.cpuUsage();',
    'const done = () => { const c = process.cpuUsage(c0);',
    '  process.stdout.write(JSON.stringify({ wall: performance.now() - t0, cpu: (c.user + c.system) / 1000 })); };',
    code,
  ].join('\n');
  const result = spawnSync(process.execPath, ['--input-type=module', '-e', program], {
    cwd: benchRoot,
    encoding: 'utf8',
  });
  try {
    if (result.status !== 0) throw new Error('exit');
    return JSON.parse(result.stdout) as { cpu: number; wall: number };
  } catch (cause) {
    throw new BenchError(`fresh-process timing failed: ${result.stderr || result.stdout}`, {
      cause,
    });
  }
}

const LOAD_GENERATED = (eventsUrl: string) =>
  `await import(${JSON.stringify(eventsUrl)});\ndone();`;

const LOAD_AJV = (benchUrl: string, schemasDir: string) => `
const { createRequire } = await import('node:module');
const { readFileSync, readdirSync } = await import('node:fs');
const require = createRequire(${JSON.stringify(benchUrl)});
const Ajv2020 = require('ajv/dist/2020').default;
const addFormats = require('ajv-formats').default;
const ajv = new Ajv2020({ strict: true, allErrors: true });
addFormats(ajv);
ajv.addKeyword('x-domain');
ajv.addKeyword('x-when-emitted');
const dir = ${JSON.stringify(schemasDir)};
const read = (f) => JSON.parse(readFileSync(dir + '/' + f, 'utf8'));
ajv.addSchema(read('defs.json'));
ajv.addSchema(read('envelope.json'));
for (const f of readdirSync(dir + '/events')) ajv.compile(read('events/' + f));
done();`;

/** The validators benchmark. */
export const validators: Benchmark = {
  name: 'validators',
  title: 'Validators: generated standalone validators vs ajv compiling at run time',
  async run(context) {
    const started = performance.now();
    const { options } = context;
    const { valid, invalid } = payloads();
    // What a reader built before a field was added receives: one property its schema lacks.
    const newer = valid.map((e) => ({
      ...e,
      data: { ...(e.data as Record<string, unknown>), addedLater: 'x' },
    }));
    const names = valid.map((p) => String(p.event));
    const generated = await generatedValidators();
    const runtime = compileWithAjv();

    // Sanity: all three agree on every payload before anything is timed.
    const problems: string[] = [];
    valid.forEach((p, i) => {
      const name = names[i]!;
      if (!validateEvent(p).ok || !generated[name]!(p) || !runtime[name]!(p))
        problems.push(`${name}: a valid payload was refused`);
    });
    invalid.forEach((p, i) => {
      const name = names[i]!;
      if (validateEvent(p).ok || generated[name]!(p) || runtime[name]!(p))
        problems.push(`${name}: an invalid payload was accepted`);
    });
    newer.forEach((p, i) => {
      if (!validateEvent(p, { mode: 'tolerant' }).ok || validateEvent(p).ok)
        problems.push(`${names[i]}: tolerant/strict disagree on an unknown field`);
    });
    if (problems.length > 0) throw new BenchError(`validators disagree: ${problems.join('; ')}`);

    // One loop per task, written out: closures made from ONE function literal share V8's
    // feedback and optimised code, so a shared `loop(check)` made `check(...)` a megamorphic
    // call and favoured whichever task was optimised first. That, not validateEvent, was the
    // 0.64x of earlier runs (reversing the task order reversed the ratio).
    let sink = 0;
    const n = valid.length;
    const task = (name: string, run: () => void) => ({ name, opsPerRun: n, run });
    const tasks = [
      task('validateEvent valid', () => {
        for (let i = 0; i < n; i++) if (validateEvent(valid[i]).ok) sink++;
      }),
      task('generated valid', () => {
        for (let i = 0; i < n; i++) if (generated[names[i]!]!(valid[i])) sink++;
      }),
      task('ajv runtime valid', () => {
        for (let i = 0; i < n; i++) if (runtime[names[i]!]!(valid[i])) sink++;
      }),
      task('validateEvent invalid', () => {
        for (let i = 0; i < n; i++) if (validateEvent(invalid[i]).ok) sink++;
      }),
      task('generated invalid', () => {
        for (let i = 0; i < n; i++) if (generated[names[i]!]!(invalid[i])) sink++;
      }),
      task('ajv runtime invalid', () => {
        for (let i = 0; i < n; i++) if (runtime[names[i]!]!(invalid[i])) sink++;
      }),
    ];
    context.progress(`timing ${tasks.length} validator tasks`);
    const timed = await measureMicro(tasks, {
      warmupMs: sized(options, { smoke: 5, quick: 20, full: 300 }),
      batchMs: sized(options, { smoke: 5, quick: 10, full: 100 }),
      rounds: sized(options, { smoke: 2, quick: 3, full: 15 }),
    });
    const opsPerSecond = (name: string): number => timed.get(name)!.opsPerSecond;
    // Tolerant reading, timed after the comparisons above so its extra payload shapes cannot
    // change the feedback the validators had while those were measured.
    const tolerant = await measureMicro(
      [
        task('validateEvent valid (again)', () => {
          for (let i = 0; i < n; i++) if (validateEvent(valid[i]).ok) sink++;
        }),
        task('validateEvent tolerant newer', () => {
          for (let i = 0; i < n; i++) if (validateEvent(newer[i], { mode: 'tolerant' }).ok) sink++;
        }),
      ],
      {
        warmupMs: sized(options, { smoke: 5, quick: 20, full: 300 }),
        batchMs: sized(options, { smoke: 5, quick: 10, full: 100 }),
        rounds: sized(options, { smoke: 2, quick: 3, full: 15 }),
      },
    );

    const rounds = sized(options, { smoke: 1, quick: 2, full: 7 });
    context.progress(`loading each in ${rounds} fresh processes`);
    const eventsUrl = pathToFileURL(join(packageDir('@causeflow/events'), 'dist/index.js')).href;
    const benchUrl = pathToFileURL(join(benchRoot, 'package.json')).href;
    const schemasDir = packageDir('@causeflow/schemas');
    const loadGenerated: { cpu: number; wall: number }[] = [];
    const loadAjv: { cpu: number; wall: number }[] = [];
    for (let r = 0; r < rounds; r++) {
      loadGenerated.push(freshProcessMs(LOAD_GENERATED(eventsUrl)));
      loadAjv.push(freshProcessMs(LOAD_AJV(benchUrl, schemasDir)));
    }

    const baselineLabel = 'ajv compiled at run time';
    const metrics: Metric[] = [];
    for (const kind of ['valid', 'invalid'] as const) {
      const ajvOps = opsPerSecond(`ajv runtime ${kind}`);
      metrics.push(
        metric({
          name: `validateEvent, ${kind} payloads`,
          unit: 'ops/s',
          value: opsPerSecond(`validateEvent ${kind}`),
          baseline: ajvOps,
          baselineLabel,
          better: 'higher',
        }),
        metric({
          name: `generated validator, ${kind} payloads`,
          unit: 'ops/s',
          value: opsPerSecond(`generated ${kind}`),
          baseline: ajvOps,
          baselineLabel,
          better: 'higher',
        }),
      );
    }
    metrics.push(
      metric({
        name: 'validateEvent tolerant, payloads with an unknown field',
        unit: 'ops/s',
        value: tolerant.get('validateEvent tolerant newer')!.opsPerSecond,
        baseline: tolerant.get('validateEvent valid (again)')!.opsPerSecond,
        baselineLabel: 'validateEvent strict, valid payloads, same phase',
        better: 'higher',
      }),
      metric({
        name: 'load in a fresh process, CPU (import vs compile)',
        unit: 'ms',
        value: median(loadGenerated.map((l) => l.cpu)),
        baseline: median(loadAjv.map((l) => l.cpu)),
        baselineLabel: 'import ajv + compile schemas/*.json',
        better: 'lower',
      }),
    );
    return {
      name: 'validators',
      title: this.title,
      params: { payloads: valid.length, loadRounds: rounds, sink: sink > 0 },
      metrics,
      integrity: {
        ok: true,
        checked: `${valid.length} valid and ${invalid.length} invalid payloads: all three validators agree; ${newer.length} with an unknown field: tolerant accepts, strict refuses`,
        problems: [],
      },
      notes: [
        `load, median wall ms: generated ${median(loadGenerated.map((l) => l.wall)).toFixed(1)}, ajv ${median(loadAjv.map((l) => l.wall)).toFixed(1)}`,
        'ops/s are operations per CPU second of the benchmark process (median of interleaved rounds)',
      ],
      durationMs: performance.now() - started,
    };
  },
};
