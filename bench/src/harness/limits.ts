/** Open-file limits: 10k connections need 10k descriptors in the server and in the clients. */
import { readFileSync } from 'node:fs';

/** The soft and hard `RLIMIT_NOFILE` of this process (Linux), or null when unknown. */
export function fileLimit(): { soft: number; hard: number } | null {
  try {
    const limits = readFileSync('/proc/self/limits', 'utf8');
    const match = /^Max open files\s+(\d+|unlimited)\s+(\d+|unlimited)/m.exec(limits);
    if (!match) return null;
    const num = (s: string) => (s === 'unlimited' ? Number.POSITIVE_INFINITY : Number(s));
    return { soft: num(match[1]!), hard: num(match[2]!) };
  } catch {
    return null;
  }
}

/**
 * How a child that needs `needed` descriptors must be started: as is, through `sh -c 'ulimit -n'`
 * (soft limit too low, hard limit high enough), or not at all (hard limit too low).
 */
export function fileLimitPlan(
  needed: number,
): { kind: 'ok' } | { kind: 'raise'; to: number } | { kind: 'impossible'; hard: number } {
  const limit = fileLimit();
  if (!limit || limit.soft >= needed) return { kind: 'ok' };
  if (limit.hard >= needed) return { kind: 'raise', to: Math.min(limit.hard, needed * 2) };
  return { kind: 'impossible', hard: limit.hard };
}
