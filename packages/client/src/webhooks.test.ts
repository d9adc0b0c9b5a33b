import { Webhook } from 'standardwebhooks';
import { describe, expect, it } from 'vitest';
import { sample } from '../test/fixtures.js';
import {
  generateWebhookSecret,
  signWebhook,
  verifyWebhook,
  WebhookVerificationError,
} from './webhooks.js';

const SECRET = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
const body = JSON.stringify({ ...sample('incident.created'), id: 'evt_1' });
const now = () => 1_700_000_000_000;
const nowSeconds = 1_700_000_000;

/** Headers signed by the official standardwebhooks package. */
function oracleHeaders(secret = SECRET, at = nowSeconds, payload = body): Record<string, string> {
  const signature = new Webhook(secret).sign('evt_1', new Date(at * 1000), payload);
  return {
    'webhook-id': 'evt_1',
    'webhook-timestamp': String(at),
    'webhook-signature': signature,
  };
}

async function refusal(promise: Promise<unknown>): Promise<WebhookVerificationError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(WebhookVerificationError);
  return error as WebhookVerificationError;
}

describe('verifyWebhook', () => {
  it('accepts a delivery signed by standardwebhooks and returns the typed event', async () => {
    const event = await verifyWebhook(body, oracleHeaders(), SECRET, { now });
    expect(event.event).toBe('incident.created');
    if (event.event === 'incident.created') expect(event.data.title).toEqual(expect.any(String));
  });

  it('accepts bytes, a Headers object and mixed-case header names', async () => {
    const headers = new Headers(oracleHeaders());
    await expect(
      verifyWebhook(new TextEncoder().encode(body), headers, SECRET, { now }),
    ).resolves.toMatchObject({ event: 'incident.created' });
    const upper = Object.fromEntries(
      Object.entries(oracleHeaders()).map(([k, v]) => [k.toUpperCase(), v]),
    );
    await expect(verifyWebhook(body, upper, SECRET, { now })).resolves.toBeDefined();
  });

  it('accepts any of several secrets and any of several signatures (rotation)', async () => {
    const old = generateWebhookSecret();
    const signed = oracleHeaders(old);
    const both = `${oracleHeaders(SECRET)['webhook-signature'] ?? ''} ${signed['webhook-signature'] ?? ''}`;
    await expect(
      verifyWebhook(body, { ...signed, 'webhook-signature': both }, SECRET, { now }),
    ).resolves.toBeDefined();
    await expect(verifyWebhook(body, signed, [SECRET, old], { now })).resolves.toBeDefined();
  });

  it('refuses a wrong secret, a changed body and a signature without v1 as bad_signature', async () => {
    const other = generateWebhookSecret();
    expect((await refusal(verifyWebhook(body, oracleHeaders(), other, { now }))).code).toBe(
      'bad_signature',
    );
    const changed = body.replace('Checkout', 'Checkin');
    expect((await refusal(verifyWebhook(changed, oracleHeaders(), SECRET, { now }))).code).toBe(
      'bad_signature',
    );
    const v2 = (oracleHeaders()['webhook-signature'] ?? '').replace('v1,', 'v2,');
    expect(
      (
        await refusal(
          verifyWebhook(body, { ...oracleHeaders(), 'webhook-signature': v2 }, SECRET, { now }),
        )
      ).code,
    ).toBe('bad_signature');
  });

  it('refuses timestamps older or newer than the tolerance as stale_timestamp', async () => {
    const old = oracleHeaders(SECRET, nowSeconds - 301);
    expect((await refusal(verifyWebhook(body, old, SECRET, { now }))).code).toBe('stale_timestamp');
    const future = oracleHeaders(SECRET, nowSeconds + 301);
    expect((await refusal(verifyWebhook(body, future, SECRET, { now }))).code).toBe(
      'stale_timestamp',
    );
    await expect(
      verifyWebhook(body, old, SECRET, { now, toleranceSeconds: 600 }),
    ).resolves.toBeDefined();
    await expect(
      verifyWebhook(body, oracleHeaders(SECRET, nowSeconds - 300), SECRET, { now }),
    ).resolves.toBeDefined();
  });

  it.each(['webhook-id', 'webhook-timestamp', 'webhook-signature'])(
    'refuses a delivery without %s as missing_header',
    async (name) => {
      const headers: Record<string, string> = oracleHeaders();
      delete headers[name];
      const error = await refusal(verifyWebhook(body, headers, SECRET, { now }));
      expect(error.code).toBe('missing_header');
      expect(error.message).toContain(name);
    },
  );

  it('refuses a correctly signed body that breaks its schema as invalid_event, with the issues', async () => {
    const bad = JSON.stringify({ ...sample('incident.created'), data: { incidentId: 'inc_1' } });
    const error = await refusal(
      verifyWebhook(bad, oracleHeaders(SECRET, nowSeconds, bad), SECRET, { now }),
    );
    expect(error.code).toBe('invalid_event');
    expect(error.issues.length).toBeGreaterThan(0);
    const notJson = 'not json';
    expect(
      (
        await refusal(
          verifyWebhook(notJson, oracleHeaders(SECRET, nowSeconds, notJson), SECRET, { now }),
        )
      ).code,
    ).toBe('invalid_event');
  });

  it('reports an event name this client does not know as unknown_event', async () => {
    const newer = JSON.stringify({ ...sample('incident.created'), event: 'billing.invoiced' });
    const error = await refusal(
      verifyWebhook(newer, oracleHeaders(SECRET, nowSeconds, newer), SECRET, { now }),
    );
    expect(error.code).toBe('unknown_event');
  });
});

describe('signWebhook', () => {
  it('signs deliveries that standardwebhooks verifies, one v1 entry per secret', async () => {
    const second = generateWebhookSecret();
    const headers = await signWebhook({ id: 'evt_1', body, secrets: [SECRET, second] });
    expect(headers['webhook-signature'].split(' ')).toHaveLength(2);
    expect(new Webhook(SECRET).verify(body, headers)).toMatchObject({ event: 'incident.created' });
    expect(new Webhook(second).verify(body, headers)).toMatchObject({ event: 'incident.created' });
    expect(() => new Webhook(generateWebhookSecret()).verify(body, headers)).toThrow();
  });

  it('makes whsec_ secrets of 24 random bytes that standardwebhooks accepts', () => {
    const secret = generateWebhookSecret();
    expect(secret).toMatch(/^whsec_[A-Za-z0-9+/]{32}$/);
    expect(secret).not.toBe(generateWebhookSecret());
    expect(() => new Webhook(secret)).not.toThrow();
  });
});
