/**
 * Vitest reporter: collects the figures attached by the checks, prints one table at the end of
 * the run and writes `results/latest.json` (plus `results/<scale>.json`).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Reporter, TestModule } from 'vitest/node';
import type { Figure } from './figures.js';
import { SCALE, SEED, SOAK_SECONDS } from './scale.js';

/** One row of the summary: a figure plus the outcome of the test that produced it. */
export interface ResultRow extends Figure {
  readonly test: string;
  readonly state: string;
}

const RESULTS_DIR = join(dirname(fileURLToPath(import.meta.url)), '..', 'results');

function pad(text: string, width: number): string {
  return text.length >= width ? text : text + ' '.repeat(width - text.length);
}

/** Prints the figures table and writes the JSON summary. */
export default class FiguresReporter implements Reporter {
  onTestRunEnd(testModules: readonly TestModule[]): void {
    const rows: ResultRow[] = [];
    const missing: string[] = [];
    for (const module of testModules) {
      for (const test of module.children.allTests()) {
        const figures = test.meta().figures ?? [];
        const state = test.result().state;
        if (figures.length === 0) missing.push(`${test.fullName} (${state})`);
        for (const figure of figures) rows.push({ ...figure, test: test.fullName, state });
      }
    }
    const summary = {
      scale: SCALE,
      seed: SEED,
      soakSeconds: SOAK_SECONDS,
      finishedAt: new Date().toISOString(),
      node: process.version,
      failed: rows.filter((r) => r.state !== 'passed').length,
      testsWithoutFigures: missing,
      figures: rows,
    };
    mkdirSync(RESULTS_DIR, { recursive: true });
    const json = `${JSON.stringify(summary, null, 2)}\n`;
    writeFileSync(join(RESULTS_DIR, 'latest.json'), json);
    writeFileSync(join(RESULTS_DIR, `${SCALE}.json`), json);

    const checkWidth = Math.max(5, ...rows.map((r) => r.check.length));
    const nameWidth = Math.max(6, ...rows.map((r) => r.name.length));
    const lines = [
      '',
      `CauseFlow reliability figures (scale: ${SCALE}, seed ${SEED})`,
      `${pad('check', checkWidth)}  ${pad('figure', nameWidth)}  result`,
      `${'-'.repeat(checkWidth)}  ${'-'.repeat(nameWidth)}  ${'-'.repeat(40)}`,
      ...rows.map(
        (r) =>
          `${pad(r.check, checkWidth)}  ${pad(r.name, nameWidth)}  ${r.summary}${r.state === 'passed' ? '' : `   [${r.state.toUpperCase()}]`}`,
      ),
      ...missing.map((m) => `(no figures) ${m}`),
      '',
      `written to ${join(RESULTS_DIR, 'latest.json')}`,
      '',
    ];
    process.stdout.write(`${lines.join('\n')}\n`);
  }
}
