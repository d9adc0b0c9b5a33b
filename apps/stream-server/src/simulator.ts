/**
 * Dev-mode traffic: realistic incident lifecycles, walking the phases of `INCIDENT_LIFECYCLE`
 * (@causeflow/events, the same list the docs render) with one generator per phase, interleaved
 * with occasional tenant, user, integration and trigger events. A small `World` holds the
 * tenant's users, integrations and triggers. Deterministic for a given seed; every event is a
 * valid `CauseFlowEvent`.
 */
import type { EventLog } from '@causeflow/bus';
import {
  type CauseFlowEvent,
  ID_PATTERNS,
  type IdKind,
  INCIDENT_LIFECYCLE,
  type IncidentStatus,
  type IntegrationProvider,
  type LifecyclePhaseKey,
  type RemediationOutcome,
  type Severity,
  type UserRole,
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

interface Integration {
  readonly id: string;
  readonly provider: IntegrationProvider;
}

/** The prefix of an id kind, read from its pattern in defs.json (`^inc_…` gives `inc`). */
function idPrefix(kind: IdKind): string {
  const prefix = /^\^([a-z]+)_/.exec(ID_PATTERNS[kind].source)?.[1];
  if (prefix === undefined) throw new Error(`the pattern of ${kind} has no prefix`);
  return prefix;
}

/** The tenant's state the events talk about, and the seeded helpers every phase uses. */
class World {
  readonly users: { id: string; name: string; role: UserRole }[] = [];
  readonly integrations: Integration[] = [];
  readonly triggers: { id: string; integration: Integration }[] = [];

  constructor(
    readonly tenantId: string,
    readonly random: Random,
  ) {}

  pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.random() * items.length)]!;
  }

  chance(p: number): boolean {
    return this.random() < p;
  }

  /** A fresh id of a kind, e.g. `inc_01HX…`: its defs.json prefix and 26 Crockford base32 digits. */
  id(kind: IdKind): string {
    const digits = Array.from({ length: 26 }, () => CROCKFORD[Math.floor(this.random() * 32)]);
    return `${idPrefix(kind)}_${digits.join('')}`;
  }

  envelope<E extends CauseFlowEvent>(event: E['event'], timestamp: string, data: E['data']): E {
    return { event, timestamp, tenantId: this.tenantId, data } as E;
  }

  someUser(): string {
    return this.pick(this.users).id;
  }

  newUser(timestamp: string, role: UserRole, invitedBy?: string): CauseFlowEvent {
    const name = this.pick(PEOPLE);
    const user = { id: this.id('UserId'), name, role };
    this.users.push(user);
    const email = `${name.toLowerCase().replace(/[^a-z]+/g, '.')}.${this.users.length}@example.com`;
    return this.envelope('user.created', timestamp, {
      userId: user.id,
      email,
      name,
      role,
      ...(invitedBy === undefined ? {} : { invitedBy }),
    });
  }

  newIntegration(timestamp: string): CauseFlowEvent {
    const integration = { id: this.id('IntegrationId'), provider: this.pick(PROVIDERS) };
    this.integrations.push(integration);
    return this.envelope('integration.connected', timestamp, {
      integrationId: integration.id,
      provider: integration.provider,
      connectedBy: this.someUser(),
    });
  }
}

/** One incident in flight: its scenario, its status, and how far remediation got. */
class IncidentRun {
  readonly scenario: Scenario;
  readonly incidentId: string;
  readonly automated: boolean;
  status: IncidentStatus = 'open';
  attempt = 0;

  constructor(readonly world: World) {
    this.scenario = world.pick(SCENARIOS);
    this.incidentId = world.id('IncidentId');
    this.automated = world.chance(0.75);
  }

  /** An `incident.status_changed` to `to`, chained from the current status. */
  move(to: IncidentStatus, by?: string): Step {
    const from = this.status;
    this.status = to;
    const incidentId = this.incidentId;
    return (ts) =>
      this.world.envelope('incident.status_changed', ts, {
        incidentId,
        previousStatus: from,
        newStatus: to,
        ...(by === undefined ? {} : { changedBy: by }),
      });
  }
}

/** A phase's events; a repeating phase returns `true` to run again. */
type PhaseGenerator = (run: IncidentRun) => Generator<Step, boolean | undefined>;

function* triggerPhase(run: IncidentRun): Generator<Step, undefined> {
  const { world, scenario, incidentId } = run;
  if (!run.automated || world.triggers.length === 0) return undefined;
  const trigger = world.pick(world.triggers);
  const externalId = `${scenario.alert.provider}-${Math.floor(world.random() * 1e9)}`;
  yield (ts) =>
    world.envelope('trigger.event_received', ts, {
      triggerId: trigger.id,
      integrationId: trigger.integration.id,
      provider: trigger.integration.provider,
      eventType: scenario.alert.eventType,
      externalId,
      summary: scenario.title,
      receivedAt: ts,
      incidentId,
    });
  return undefined;
}

function* openPhase(run: IncidentRun): Generator<Step, undefined> {
  const { world, scenario, incidentId, automated } = run;
  const createdBy = automated ? undefined : world.someUser();
  yield (ts) =>
    world.envelope('incident.created', ts, {
      incidentId,
      title: scenario.title,
      severity: scenario.severity,
      status: 'open',
      source: automated ? 'automated' : 'manual',
      ...(createdBy === undefined ? {} : { createdBy }),
    });
  return undefined;
}

function* investigationPhase(run: IncidentRun): Generator<Step, undefined> {
  const { world, scenario, incidentId } = run;
  yield run.move('investigating');
  const totalSteps = scenario.findings.length + 1 + Math.floor(world.random() * 2);
  const known = world.chance(0.4) ? Math.floor(world.random() * scenario.findings.length) : -1;
  for (let step = 1; step <= totalSteps; step++) {
    const message =
      scenario.findings[step - 1] ?? 'Cross-checked findings; building the root-cause hypothesis';
    const agentName = world.pick(AGENTS);
    yield (ts) =>
      world.envelope('investigation.progress', ts, {
        incidentId,
        message,
        agentName,
        stepIndex: step,
        totalSteps,
      });
    if (step - 1 === known) {
      yield (ts) =>
        world.envelope('investigation.known_solution_found', ts, {
          incidentId,
          matchedPatternId: world.id('PatternId'),
          matchedTitle: scenario.pattern,
          confidence: round(0.7 + world.random() * 0.29),
          ...(world.chance(0.8) ? { runbookUrl: scenario.runbook } : {}),
          ...(world.chance(0.5) ? { matchedIncidentId: world.id('IncidentId') } : {}),
        });
    }
  }
  yield (ts) =>
    world.envelope('investigation.completed', ts, {
      incidentId,
      rootCause: scenario.rootCause,
      confidence: round(0.6 + world.random() * 0.39),
      recommendedActions: [...scenario.actions],
    });
  return undefined;
}

/** One remediation attempt (at most two; the second always succeeds). True: try again. */
function* remediationPhase(run: IncidentRun): Generator<Step, boolean> {
  const { world, scenario, incidentId } = run;
  const attempt = ++run.attempt;
  const remediationId = world.id('RemediationId');
  const requiresApproval = attempt === 1 ? world.chance(0.8) : true;
  const title = attempt === 1 ? scenario.remediation : `${scenario.remediation} (revised)`;
  const steps: [string, ...string[]] = [scenario.steps[0]!, ...scenario.steps.slice(1)];
  yield (ts) =>
    world.envelope('remediation.proposed', ts, {
      incidentId,
      remediationId,
      title,
      requiresApproval,
      steps,
    });
  let by: string | undefined;
  if (requiresApproval) {
    yield run.move('awaiting_approval');
    by = world.someUser();
    const approver = by;
    if (attempt === 1 && world.chance(0.25)) {
      const reason = world.chance(0.7) ? 'Too risky during peak traffic; revise the plan' : null;
      yield (ts) =>
        world.envelope('remediation.rejected', ts, {
          remediationId,
          rejectedBy: approver,
          incidentId,
          ...(reason === null ? {} : { reason }),
        });
      yield run.move('investigating', approver);
      return true;
    }
    yield (ts) =>
      world.envelope('remediation.approved', ts, {
        remediationId,
        approvedBy: approver,
        incidentId,
      });
  }
  yield run.move('remediating', by);
  const outcome: RemediationOutcome =
    attempt === 2 ? 'success' : world.pick(['success', 'success', 'success', 'partial', 'failure']);
  yield executed(world, { remediationId, incidentId, outcome });
  if (outcome !== 'failure') return false;
  yield run.move('investigating');
  return true;
}

function executed(
  world: World,
  fields: { remediationId: string; incidentId: string; outcome: RemediationOutcome },
): Step {
  const durationMs = 5_000 + Math.floor(world.random() * 120_000);
  const message =
    fields.outcome === 'partial'
      ? 'Step 2 timed out; steps 1 and 3 completed'
      : 'Rollback failed: deployment is locked';
  return (ts) =>
    world.envelope('remediation.executed', ts, {
      ...fields,
      durationMs,
      ...(fields.outcome === 'success' ? {} : { message }),
    });
}

function* resolutionPhase(run: IncidentRun): Generator<Step, undefined> {
  const { world, scenario, incidentId } = run;
  yield run.move('resolved');
  const patternId = world.id('PatternId');
  yield (ts) =>
    world.envelope('knowledge.pattern_extracted', ts, {
      patternId,
      incidentId,
      summary: scenario.pattern,
    });
  return undefined;
}

function* closurePhase(run: IncidentRun): Generator<Step, undefined> {
  if (run.world.chance(0.5)) yield run.move('closed', run.world.someUser());
  return undefined;
}

/** One generator per phase of `INCIDENT_LIFECYCLE`; the type requires one for every phase. */
const PHASES: { readonly [K in LifecyclePhaseKey]: PhaseGenerator } = {
  trigger: triggerPhase,
  open: openPhase,
  investigation: investigationPhase,
  remediation: remediationPhase,
  resolution: resolutionPhase,
  closure: closurePhase,
};

/** One incident: the phases of `INCIDENT_LIFECYCLE` in order, a repeating one while it asks. */
function* incident(world: World): Generator<Step> {
  const run = new IncidentRun(world);
  for (const phase of INCIDENT_LIFECYCLE) {
    let again: boolean | undefined;
    do {
      again = yield* PHASES[phase.key](run);
    } while ('repeats' in phase && phase.repeats && again === true);
  }
}

/** Tenant, user, integration and trigger events between incidents: first matching row wins. */
const AMBIENT: readonly { upTo: number; when?: (w: World) => boolean; make: (w: World) => Step }[] =
  [
    { upTo: 0.25, make: (w) => (ts) => w.newUser(ts, w.pick(ROLES), w.someUser()) },
    { upTo: 0.4, when: (w) => w.users.length > 2, make: (w) => (ts) => userUpdated(w, ts) },
    { upTo: 0.5, when: (w) => w.users.length > 3, make: (w) => (ts) => userDeleted(w, ts) },
    { upTo: 0.6, make: (w) => (ts) => w.newIntegration(ts) },
    {
      upTo: 0.65,
      when: (w) => w.integrations.length > 1,
      make: (w) => (ts) => integrationDisconnected(w, ts),
    },
    {
      upTo: 0.85,
      when: (w) => w.integrations.length > 0,
      make: (w) => (ts) => triggerCreated(w, ts),
    },
    {
      upTo: 0.92,
      when: (w) => w.triggers.length > 1,
      make: (w) => (ts) => {
        const [trigger] = w.triggers.splice(Math.floor(w.random() * w.triggers.length), 1);
        return w.envelope('trigger.deleted', ts, {
          triggerId: trigger!.id,
          deletedBy: w.someUser(),
        });
      },
    },
  ];

function ambient(world: World): Step {
  const roll = world.random();
  const row = AMBIENT.find((r) => roll < r.upTo && (r.when?.(world) ?? true));
  if (row !== undefined) return row.make(world);
  return (ts) =>
    world.envelope('tenant.updated', ts, {
      tenantId: world.tenantId,
      changedFields: ['settings'],
      updatedBy: world.users[0]!.id,
    });
}

function userUpdated(world: World, ts: string): CauseFlowEvent {
  const { users } = world;
  const user = users[2 + Math.floor(world.random() * (users.length - 2))]!;
  const newRole = world.pick(ROLES.filter((r) => r !== user.role));
  const previousRole = user.role;
  user.role = newRole;
  return world.envelope('user.updated', ts, {
    userId: user.id,
    changedFields: ['role'],
    previousRole,
    newRole,
    updatedBy: users[0]!.id,
  });
}

function userDeleted(world: World, ts: string): CauseFlowEvent {
  const { users } = world;
  const [user] = users.splice(2 + Math.floor(world.random() * (users.length - 2)), 1);
  return world.envelope('user.deleted', ts, {
    userId: user!.id,
    deletedBy: users[0]!.id,
    ...(world.chance(0.5) ? { reason: 'Left the company' } : {}),
  });
}

function integrationDisconnected(world: World, ts: string): CauseFlowEvent {
  const { integrations } = world;
  const [integration] = integrations.splice(Math.floor(world.random() * integrations.length), 1);
  const byUser = world.chance(0.6);
  return world.envelope('integration.disconnected', ts, {
    integrationId: integration!.id,
    provider: integration!.provider,
    reason: byUser ? 'user_request' : world.pick(['credentials_revoked', 'error'] as const),
    ...(byUser ? { disconnectedBy: world.someUser() } : {}),
  });
}

function triggerCreated(world: World, ts: string): CauseFlowEvent {
  const integration = world.pick(world.integrations);
  const trigger = { id: world.id('TriggerId'), integration };
  world.triggers.push(trigger);
  return world.envelope('trigger.created', ts, {
    triggerId: trigger.id,
    name: `Open incident on ${integration.provider} alerts`,
    integrationId: integration.id,
    provider: integration.provider,
    eventType: 'alert.fired',
    createdBy: world.someUser(),
  });
}

/** Setup: the tenant, its owner, a teammate and an integration. */
function setupSteps(world: World): Step[] {
  return [
    (ts) =>
      world.envelope('tenant.created', ts, {
        tenantId: world.tenantId,
        name: 'Demo Corp',
        plan: 'pro',
        createdAt: ts,
      }),
    (ts) => world.newUser(ts, 'owner'),
    (ts) => world.newUser(ts, 'admin', world.users[0]?.id),
    (ts) => world.newIntegration(ts),
  ];
}

/**
 * Creates the generator: at most three incidents in flight, interleaved, plus ambient events.
 * Each incident walks `INCIDENT_LIFECYCLE` (from @causeflow/events), phase by phase.
 * @example
 * const gen = createEventGenerator({ random: seededRandom(1) });
 * const event = gen.next(); // e.g. tenant.created, then user.created, incident.created, …
 */
export function createEventGenerator(options: GeneratorOptions = {}): EventGenerator {
  const world = new World(options.tenantId ?? 'ten_demo', options.random ?? Math.random);
  const now = options.now ?? Date.now;
  const setup = setupSteps(world);
  const active: Generator<Step>[] = [];
  function nextStep(): Step {
    const queued = setup.shift();
    if (queued !== undefined) return queued;
    if (active.length === 0 || (active.length < 3 && world.chance(0.08))) {
      active.push(incident(world));
    }
    if (world.chance(0.1)) return ambient(world);
    const index = Math.floor(world.random() * active.length);
    const result = active[index]!.next();
    if (result.done) {
      active.splice(index, 1);
      return nextStep();
    }
    return result.value;
  }
  return { next: () => nextStep()(new Date(now()).toISOString()) };
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
