/**
 * Dev-mode traffic: realistic incident lifecycles (created → investigating → findings → root
 * cause → remediation proposed → approved/rejected → executed → resolved → pattern extracted)
 * interleaved with occasional tenant, user, integration and trigger events. Deterministic for a
 * given seed; every event is a valid `CauseFlowEvent`.
 */
import type { EventLog } from '@causeflow/bus';
import type {
  CauseFlowEvent,
  IncidentStatus,
  IntegrationProvider,
  RemediationOutcome,
  Severity,
  UserRole,
} from '@causeflow/events';
import type { Logger } from 'pino';

/** A random source in [0, 1). */
export type Random = () => number;

/**
 * A small seeded PRNG (mulberry32): the same seed gives the same sequence.
 * @example
 * const random = seededRandom(42); random(); // 0.6011…
 */
export function seededRandom(seed: number): Random {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

const CROCKFORD = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';

interface Scenario {
  readonly title: string;
  readonly severity: Severity;
  readonly alert: { readonly provider: IntegrationProvider; readonly eventType: string };
  readonly findings: readonly string[];
  readonly rootCause: string;
  readonly actions: readonly string[];
  readonly remediation: string;
  readonly steps: readonly string[];
  readonly pattern: string;
  readonly runbook: string;
}

const SCENARIOS: readonly Scenario[] = [
  {
    title: 'Checkout API p99 latency above 2s',
    severity: 'critical',
    alert: { provider: 'datadog', eventType: 'monitor.triggered' },
    findings: [
      'p99 latency of POST /checkout rose from 180ms to 2.4s at 14:02 UTC',
      'payments-db connection pool at 100% utilisation (50/50) since 14:01 UTC',
      'Deploy v2.14.3 of checkout-service at 13:58 UTC raised worker concurrency from 8 to 32',
      'No errors upstream; the latency is spent waiting for a database connection',
    ],
    rootCause:
      'Connection pool exhaustion in payments-db after deploy v2.14.3 quadrupled worker concurrency',
    actions: [
      'Scale the payments-db pool to 150 connections',
      'Cap checkout-service concurrency at 16',
    ],
    remediation: 'Scale payments-db connection pool and roll back concurrency change',
    steps: [
      'Raise max_connections of payments-db pool to 150',
      'Roll back checkout-service to v2.14.2',
      'Verify p99 below 300ms',
    ],
    pattern:
      'Connection pool exhaustion under high throughput — scaling the pool 3x resolves within 90s',
    runbook: 'https://runbooks.example.com/db/connection-pool-exhaustion',
  },
  {
    title: 'Elevated 5xx rate on /api/orders',
    severity: 'high',
    alert: { provider: 'sentry', eventType: 'issue.spike' },
    findings: [
      '5xx rate on /api/orders at 12% (baseline 0.1%)',
      'Errors are NullPointerException in OrderMapper.toDto introduced in commit 9f3c2e1',
      'Only orders created with the new gift-card flow are affected',
    ],
    rootCause:
      'A null gift-card reference is dereferenced in OrderMapper.toDto since commit 9f3c2e1',
    actions: [
      'Revert commit 9f3c2e1',
      'Add a null check and a regression test for gift-card orders',
    ],
    remediation: 'Roll back orders-service to the previous release',
    steps: ['Roll back orders-service to v5.3.0', 'Watch the 5xx rate for 10 minutes'],
    pattern:
      'Null dereference on optional relation after a mapper change — rollback resolves immediately',
    runbook: 'https://runbooks.example.com/deploy/rollback',
  },
  {
    title: 'Kafka consumer lag growing on orders-events',
    severity: 'medium',
    alert: { provider: 'pagerduty', eventType: 'incident.triggered' },
    findings: [
      'Consumer group fulfilment-workers lag at 1.2M messages and growing',
      'Two of six consumers are stuck in a rebalance loop',
      'max.poll.interval.ms exceeded by slow downstream calls to the inventory API',
    ],
    rootCause:
      'Slow inventory API calls exceed max.poll.interval.ms, causing a rebalance loop in fulfilment-workers',
    actions: ['Raise max.poll.interval.ms to 10 minutes', 'Add a timeout to inventory API calls'],
    remediation: 'Restart stuck consumers and raise max.poll.interval.ms',
    steps: [
      'Set max.poll.interval.ms=600000 on fulfilment-workers',
      'Restart the fulfilment-workers deployment',
      'Confirm lag is decreasing',
    ],
    pattern:
      'Consumer rebalance loop caused by slow downstream calls — longer poll interval resolves it',
    runbook: 'https://runbooks.example.com/kafka/consumer-lag',
  },
  {
    title: 'image-resizer pods OOMKilled repeatedly',
    severity: 'high',
    alert: { provider: 'kubernetes', eventType: 'pod.oom_killed' },
    findings: [
      '14 OOMKilled restarts of image-resizer in the last 30 minutes',
      'Memory grows linearly with request count: a leak, not a spike',
      'The leak started with the upgrade of the sharp library to 0.33.0',
    ],
    rootCause: 'Memory leak in sharp 0.33.0 when resizing animated GIFs',
    actions: ['Pin sharp to 0.32.6', 'Raise the memory limit temporarily to 2Gi'],
    remediation: 'Pin sharp to 0.32.6 and redeploy image-resizer',
    steps: ['Pin sharp to 0.32.6', 'Redeploy image-resizer', 'Monitor memory for 1 hour'],
    pattern: 'Library upgrade introduces a memory leak — pinning the previous version resolves it',
    runbook: 'https://runbooks.example.com/k8s/oomkilled',
  },
  {
    title: 'Disk usage at 95% on postgres-primary',
    severity: 'low',
    alert: { provider: 'aws', eventType: 'cloudwatch.alarm' },
    findings: [
      'Disk usage grew 20% in 24 hours on postgres-primary',
      'WAL files are not being archived: the archive command fails with AccessDenied',
    ],
    rootCause:
      'WAL archiving fails after the S3 bucket policy change, so WAL files accumulate on disk',
    actions: ['Restore s3:PutObject on the WAL archive bucket for the database role'],
    remediation: 'Restore the bucket policy and archive pending WAL files',
    steps: [
      'Restore s3:PutObject for role postgres-archiver',
      'Run pg_switch_wal and check archiving',
    ],
    pattern:
      'Disk filling with unarchived WAL after a permission change — restoring access resolves it',
    runbook: 'https://runbooks.example.com/postgres/wal-archiving',
  },
];

const AGENTS = [
  'log analysis',
  'metrics correlation',
  'deploy history',
  'trace analysis',
  'code search',
];
const PROVIDERS: readonly IntegrationProvider[] = [
  'github',
  'slack',
  'pagerduty',
  'datadog',
  'sentry',
  'jira',
  'aws',
];
const ROLES: readonly UserRole[] = ['admin', 'member', 'viewer'];
const PEOPLE = [
  'Ada Lovelace',
  'Grace Hopper',
  'Alan Turing',
  'Barbara Liskov',
  'Ken Thompson',
  'Radia Perlman',
];

/** Builds an event at emission time (the timestamp is applied when it is emitted). */
type Step = (timestamp: string) => CauseFlowEvent;

/** Options of the event generator. */
export interface GeneratorOptions {
  /** Tenant of every event; default `ten_demo`. */
  readonly tenantId?: string;
  readonly random?: Random;
  /** Clock for timestamps, ms since the epoch. */
  readonly now?: () => number;
}

/** An endless source of realistic events. */
export interface EventGenerator {
  next(): CauseFlowEvent;
}

/**
 * Creates the generator: at most three incidents in flight, interleaved, plus ambient events.
 * @example
 * const gen = createEventGenerator({ random: seededRandom(1) });
 * const event = gen.next(); // e.g. tenant.created, then user.created, incident.created, …
 */
export function createEventGenerator(options: GeneratorOptions = {}): EventGenerator {
  const tenantId = options.tenantId ?? 'ten_demo';
  const random = options.random ?? Math.random;
  const now = options.now ?? Date.now;
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!;
  const chance = (p: number): boolean => random() < p;
  const id = (prefix: string): string =>
    `${prefix}_${Array.from({ length: 26 }, () => CROCKFORD[Math.floor(random() * 32)]).join('')}`;

  const users: { id: string; name: string; role: UserRole }[] = [];
  const integrations: { id: string; provider: IntegrationProvider }[] = [];
  const triggers: { id: string; integration: { id: string; provider: IntegrationProvider } }[] = [];
  const envelope = <E extends CauseFlowEvent>(
    event: E['event'],
    timestamp: string,
    data: E['data'],
  ): E => ({ event, timestamp, tenantId, data }) as E;
  const someUser = (): string => pick(users).id;

  function newUser(timestamp: string, role: UserRole, invitedBy?: string): CauseFlowEvent {
    const name = pick(PEOPLE);
    const user = { id: id('user'), name, role };
    users.push(user);
    const email = `${name.toLowerCase().replace(/[^a-z]+/g, '.')}.${users.length}@example.com`;
    return envelope('user.created', timestamp, {
      userId: user.id,
      email,
      name,
      role,
      ...(invitedBy === undefined ? {} : { invitedBy }),
    });
  }

  function newIntegration(timestamp: string): CauseFlowEvent {
    const integration = { id: id('int'), provider: pick(PROVIDERS) };
    integrations.push(integration);
    return envelope('integration.connected', timestamp, {
      integrationId: integration.id,
      provider: integration.provider,
      connectedBy: someUser(),
    });
  }

  /** Setup: the tenant, its owner, a teammate and an integration. */
  const setup: Step[] = [
    (ts) =>
      envelope('tenant.created', ts, { tenantId, name: 'Demo Corp', plan: 'pro', createdAt: ts }),
    (ts) => newUser(ts, 'owner'),
    (ts) => newUser(ts, 'admin', users[0]?.id),
    (ts) => newIntegration(ts),
  ];

  function* incident(): Generator<Step> {
    const scenario = pick(SCENARIOS);
    const incidentId = id('inc');
    const automated = chance(0.75);
    let status: IncidentStatus = 'open';
    const move = (to: IncidentStatus, by?: string): Step => {
      const from = status;
      status = to;
      return (ts) =>
        envelope('incident.status_changed', ts, {
          incidentId,
          previousStatus: from,
          newStatus: to,
          ...(by === undefined ? {} : { changedBy: by }),
        });
    };
    if (automated && triggers.length > 0) {
      const trigger = pick(triggers);
      yield (ts) =>
        envelope('trigger.event_received', ts, {
          triggerId: trigger.id,
          integrationId: trigger.integration.id,
          provider: trigger.integration.provider,
          eventType: scenario.alert.eventType,
          externalId: `${scenario.alert.provider}-${Math.floor(random() * 1e9)}`,
          summary: scenario.title,
          receivedAt: ts,
          incidentId,
        });
    }
    const createdBy = automated ? undefined : someUser();
    yield (ts) =>
      envelope('incident.created', ts, {
        incidentId,
        title: scenario.title,
        severity: scenario.severity,
        status: 'open',
        source: automated ? 'automated' : 'manual',
        ...(createdBy === undefined ? {} : { createdBy }),
      });
    yield move('investigating');
    const totalSteps = scenario.findings.length + 1 + Math.floor(random() * 2);
    const known = chance(0.4) ? Math.floor(random() * scenario.findings.length) : -1;
    for (let step = 1; step <= totalSteps; step++) {
      const message =
        scenario.findings[step - 1] ?? 'Cross-checked findings; building the root-cause hypothesis';
      yield (ts) =>
        envelope('investigation.progress', ts, {
          incidentId,
          message,
          agentName: pick(AGENTS),
          stepIndex: step,
          totalSteps,
        });
      if (step - 1 === known) {
        yield (ts) =>
          envelope('investigation.known_solution_found', ts, {
            incidentId,
            matchedPatternId: id('ptn'),
            matchedTitle: scenario.pattern,
            confidence: round(0.7 + random() * 0.29),
            ...(chance(0.8) ? { runbookUrl: scenario.runbook } : {}),
            ...(chance(0.5) ? { matchedIncidentId: id('inc') } : {}),
          });
      }
    }
    yield (ts) =>
      envelope('investigation.completed', ts, {
        incidentId,
        rootCause: scenario.rootCause,
        confidence: round(0.6 + random() * 0.39),
        recommendedActions: [...scenario.actions],
      });
    let outcome: RemediationOutcome = 'failure';
    for (let attempt = 1; attempt <= 2 && outcome !== 'success'; attempt++) {
      const remediationId = id('rem');
      const requiresApproval = attempt === 1 ? chance(0.8) : true;
      yield (ts) =>
        envelope('remediation.proposed', ts, {
          incidentId,
          remediationId,
          title: attempt === 1 ? scenario.remediation : `${scenario.remediation} (revised)`,
          requiresApproval,
          steps: [scenario.steps[0]!, ...scenario.steps.slice(1)],
        });
      if (requiresApproval) {
        yield move('awaiting_approval');
        if (attempt === 1 && chance(0.25)) {
          const rejectedBy = someUser();
          yield (ts) =>
            envelope('remediation.rejected', ts, {
              remediationId,
              rejectedBy,
              incidentId,
              ...(chance(0.7) ? { reason: 'Too risky during peak traffic; revise the plan' } : {}),
            });
          yield move('investigating', rejectedBy);
          continue;
        }
        const approvedBy = someUser();
        yield (ts) =>
          envelope('remediation.approved', ts, { remediationId, approvedBy, incidentId });
        yield move('remediating', approvedBy);
      } else {
        yield move('remediating');
      }
      outcome =
        attempt === 2
          ? 'success'
          : pick<RemediationOutcome>(['success', 'success', 'success', 'partial', 'failure']);
      const result = outcome;
      yield (ts) =>
        envelope('remediation.executed', ts, {
          remediationId,
          incidentId,
          outcome: result,
          durationMs: 5_000 + Math.floor(random() * 120_000),
          ...(result === 'success'
            ? {}
            : {
                message:
                  result === 'partial'
                    ? 'Step 2 timed out; steps 1 and 3 completed'
                    : 'Rollback failed: deployment is locked',
              }),
        });
      if (outcome === 'partial') outcome = 'success';
      if (outcome !== 'success') yield move('investigating');
    }
    yield move('resolved');
    yield (ts) =>
      envelope('knowledge.pattern_extracted', ts, {
        patternId: id('ptn'),
        incidentId,
        summary: scenario.pattern,
      });
    if (chance(0.5)) yield move('closed', someUser());
  }

  function ambient(): Step {
    const roll = random();
    if (roll < 0.25) return (ts) => newUser(ts, pick(ROLES), someUser());
    if (roll < 0.4 && users.length > 2) {
      return (ts) => {
        const user = users[2 + Math.floor(random() * (users.length - 2))]!;
        const newRole = pick(ROLES.filter((r) => r !== user.role));
        const previousRole = user.role;
        user.role = newRole;
        return envelope('user.updated', ts, {
          userId: user.id,
          changedFields: ['role'],
          previousRole,
          newRole,
          updatedBy: users[0]!.id,
        });
      };
    }
    if (roll < 0.5 && users.length > 3) {
      return (ts) => {
        const [user] = users.splice(2 + Math.floor(random() * (users.length - 2)), 1);
        return envelope('user.deleted', ts, {
          userId: user!.id,
          deletedBy: users[0]!.id,
          ...(chance(0.5) ? { reason: 'Left the company' } : {}),
        });
      };
    }
    if (roll < 0.6) return (ts) => newIntegration(ts);
    if (roll < 0.65 && integrations.length > 1) {
      return (ts) => {
        const [integration] = integrations.splice(Math.floor(random() * integrations.length), 1);
        const byUser = chance(0.6);
        return envelope('integration.disconnected', ts, {
          integrationId: integration!.id,
          provider: integration!.provider,
          reason: byUser ? 'user_request' : pick(['credentials_revoked', 'error'] as const),
          ...(byUser ? { disconnectedBy: someUser() } : {}),
        });
      };
    }
    if (roll < 0.85 && integrations.length > 0) {
      return (ts) => {
        const integration = pick(integrations);
        const trigger = { id: id('trg'), integration };
        triggers.push(trigger);
        return envelope('trigger.created', ts, {
          triggerId: trigger.id,
          name: `Open incident on ${integration.provider} alerts`,
          integrationId: integration.id,
          provider: integration.provider,
          eventType: 'alert.fired',
          createdBy: someUser(),
        });
      };
    }
    if (roll < 0.92 && triggers.length > 1) {
      return (ts) => {
        const [trigger] = triggers.splice(Math.floor(random() * triggers.length), 1);
        return envelope('trigger.deleted', ts, { triggerId: trigger!.id, deletedBy: someUser() });
      };
    }
    return (ts) =>
      envelope('tenant.updated', ts, {
        tenantId,
        changedFields: ['settings'],
        updatedBy: users[0]!.id,
      });
  }

  const active: Generator<Step>[] = [];
  function nextStep(): Step {
    const queued = setup.shift();
    if (queued !== undefined) return queued;
    if (active.length === 0 || (active.length < 3 && chance(0.08))) active.push(incident());
    if (chance(0.1)) return ambient();
    const index = Math.floor(random() * active.length);
    const result = active[index]!.next();
    if (result.done) {
      active.splice(index, 1);
      return nextStep();
    }
    return result.value;
  }

  return {
    next: () => nextStep()(new Date(now()).toISOString()),
  };
}

function round(value: number): number {
  return Math.round(value * 100) / 100;
}

/** A running simulator. */
export interface Simulator {
  /** Stops publishing; pending timers are cleared. */
  stop(): void;
  /** Events published so far. */
  readonly published: number;
}

/**
 * Publishes generated events into `log`, one every `minIntervalMs`..`maxIntervalMs` (1–3 s by default).
 * @example
 * const simulator = startSimulator({ log, logger });
 * process.on('SIGTERM', () => simulator.stop());
 */
export function startSimulator(
  options: GeneratorOptions & {
    log: EventLog;
    logger: Logger;
    minIntervalMs?: number;
    maxIntervalMs?: number;
  },
): Simulator {
  const random = options.random ?? Math.random;
  const generator = createEventGenerator({ ...options, random });
  const min = options.minIntervalMs ?? 1000;
  const max = options.maxIntervalMs ?? 3000;
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;
  let published = 0;

  function schedule(): void {
    if (stopped) return;
    timer = setTimeout(tick, min + Math.floor(random() * Math.max(0, max - min)));
    timer.unref();
  }
  function tick(): void {
    const event = generator.next();
    options.log.append([event]).then(
      () => {
        published += 1;
        schedule();
      },
      (error: unknown) => {
        options.logger.warn({ err: error, event: event.event }, 'simulator could not publish');
        schedule();
      },
    );
  }
  schedule();
  return {
    stop() {
      stopped = true;
      clearTimeout(timer);
    },
    get published() {
      return published;
    },
  };
}
