/**
 * The incident lifecycle page parts, rendered from `INCIDENT_LIFECYCLE` of @causeflow/events:
 * the list the dev-mode simulator walks. An HTML flow diagram (what the site shows), a Mermaid
 * diagram and a Markdown list, and the linear event order used for the catalog order and
 * previous/next links, so the docs cannot disagree with the simulator.
 *
 * The site draws the diagram as plain HTML + CSS (`.cf-lifecycle` in the theme) rather than
 * Mermaid: VitePress 1 does not render Mermaid without a plugin and the mermaid runtime (~2 MB of
 * client JS), and an HTML flow wraps at 390 px and is searchable, with a link per event.
 */
import {
  INCIDENT_LIFECYCLE,
  type LifecycleEventStep,
  type LifecyclePhase,
  type LifecycleStep,
} from '@causeflow/events';

function eventLabel(step: LifecycleEventStep): string {
  const name = step.status === undefined ? step.event : `${step.event} → ${step.status}`;
  const marks = [step.optional ? 'optional' : '', step.repeats ? 'repeats' : ''].filter(Boolean);
  return marks.length > 0 ? `${name} (${marks.join(', ')})` : name;
}

function stepLines(step: LifecycleStep): string[] {
  if (!('branches' in step)) return [eventLabel(step)];
  return step.branches.map((b) => `${b.when}: ${b.steps.flatMap(stepLines).join(', ')}`);
}

function phaseMarks(phase: LifecyclePhase): string {
  const marks = [phase.optional ? 'optional' : '', phase.repeats ? 'repeats' : ''].filter(Boolean);
  return marks.length > 0 ? ` (${marks.join(', ')})` : '';
}

/** Mermaid source of a top-down flowchart: one node per phase listing its events. */
export function lifecycleMermaid(phases: readonly LifecyclePhase[] = INCIDENT_LIFECYCLE): string {
  const quote = (text: string) => text.replace(/"/g, '#quot;');
  const lines = ['flowchart TD'];
  for (const phase of phases) {
    const body = phase.steps.flatMap(stepLines).map(quote).join('<br/>');
    lines.push(
      `  ${phase.key}["<b>${quote(phase.title)}</b>${quote(phaseMarks(phase))}<br/>${body}"]`,
    );
    if (phase.repeats) lines.push(`  ${phase.key} -->|again| ${phase.key}`);
  }
  for (let i = 1; i < phases.length; i++) {
    const from = phases[i - 1]!;
    const to = phases[i]!;
    lines.push(`  ${from.key} ${to.optional ? '-.->' : '-->'} ${to.key}`);
  }
  // An optional phase may be skipped: draw the edge around it.
  for (let i = 1; i + 1 < phases.length; i++) {
    if (phases[i]!.optional) lines.push(`  ${phases[i - 1]!.key} -.-> ${phases[i + 1]!.key}`);
  }
  return `${lines.join('\n')}\n`;
}

function markdownStep(step: LifecycleStep, indent: string): string[] {
  if (!('branches' in step)) {
    const name =
      step.status === undefined ? `\`${step.event}\`` : `\`${step.event}\` → \`${step.status}\``;
    const marks = [step.optional ? 'optional' : '', step.repeats ? 'may repeat' : ''].filter(
      Boolean,
    );
    const note = [marks.join(', '), step.note ?? ''].filter(Boolean).join('; ');
    return [`${indent}- ${name}${note ? ` (${note})` : ''}`];
  }
  return [
    `${indent}- one of:`,
    ...step.branches.flatMap((b) => [
      `${indent}  - ${b.when}:`,
      ...b.steps.flatMap((s) => markdownStep(s, `${indent}    `)),
    ]),
  ];
}

/** A Markdown ordered list of the phases, each with its events (nested lists). */
export function lifecycleMarkdown(phases: readonly LifecyclePhase[] = INCIDENT_LIFECYCLE): string {
  const out: string[] = [];
  phases.forEach((phase, i) => {
    out.push(`${i + 1}. **${phase.title}**${phaseMarks(phase)}: ${phase.description}`);
    for (const step of phase.steps) out.push(...markdownStep(step, '   '));
  });
  return `${out.join('\n')}\n`;
}

function namesOf(steps: readonly LifecycleStep[]): string[] {
  return steps.flatMap((s) =>
    'branches' in s ? s.branches.flatMap((b) => namesOf(b.steps)) : [s.event],
  );
}

/**
 * The events in lifecycle order, each once, as steps; a step with several events lists
 * alternatives (events found in only one path of a choice, at the same place: approved or
 * rejected). The shape of the docs' previous/next lifecycle links.
 * @example
 * lifecycleOrder(); // [['trigger.event_received'], ['incident.created'], …, ['remediation.approved', 'remediation.rejected'], …]
 */
export function lifecycleOrder(phases: readonly LifecyclePhase[] = INCIDENT_LIFECYCLE): string[][] {
  const out: string[][] = [];
  const seen = new Set<string>();
  const add = (group: readonly string[]) => {
    const fresh = group.filter((n) => !seen.has(n));
    for (const n of fresh) seen.add(n);
    if (fresh.length > 0) out.push(fresh);
  };
  const walk = (steps: readonly LifecycleStep[]): void => {
    for (const step of steps) {
      if (!('branches' in step)) {
        add([step.event]);
        continue;
      }
      const paths = step.branches.map((b) => namesOf(b.steps));
      const only = (n: string) => paths.filter((p) => p.includes(n)).length === 1;
      const longest = Math.max(...paths.map((p) => p.length));
      for (let i = 0; i < longest; i++) {
        const here = [
          ...new Set(paths.map((p) => p[i]).filter((n): n is string => n !== undefined)),
        ];
        add(here.filter(only));
        for (const n of here.filter((x) => !only(x))) add([n]);
      }
    }
  };
  for (const phase of phases) walk(phase.steps);
  return out;
}

function escapeHtml(text: string): string {
  return text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;');
}

function htmlMarks(marks: readonly string[]): string {
  return marks.map((m) => ` <span class="cf-lifecycle-mark">${escapeHtml(m)}</span>`).join('');
}

function htmlStep(step: LifecycleStep, root: string): string {
  if (!('branches' in step)) {
    const link = `<a href="${root}events/${step.event}.html"><code>${escapeHtml(step.event)}</code></a>`;
    const status = step.status === undefined ? '' : ` → <code>${escapeHtml(step.status)}</code>`;
    const marks = [step.optional ? 'optional' : '', step.repeats ? 'may repeat' : ''].filter(
      Boolean,
    );
    const note = step.note
      ? ` <span class="cf-lifecycle-note">(${escapeHtml(step.note)})</span>`
      : '';
    return `<li>${link}${status}${htmlMarks(marks)}${note}</li>`;
  }
  const branches = step.branches.map(
    (b) =>
      `<li class="cf-lifecycle-branch"><span class="cf-lifecycle-when">${escapeHtml(b.when)}</span><ol>${b.steps.map((s) => htmlStep(s, root)).join('')}</ol></li>`,
  );
  return `<li class="cf-lifecycle-choice">one of:<ul>${branches.join('')}</ul></li>`;
}

/** Options of {@link lifecycleHtml}. */
export interface LifecycleHtmlOptions {
  /** Path from the page to the site root, for event links: `'./'` or `'../'`. */
  readonly root: string;
  readonly phases?: readonly LifecyclePhase[];
}

/**
 * The lifecycle as an HTML flow diagram: one box per phase, in order, joined by arrows (dashed
 * into an optional phase), a repeating phase marked as such, each event linked to its page.
 * Plain HTML for Markdown pages (`v-pre`, so VitePress does not compile it as a template).
 * @example lifecycleHtml({ root: '../' }); // '<ol class="cf-lifecycle" v-pre>…'
 */
export function lifecycleHtml(options: LifecycleHtmlOptions): string {
  const phases: readonly LifecyclePhase[] = options.phases ?? INCIDENT_LIFECYCLE;
  const items = phases.map((phase) => {
    const marks = [phase.optional ? 'optional' : '', phase.repeats ? 'repeats' : ''].filter(
      Boolean,
    );
    const attrs = `${phase.optional ? ' data-optional' : ''}${phase.repeats ? ' data-repeats' : ''}`;
    const steps = phase.steps.map((s) => htmlStep(s, options.root)).join('');
    return [
      `<li class="cf-lifecycle-phase" id="lifecycle-${phase.key}"${attrs}>`,
      `<p class="cf-lifecycle-title"><strong>${escapeHtml(phase.title)}</strong>${htmlMarks(marks)}</p>`,
      `<p class="cf-lifecycle-desc">${escapeHtml(phase.description)}</p>`,
      `<ol class="cf-lifecycle-steps">${steps}</ol>`,
      phase.repeats ? '<p class="cf-lifecycle-again">↻ may run again</p>' : '',
      '</li>',
    ].join('');
  });
  return `<ol class="cf-lifecycle" v-pre>\n${items.join('\n')}\n</ol>\n`;
}

/** Where a hand-written page (apps/docs/pages) gets the lifecycle diagram. */
export const LIFECYCLE_MARKER = '<!-- @lifecycle -->';

/**
 * A hand-written page with its {@link LIFECYCLE_MARKER} replaced by the diagram.
 * @example expandLifecycle(markdown, './');
 */
export function expandLifecycle(markdown: string, root: string): string {
  return markdown.replaceAll(LIFECYCLE_MARKER, () => lifecycleHtml({ root }));
}
