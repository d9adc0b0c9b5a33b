/**
 * `causeflow-tail --forward-to`: re-sends every streamed event to a local URL as a POST signed
 * exactly like a real CauseFlow webhook delivery (Standard Webhooks headers plus
 * `causeflow-cursor`), one at a time in stream order, so a webhook handler can be developed
 * against live events on a laptop. Failures are reported, not retried (this is a dev tool).
 */
import { readFileSync } from 'node:fs';
import type { CauseFlowEvent } from '@causeflow/events';
import { generateWebhookSecret, signWebhook } from '../webhooks.js';
import type { TailConfig } from './config.js';

/** The `user-agent` of deliveries: the same product name as the server's sender. */
export const USER_AGENT = `CauseFlow-Webhooks/${
  (
    JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
      version: string;
    }
  ).version
}`;

/** Sends events to the forward URL in order. */
export interface Forwarder {
  send(event: CauseFlowEvent, cursor: string | undefined): void;
  /** Resolves when every event handed to `send` so far has been posted (or failed). */
  idle(): Promise<void>;
}

/**
 * Creates the forwarder; prints the secret it signs with (a new one unless `--secret` was given).
 * @example
 * const forward = createForwarder(config, note); stream.on('*', (e) => forward.send(e, stream.lastEventId));
 */
export function createForwarder(
  config: Pick<TailConfig, 'forwardTo' | 'secret'>,
  note: (text: string) => void,
  fetchImpl: typeof fetch = globalThis.fetch.bind(globalThis),
): Forwarder {
  const url = String(config.forwardTo);
  const secret = config.secret ?? generateWebhookSecret();
  note(
    config.secret
      ? `# forwarding events to ${url}, signed with the secret you gave`
      : `# forwarding events to ${url}; your webhook signing secret is ${secret} (pass --secret to keep one)`,
  );
  let queue = Promise.resolve();
  const post = async (event: CauseFlowEvent, cursor: string | undefined) => {
    const body = JSON.stringify(event);
    const id = (event as { id?: string }).id ?? cursor ?? '';
    const headers = {
      'content-type': 'application/json',
      'user-agent': USER_AGENT,
      ...(cursor === undefined ? {} : { 'causeflow-cursor': cursor }),
      ...(await signWebhook({ id, body, secrets: [secret] })),
    };
    const started = performance.now();
    try {
      const res = await fetchImpl(url, { method: 'POST', headers, body, redirect: 'manual' });
      await res.body?.cancel().catch(() => {});
      const ms = Math.round(performance.now() - started);
      const verdict =
        res.status >= 200 && res.status < 300 ? '' : ' (not 2xx: a real delivery would be retried)';
      note(`# forwarded ${event.event} ${id} → ${res.status} in ${ms} ms${verdict}`);
    } catch (cause) {
      note(`# forward to ${url} failed: ${(cause as Error).message}`);
    }
  };
  return {
    send(event, cursor) {
      queue = queue.then(() => post(event, cursor));
    },
    idle: () => queue,
  };
}
