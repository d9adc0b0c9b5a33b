/**
 * Probes of a running server shared by the suites: a back-to-back /healthz latency probe and one
 * ticket request with its status, error code, Retry-After and latency.
 */

/**
 * Polls /healthz back to back until `stop()`; `stop()` resolves with every latency in ms.
 * @example
 * const probe = healthProbe(server.url);
 * const latencies = await probe.stop();
 */
export function healthProbe(url: string): { stop: () => Promise<number[]> } {
  const latencies: number[] = [];
  let running = true;
  const loop = (async () => {
    while (running) {
      const started = performance.now();
      await fetch(`${url}/healthz`).then((r) => r.arrayBuffer());
      latencies.push(performance.now() - started);
    }
  })();
  return {
    async stop() {
      running = false;
      await loop;
      return latencies;
    },
  };
}

/** What one `POST /v1/notifications/tickets` answered. */
export interface TicketAnswer {
  readonly status: number;
  readonly code: string | undefined;
  readonly retryAfter: string | null;
  readonly ticket: string | undefined;
  readonly ms: number;
}

/**
 * Asks for one stream ticket with `token`.
 * @example
 * const { status, ticket } = await requestTicket(server.url, token);
 */
export async function requestTicket(url: string, token: string): Promise<TicketAnswer> {
  const started = performance.now();
  const res = await fetch(`${url}/v1/notifications/tickets`, {
    method: 'POST',
    headers: { Authorization: `Bearer ${token}` },
  });
  const body = (await res.json()) as { ticket?: string; error?: { code: string } };
  return {
    status: res.status,
    code: body.error?.code,
    retryAfter: res.headers.get('retry-after'),
    ticket: body.ticket,
    ms: performance.now() - started,
  };
}
