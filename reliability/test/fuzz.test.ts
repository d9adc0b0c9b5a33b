/**
 * Bad input: fast-check fuzzing of `POST /v1/events`. The server must never crash or 500, never
 * publish an invalid event, and answer every case exactly as the contract says (202 for valid
 * batches, a 4xx with a JSON `{error:{code,message}}` body otherwise).
 */
import { randomBytes } from 'node:crypto';
import { Writable } from 'node:stream';
import { createMemoryEventLog, type StoredEvent } from '@causeflow/bus';
import { validateEvent } from '@causeflow/events';
import {
  createApp,
  createConfig,
  type RunningServer,
  type StreamServerApp,
  signToken,
} from '@causeflow/stream-server';
import fc from 'fast-check';
import pino from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import { report } from '../src/figures.js';
import { expectation, FUZZ_TENANT, type FuzzCase, fuzzCase } from '../src/fuzz.js';
import { mapLimit } from '../src/net.js';
import { SEED, sized } from '../src/scale.js';

const MAX_BODY = 256 * 1024;
const CASES = sized(3000, 100_000);
const CHUNK = 1000;

let running: RunningServer | undefined;
let app: StreamServerApp | undefined;
afterAll(async () => {
  await running?.close();
  await app?.close();
});

describe('bad input', () => {
  it(
    `answers ${CASES} fuzzed ingest requests by the contract without crashing or publishing invalid events`,
    async ({ task }) => {
      const log = createMemoryEventLog({ retention: 10_000_000 });
      let errorLogs = 0;
      const errorSamples: string[] = [];
      const sink = new Writable({
        write(chunk: Buffer, _encoding, callback) {
          for (const line of chunk.toString().split('\n')) {
            if (line === '') continue;
            if ((JSON.parse(line) as { level: number }).level >= 50) {
              errorLogs += 1;
              if (errorSamples.length < 5) errorSamples.push(line.slice(0, 500));
            }
          }
          callback();
        },
      });
      const secret = randomBytes(32).toString('base64url');
      app = createApp({
        config: createConfig({
          host: '127.0.0.1',
          port: 0,
          auth: { kind: 'secret', secret },
          maxBodyBytes: MAX_BODY,
          logLevel: 'warn',
        }),
        log,
        logger: pino({ level: 'warn' }, sink),
      });
      running = await app.listen({ port: 0, host: '127.0.0.1' });
      const url = running.url;
      const tokens = {
        service: await signToken({ secret, claims: { scope: 'events:publish', sub: 'svc_fuzz' } }),
        tenant: await signToken({
          secret,
          claims: { tenantId: FUZZ_TENANT, scope: 'events:publish' },
        }),
      };
      const stored: StoredEvent[] = [];
      log.subscribe((event) => stored.push(event));
      const protoBefore = Object.getOwnPropertyNames(Object.prototype).join();

      const arbitrary = fuzzCase({ maxBodyBytes: MAX_BODY });
      const byKind = new Map<string, number>();
      const statuses = new Map<number, number>();
      const mismatches: string[] = [];
      /** Off-contract answers by kind, content type, wanted and actual status. */
      const mismatchKinds = new Map<string, number>();
      const offContract = (key: string): void => {
        mismatchKinds.set(key, (mismatchKinds.get(key) ?? 0) + 1);
      };
      const unhelpful: string[] = [];
      let acceptedEvents = 0;
      // Appends are idempotent by event id: a repeated id is acknowledged again but stored once.
      const acknowledgedIds = new Set<string>();
      let networkErrors = 0;
      const started = Date.now();
      for (let offset = 0; offset < CASES; offset += CHUNK) {
        const cases: FuzzCase[] = fc.sample(arbitrary, {
          numRuns: Math.min(CHUNK, CASES - offset),
          seed: SEED + offset,
        });
        await mapLimit(cases, 16, async (c) => {
          byKind.set(c.kind, (byKind.get(c.kind) ?? 0) + 1);
          const want = expectation(c, MAX_BODY);
          let status: number;
          let text: string;
          try {
            const response = await fetch(`${url}/v1/events`, {
              method: 'POST',
              headers: {
                Authorization: `Bearer ${tokens[c.token]}`,
                ...(c.contentType === undefined ? {} : { 'Content-Type': c.contentType }),
              },
              body: new Uint8Array(c.body),
            });
            status = response.status;
            text = await response.text();
          } catch (error) {
            // A 413 may close the connection before the whole body was sent; anything else is a failure.
            networkErrors += 1;
            if (want.status !== 413)
              mismatches.push(`${c.kind}: network error ${(error as Error).message}`);
            return;
          }
          statuses.set(status, (statuses.get(status) ?? 0) + 1);
          let body:
            | { accepted?: number; ids?: string[]; error?: { code?: unknown; message?: unknown } }
            | undefined;
          try {
            body = JSON.parse(text) as typeof body;
          } catch {
            body = undefined;
          }
          if (status !== want.status) {
            offContract(`${c.kind} [${c.contentType}] want ${want.status} got ${status}`);
            mismatches.push(
              `${c.kind} [${c.contentType}]: want ${want.status}, got ${status} ${text.slice(0, 200)} — body ${c.body.toString('utf8').slice(0, 200)}`,
            );
            return;
          }
          if (status === 202) {
            acceptedEvents += body?.accepted ?? 0;
            for (const id of body?.ids ?? []) acknowledgedIds.add(id);
            if (body?.accepted !== want.accepted)
              mismatches.push(`${c.kind}: accepted ${body?.accepted}, want ${want.accepted}`);
          } else if (
            typeof body?.error?.code !== 'string' ||
            typeof body.error.message !== 'string' ||
            body.error.message === ''
          ) {
            unhelpful.push(`${c.kind}: ${status} ${text.slice(0, 200)}`);
          }
        });
      }
      const elapsedMs = Date.now() - started;
      const health = await fetch(`${url}/healthz`);
      const ready = await fetch(`${url}/readyz`);
      await new Promise((resolve) => setTimeout(resolve, 100));
      const invalidStored = stored.filter((s) => !validateEvent(s.event).ok).length;
      const storedIds = new Set(stored.map((s) => s.event.id));
      const unacknowledgedStored = [...storedIds].filter((id) => !acknowledgedIds.has(id)).length;
      const acknowledgedMissing = [...acknowledgedIds].filter((id) => !storedIds.has(id)).length;
      const protoAfter = Object.getOwnPropertyNames(Object.prototype).join();
      const polluted =
        protoAfter !== protoBefore || ({} as Record<string, unknown>).polluted !== undefined;

      report(
        { task },
        {
          check: 'Bad input',
          name: 'ingest fuzz cases',
          summary: `${CASES} cases (seed ${SEED}), ${mismatches.length} answered off-contract, ${unhelpful.length} without a JSON error body, ${Math.round((CASES * 1000) / elapsedMs)} req/s`,
          data: {
            cases: CASES,
            seed: SEED,
            mismatches: mismatches.length,
            mismatchSamples: mismatches.slice(0, 10),
            mismatchKinds: Object.fromEntries(mismatchKinds),
            unhelpful: unhelpful.length,
            unhelpfulSamples: unhelpful.slice(0, 5),
            statuses: Object.fromEntries(statuses),
            kinds: Object.fromEntries(byKind),
            elapsedMs,
            networkErrors,
          },
        },
      );
      report(
        { task },
        {
          check: 'Bad input',
          name: 'crashes and 5xx',
          summary: `${errorLogs} error logs, ${statuses.get(500) ?? 0} × 500, healthz ${health.status}, readyz ${ready.status}, prototype ${polluted ? 'POLLUTED' : 'clean'}`,
          data: {
            errorLogs,
            errorSamples,
            status500: statuses.get(500) ?? 0,
            healthz: health.status,
            readyz: ready.status,
            polluted,
          },
        },
      );
      report(
        { task },
        {
          check: 'Bad input',
          name: 'invalid events published',
          summary: `${invalidStored} of ${stored.length} stored events invalid; ${acknowledgedIds.size} distinct ids acknowledged (${acceptedEvents} accepted incl. repeats), ${acknowledgedMissing} of them missing, ${unacknowledgedStored} stored without acknowledgement`,
          data: {
            stored: stored.length,
            invalidStored,
            acceptedEvents,
            acknowledgedIds: acknowledgedIds.size,
            acknowledgedMissing,
            unacknowledgedStored,
          },
        },
      );
      expect(health.status).toBe(200);
      expect(ready.status).toBe(200);
      expect(errorLogs).toBe(0);
      expect(polluted).toBe(false);
      expect(invalidStored).toBe(0);
      expect(acknowledgedMissing).toBe(0);
      expect(unacknowledgedStored).toBe(0);
      expect(stored.length).toBeLessThanOrEqual(acceptedEvents);
      expect(mismatches).toEqual([]);
      expect(unhelpful).toEqual([]);
      await log.close();
    },
    sized(120_000, 1_800_000),
  );
});
