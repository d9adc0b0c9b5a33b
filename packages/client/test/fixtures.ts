// Valid sample events for tests, taken from the catalog's examples.
import { type CauseFlowEvent, type EventName, eventCatalog } from '@causeflow/events';

/** The first catalog example of `name`, with a tenant and an optional incident override. */
export function sample(
  name: EventName,
  overrides: { tenantId?: string; incidentId?: string; title?: string } = {},
): CauseFlowEvent {
  const example = structuredClone(eventCatalog[name].examples[0]) as unknown as {
    tenantId: string;
    data: Record<string, unknown>;
  };
  if (overrides.tenantId) example.tenantId = overrides.tenantId;
  if (overrides.incidentId && 'incidentId' in example.data)
    example.data.incidentId = overrides.incidentId;
  if (overrides.title && 'title' in example.data) example.data.title = overrides.title;
  return example as unknown as CauseFlowEvent;
}

/** Waits until `predicate` holds, polling every 5 ms, failing after `timeoutMs`. */
export async function waitFor(
  predicate: () => boolean,
  timeoutMs = 5000,
  what = 'condition',
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}
