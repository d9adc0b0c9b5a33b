import { Webhook, WebhookVerificationError } from 'standardwebhooks';
import { describe, expect, it } from 'vitest';
import { generateSecret, sign } from './signature.js';

const body = JSON.stringify({ event: 'incident.created', id: 'evt_1', data: { title: 'é ✓' } });

describe('Standard Webhooks signatures', () => {
  it('generates whsec_ secrets with at least 24 random bytes, different every time', () => {
    const a = generateSecret();
    expect(a).toMatch(/^whsec_[A-Za-z0-9+/]+=*$/);
    expect(Buffer.from(a.slice(6), 'base64').length).toBeGreaterThanOrEqual(24);
    expect(generateSecret()).not.toBe(a);
  });

  it('signs so that the official standardwebhooks package verifies the delivery', () => {
    const secret = generateSecret();
    const timestamp = Math.floor(Date.now() / 1000);
    const signature = sign({ secrets: [secret], id: 'evt_1', timestamp, body });
    const headers = {
      'webhook-id': 'evt_1',
      'webhook-timestamp': String(timestamp),
      'webhook-signature': signature,
    };
    expect(new Webhook(secret).verify(body, headers)).toEqual(JSON.parse(body));
  });

  it('produces exactly the signature the official package computes', () => {
    const secret = generateSecret();
    const at = new Date(1_712_000_000_000);
    expect(sign({ secrets: [secret], id: 'evt_9', timestamp: 1_712_000_000, body })).toBe(
      new Webhook(secret).sign('evt_9', at, body),
    );
  });

  it('puts one v1 entry per secret, each verifiable with its own secret alone', () => {
    const [oldSecret, newSecret] = [generateSecret(), generateSecret()];
    const timestamp = Math.floor(Date.now() / 1000);
    const signature = sign({ secrets: [newSecret, oldSecret], id: 'evt_2', timestamp, body });
    expect(signature.split(' ')).toHaveLength(2);
    const headers = {
      'webhook-id': 'evt_2',
      'webhook-timestamp': String(timestamp),
      'webhook-signature': signature,
    };
    expect(new Webhook(oldSecret).verify(body, headers)).toBeTruthy();
    expect(new Webhook(newSecret).verify(body, headers)).toBeTruthy();
  });

  it('is refused by the official package when the body, id or secret differ', () => {
    const secret = generateSecret();
    const timestamp = Math.floor(Date.now() / 1000);
    const headers = {
      'webhook-id': 'evt_3',
      'webhook-timestamp': String(timestamp),
      'webhook-signature': sign({ secrets: [secret], id: 'evt_3', timestamp, body }),
    };
    expect(() => new Webhook(secret).verify(`${body} `, headers)).toThrow(WebhookVerificationError);
    expect(() => new Webhook(secret).verify(body, { ...headers, 'webhook-id': 'evt_4' })).toThrow(
      WebhookVerificationError,
    );
    expect(() => new Webhook(generateSecret()).verify(body, headers)).toThrow(
      WebhookVerificationError,
    );
  });
});
