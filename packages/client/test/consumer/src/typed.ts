// Typechecked by TypeScript 5.9 in a project outside the workspace (test/pack.test.ts), under
// `node16` and `bundler` resolution, against the packed tarballs with skipLibCheck off.
import {
  type CauseFlowEvent,
  type CauseFlowStreamError,
  type EventPage,
  listEvents,
  openStream,
  verifyWebhook,
  WebhookVerificationError,
} from '@causeflow/client';
import { type DataOf, type EventName, validateEvent } from '@causeflow/events';

const stream = openStream({
  url: 'http://127.0.0.1:8080',
  token: async () => 'jwt',
  events: ['incident.*'],
  catchUp: true,
});
stream.on('remediation.approved', (e) => {
  const approvedBy: string = e.data.approvedBy;
  return approvedBy;
});
// @ts-expect-error approvedBy is not a field of incident.created
stream.on('incident.created', (e) => e.data.approvedBy);
stream.on('error', (error: CauseFlowStreamError) => error.code);

export async function firstPage(): Promise<EventPage> {
  return await listEvents({ url: 'http://127.0.0.1:8080', token: 'jwt', limit: 10 });
}

export async function receive(body: string, headers: Headers): Promise<EventName | 'refused'> {
  try {
    const event: CauseFlowEvent = await verifyWebhook(body, headers, ['whsec_AAAA'], {
      toleranceSeconds: 60,
    });
    return event.event;
  } catch (error) {
    if (error instanceof WebhookVerificationError) return 'refused';
    throw error;
  }
}

export const severity = (data: DataOf<'incident.created'>): string => data.severity;
export const valid = (value: unknown): boolean => validateEvent(value).ok;
