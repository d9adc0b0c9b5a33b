/**
 * The incident lifecycle page parts, rendered from `INCIDENT_LIFECYCLE` of @causeflow/events:
 * the list the dev-mode simulator walks. A Mermaid diagram, a Markdown list, and the linear
 * event order used for previous/next links, so the docs cannot disagree with the simulator.
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
