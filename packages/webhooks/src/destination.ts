/**
 * Server-side request forgery guard for webhook destinations. Two checks of one rule set:
 * `checkUrl` at registration (scheme, `localhost`, literal IPs in any form the WHATWG URL parser
 * normalises — decimal, octal, hex, IPv4-mapped IPv6), and `guardedLookup` at delivery: the DNS
 * lookup of the socket itself refuses a name whose answers include a forbidden address, so the
 * address checked is the address connected to (no DNS-rebinding window). Redirects are never
 * followed (the sender treats 3xx as a failure).
 */
import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { BlockList, isIP, isIPv4 } from 'node:net';
import { WebhookError } from './errors.js';

const blocked = new BlockList();
for (const [net, prefix] of [
  ['0.0.0.0', 8], // "this" network
  ['10.0.0.0', 8], // private
  ['100.64.0.0', 10], // CGNAT
  ['127.0.0.0', 8], // loopback
  ['169.254.0.0', 16], // link-local, cloud metadata 169.254.169.254
  ['172.16.0.0', 12], // private
  ['192.0.0.0', 24], // IETF protocol assignments
  ['192.0.2.0', 24], // documentation
  ['192.88.99.0', 24], // 6to4 relay anycast
  ['192.168.0.0', 16], // private
  ['198.18.0.0', 15], // benchmarking
  ['198.51.100.0', 24], // documentation
  ['203.0.113.0', 24], // documentation
  ['224.0.0.0', 4], // multicast
  ['240.0.0.0', 4], // reserved, broadcast
] as const) {
  blocked.addSubnet(net, prefix, 'ipv4');
}
for (const [net, prefix] of [
  ['::', 128], // unspecified
  ['::1', 128], // loopback
  ['64:ff9b::', 96], // NAT64 (embeds any IPv4)
  ['64:ff9b:1::', 48], // local NAT64
  ['100::', 64], // discard
  ['2001:db8::', 32], // documentation
  ['2002::', 16], // 6to4 (embeds any IPv4)
  ['fc00::', 7], // unique local
  ['fe80::', 10], // link-local
  ['fec0::', 10], // site-local (deprecated)
  ['ff00::', 8], // multicast
] as const) {
  blocked.addSubnet(net, prefix, 'ipv6');
}

/** The IPv4 address inside an IPv4-mapped (`::ffff:a.b.c.d`) or IPv4-compatible IPv6 address. */
function embeddedIPv4(address: string): string | undefined {
  const lower = address.toLowerCase();
  const dotted = /^::(?:ffff:(?:0:)?)?(\d+\.\d+\.\d+\.\d+)$/.exec(lower);
  if (dotted) return dotted[1];
  const hex = /^::(?:ffff:(?:0:)?)?([0-9a-f]{1,4}):([0-9a-f]{1,4})$/.exec(lower);
  if (!hex) return undefined;
  const high = Number.parseInt(hex[1]!, 16);
  const low = Number.parseInt(hex[2]!, 16);
  return [high >> 8, high & 255, low >> 8, low & 255].join('.');
}

/**
 * True when `address` (an IP literal) is loopback, private, link-local, CGNAT, multicast,
 * reserved or a metadata address — directly or embedded in IPv6. Non-IPs count as blocked.
 * @example
 * isBlockedAddress('169.254.169.254'); // true
 * isBlockedAddress('::ffff:127.0.0.1'); // true
 */
export function isBlockedAddress(address: string): boolean {
  const bare = address.replace(/^\[|\]$/g, '').replace(/%.*$/, '');
  const family = isIP(bare);
  if (family === 0) return true;
  if (family === 4) return blocked.check(bare, 'ipv4');
  const inner = embeddedIPv4(bare);
  if (inner !== undefined && isIPv4(inner)) return blocked.check(inner, 'ipv4');
  return blocked.check(bare, 'ipv6');
}

/** What destinations are allowed. */
export interface DestinationPolicy {
  readonly allowHttp: boolean;
  readonly allowPrivate: boolean;
}

/**
 * Checks a destination at registration; returns the normalised URL or throws 400 `unsafe_url`
 * (or `invalid_url`). DNS names are checked at delivery, on the address connected to.
 * @example
 * checkUrl('https://hooks.example.com/cf', { allowHttp: false, allowPrivate: false });
 */
export function checkUrl(raw: string, policy: DestinationPolicy): string {
  let url: URL;
  try {
    url = new URL(raw);
  } catch (cause) {
    throw new WebhookError(400, 'invalid_url', 'url is not an absolute URL', { cause });
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw new WebhookError(400, 'unsafe_url', 'url must use https');
  }
  if (url.protocol === 'http:' && !policy.allowHttp) {
    throw new WebhookError(400, 'unsafe_url', 'url must use https (http is not allowed)');
  }
  if (url.username !== '' || url.password !== '') {
    throw new WebhookError(400, 'invalid_url', 'url must not contain credentials');
  }
  if (!policy.allowPrivate && isForbiddenHost(url.hostname)) {
    throw new WebhookError(
      400,
      'unsafe_url',
      'url points at a loopback, private or reserved address',
    );
  }
  return url.href;
}

/** True for `localhost` names and for IP literals in a blocked range (URL-normalised hostnames). */
function isForbiddenHost(hostname: string): boolean {
  const host = hostname.toLowerCase().replace(/\.$/, '');
  if (host === 'localhost' || host.endsWith('.localhost')) return true;
  const bare = host.replace(/^\[|\]$/g, '');
  return isIP(bare) !== 0 && isBlockedAddress(bare);
}

/** `dns.lookup`'s signature as `net.connect` calls it (`all: true` under happy eyeballs). */
export type LookupFunction = (
  hostname: string,
  options: { all?: boolean; family?: number | string },
  callback: (
    error: NodeJS.ErrnoException | null,
    address: string | LookupAddress[],
    family?: number,
  ) => void,
) => void;

/** A resolver returning every address of a name (tests pass a fake). */
export type Resolver = (hostname: string) => Promise<LookupAddress[]>;

/** The system resolver (`dns.lookup` with `all: true`). */
export const systemResolver: Resolver = (hostname) =>
  new Promise((resolve, reject) =>
    dnsLookup(hostname, { all: true }, (error, addresses) =>
      error ? reject(error) : resolve(addresses),
    ),
  );

/** Error code of a lookup refused by the guard; the sender reports it as `blocked_destination`. */
export const BLOCKED_CODE = 'ERR_BLOCKED_DESTINATION';

/**
 * A socket `lookup` that resolves with `resolver` and refuses (error code `ERR_BLOCKED_DESTINATION`)
 * when any answer is a blocked address, unless `allowPrivate`. Give it to `http.request({ lookup })`.
 * @example
 * http.request(url, { lookup: guardedLookup({ resolver: systemResolver, allowPrivate: false }) });
 */
export function guardedLookup(options: {
  resolver: Resolver;
  allowPrivate: boolean;
}): LookupFunction {
  return function lookup(hostname, lookupOptions, callback) {
    options.resolver(hostname).then(
      (addresses) => {
        const family = Number(lookupOptions.family) || 0;
        const usable = addresses.filter((a) => family === 0 || a.family === family);
        if (usable.length === 0) {
          const error: NodeJS.ErrnoException = new Error(`no address for ${hostname}`);
          error.code = 'ENOTFOUND';
          callback(error, []);
          return;
        }
        if (!options.allowPrivate && usable.some((a) => isBlockedAddress(a.address))) {
          const error: NodeJS.ErrnoException = new Error(
            `${hostname} resolves to a blocked address`,
          );
          error.code = BLOCKED_CODE;
          callback(error, []);
          return;
        }
        if (lookupOptions.all) callback(null, usable);
        else callback(null, usable[0]!.address, usable[0]!.family);
      },
      (error: NodeJS.ErrnoException) => callback(error, []),
    );
  };
}
