/**
 * Codegen: time for `generate()` (lint + every emitter) over the 20 real schemas and over synthetic
 * sets of 100 and 1,000 made from them by renaming, to show how the time grows with the set.
 */
import { generate, type JsonSchema, loadSchemaSet, type SchemaSet } from '@causeflow/codegen';
import { cpuTimeMs } from '../harness/micro.js';
import { packageDir } from '../harness/packages.js';
import { median, metric } from '../harness/stats.js';
import { BenchError, type Benchmark, type Metric, sized } from '../harness/types.js';

/**
 * A set of `count` events made from the real ones: copy c of `incident.created` is
 * `incident.created_s<c>` (file, `$id`, `event` const and examples renamed).
 */
export function syntheticSet(real: SchemaSet, count: number): SchemaSet {
  const events: { file: string; schema: JsonSchema }[] = [];
  for (let c = 1; events.length < count; c++) {
    for (const event of real.events) {
      if (events.length >= count) break;
      const schema = structuredClone(event.schema) as JsonSchema & {
        $id: string;
        properties: { event: { const: string } };
        examples: { event: string }[];
      };
      const name = `${schema.properties.event.const}_s${c}`;
      schema.$id = schema.$id.replace(/\/events\/[^/]+$/, `/events/${name}.json`);
      schema.properties.event.const = name;
      for (const example of schema.examples) example.event = name;
      events.push({ file: `events/${name}.json`, schema });
    }
  }
  return { ...real, events };
}

/** CPU milliseconds of `generate(set)` (this process), wall milliseconds and output size. */
async function timeGenerate(
  set: SchemaSet,
): Promise<{ ms: number; wallMs: number; bytes: number }> {
  const t0 = performance.now();
  const { ms, value: files } = await cpuTimeMs(() => generate(set));
  const wallMs = performance.now() - t0;
  let bytes = 0;
  for (const text of files.values()) bytes += text.length;
  if (!files.has('validators.ts') || bytes === 0)
    throw new BenchError('generate() produced nothing');
  return { ms, wallMs, bytes };
}

/** The codegen benchmark. */
export const codegen: Benchmark = {
  name: 'codegen',
  title: 'Codegen: generate() over 20 real and 100 / 1,000 synthetic schemas',
  async run(context) {
    const started = performance.now();
    const { options } = context;
    const real = await loadSchemaSet(packageDir('@causeflow/schemas'));
    const realCount = real.events.length;
    if (options.scale !== 'smoke') {
      context.progress(`warming up on the ${realCount} real schemas`);
      await timeGenerate(real);
    }
    const rounds = sized(options, { smoke: 1, quick: 1, full: 3 });
    const realRuns: number[] = [];
    let realBytes = 0;
    for (let r = 0; r < rounds; r++) {
      const { ms, bytes } = await timeGenerate(real);
      realRuns.push(ms);
      realBytes = bytes;
    }
    const realMs = median(realRuns);
    const metrics: Metric[] = [
      metric({
        name: `${realCount} real schemas, CPU`,
        unit: 'ms',
        value: realMs,
        better: 'lower',
      }),
    ];
    const notes = [`${realCount} schemas → ${Math.round(realBytes / 1024)} KiB generated`];
    for (const count of sized(options, { smoke: [40], quick: [100], full: [100, 1000] })) {
      context.progress(`generating from ${count} synthetic schemas`);
      const { ms, wallMs, bytes } = await timeGenerate(syntheticSet(real, count));
      metrics.push(
        metric({
          name: `${count} synthetic schemas, CPU per schema`,
          unit: 'ms',
          value: ms / count,
          baseline: realMs / realCount,
          baselineLabel: `per schema at ${realCount}`,
          better: 'lower',
        }),
      );
      notes.push(
        `${count} schemas: ${(ms / 1000).toFixed(2)} s CPU (${(wallMs / 1000).toFixed(2)} s wall) → ${Math.round(bytes / 1024)} KiB`,
      );
    }
    return {
      name: 'codegen',
      title: this.title,
      params: { rounds },
      metrics,
      integrity: {
        ok: true,
        checked: 'every set passed the lint and produced types, validators and catalog',
        problems: [],
      },
      notes,
      durationMs: performance.now() - started,
    };
  },
};
