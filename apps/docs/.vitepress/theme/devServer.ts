/**
 * Where the docs pages find a stream server and, in dev mode only, its dev tokens: the server
 * that serves this site (same origin) or, under `vitepress dev`, a local server on port 8080.
 * `GET <server>/docs/_dev/tokens` answers only on a server in dev mode (ephemeral key), to
 * requests from its own machine; everywhere else it is a 404 and the pages fall back to a pasted
 * token.
 */

/** Dev-mode tokens for tenant `ten_demo`. */
export interface DevTokens {
  readonly tenantId: string;
  readonly tenantToken: string;
  readonly publisherToken: string;
  readonly expiresAt: string;
}

/** The default stream server of a page: its own origin, or a local server in `vitepress dev`. */
export function defaultServer(): string {
  return (import.meta as unknown as { env?: { DEV?: boolean } }).env?.DEV ||
    window.location.protocol === 'file:'
    ? 'http://127.0.0.1:8080'
    : window.location.origin;
}

/** The dev tokens of `server`, or `undefined` when it is not in dev mode (or unreachable). */
export async function fetchDevTokens(server: string): Promise<DevTokens | undefined> {
  try {
    const res = await fetch(`${server.replace(/\/$/, '')}/docs/_dev/tokens`, {
      cache: 'no-store',
    });
    if (!res.ok) return undefined;
    const body = (await res.json()) as Partial<DevTokens>;
    return typeof body.publisherToken === 'string' && typeof body.tenantToken === 'string'
      ? (body as DevTokens)
      : undefined;
  } catch {
    return undefined;
  }
}
