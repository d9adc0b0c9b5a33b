import { describe, expect, it } from 'vitest';
import { checkUrl, guardedLookup, isBlockedAddress } from './destination.js';
import { WebhookError } from './errors.js';

const strict = { allowHttp: false, allowPrivate: false };

/** Every way to write a forbidden destination that is visible without DNS. */
export const UNSAFE_URLS = [
  'https://127.0.0.1/hook',
  'https://localhost/hook',
  'https://LOCALHOST./hook',
  'https://api.localhost/hook',
  'https://2130706433/hook', // decimal 127.0.0.1
  'https://017700000001/hook', // octal
  'https://0x7f000001/hook', // hex
  'https://0x7f.1/hook',
  'https://127.1/hook',
  'https://0/hook',
  'https://169.254.169.254/latest/meta-data/',
  'https://[::1]/hook',
  'https://[::ffff:127.0.0.1]/hook', // IPv4-mapped IPv6
  'https://[::ffff:a9fe:a9fe]/hook', // mapped metadata address
  'https://[fd00::1]/hook',
  'https://[fe80::1]/hook',
  'https://10.1.2.3/hook',
  'https://172.16.0.1/hook',
  'https://192.168.1.1/hook',
  'https://100.64.0.1/hook', // CGNAT
  'https://224.0.0.1/hook', // multicast
  'https://[ff02::1]/hook',
  'https://0.0.0.0/hook',
  'https://255.255.255.255/hook',
  'http://hooks.example.com/hook', // plain http
  'ftp://hooks.example.com/hook',
];

describe('destination rules at registration', () => {
  it.each(UNSAFE_URLS)('refuses %s with unsafe_url', (url) => {
    expect(() => checkUrl(url, strict)).toThrow(
      expect.objectContaining({ code: 'unsafe_url', status: 400 }),
    );
  });

  it('accepts public https destinations and normalises them', () => {
    expect(checkUrl('https://Hooks.Example.com/cf?x=1', strict)).toBe(
      'https://hooks.example.com/cf?x=1',
    );
    expect(checkUrl('https://8.8.8.8/hook', strict)).toBe('https://8.8.8.8/hook');
    expect(checkUrl('https://[2606:4700::1111]/hook', strict)).toBe(
      'https://[2606:4700::1111]/hook',
    );
  });

  it('lets WEBHOOK_ALLOW_HTTP and WEBHOOK_ALLOW_PRIVATE lift the rules one at a time', () => {
    expect(() =>
      checkUrl('http://127.0.0.1:9/x', { allowHttp: true, allowPrivate: false }),
    ).toThrow(WebhookError);
    expect(() =>
      checkUrl('http://127.0.0.1:9/x', { allowHttp: false, allowPrivate: true }),
    ).toThrow(WebhookError);
    expect(checkUrl('http://127.0.0.1:9/x', { allowHttp: true, allowPrivate: true })).toBe(
      'http://127.0.0.1:9/x',
    );
  });

  it('refuses URLs with credentials or that do not parse', () => {
    expect(() => checkUrl('https://user:pw@hooks.example.com/', strict)).toThrow(
      expect.objectContaining({ code: 'invalid_url' }),
    );
    expect(() => checkUrl('not a url', strict)).toThrow(
      expect.objectContaining({ code: 'invalid_url' }),
    );
  });
});

describe('isBlockedAddress', () => {
  it.each([
    '127.0.0.1',
    '10.0.0.1',
    '172.31.255.255',
    '192.168.0.1',
    '169.254.169.254',
    '100.127.0.1',
    '0.0.0.0',
    '224.1.1.1',
    '240.0.0.1',
    '::1',
    '::',
    '::ffff:10.0.0.1',
    '::ffff:7f00:1',
    '64:ff9b::a00:1',
    'fc00::1',
    'fe80::1%eth0',
    'ff05::2',
    'not-an-ip',
  ])('blocks %s', (address) => expect(isBlockedAddress(address)).toBe(true));

  it.each(['8.8.8.8', '1.1.1.1', '100.128.0.1', '172.32.0.1', '2606:4700::1111', '::ffff:8.8.8.8'])(
    'allows %s',
    (address) => expect(isBlockedAddress(address)).toBe(false),
  );
});

describe('guardedLookup (the address actually connected to)', () => {
  const lookupWith = (answers: { address: string; family: number }[], allowPrivate = false) =>
    guardedLookup({ resolver: async () => answers, allowPrivate });
  const run = (lookup: ReturnType<typeof guardedLookup>, all: boolean) =>
    new Promise<{ error: NodeJS.ErrnoException | null; address: unknown }>((resolve) =>
      lookup('hooks.example.com', { all }, (error, address) => resolve({ error, address })),
    );

  it('refuses a name that resolves to a private address (DNS rebinding included)', async () => {
    const { error } = await run(lookupWith([{ address: '10.0.0.7', family: 4 }]), true);
    expect(error?.code).toBe('ERR_BLOCKED_DESTINATION');
  });

  it('refuses a name when any of its answers is private', async () => {
    const { error } = await run(
      lookupWith([
        { address: '8.8.8.8', family: 4 },
        { address: '::1', family: 6 },
      ]),
      false,
    );
    expect(error?.code).toBe('ERR_BLOCKED_DESTINATION');
  });

  it('passes public answers through in both callback forms', async () => {
    const answers = [{ address: '8.8.8.8', family: 4 }];
    expect((await run(lookupWith(answers), true)).address).toEqual(answers);
    expect((await run(lookupWith(answers), false)).address).toBe('8.8.8.8');
  });

  it('allows private answers when allowPrivate is set', async () => {
    const { error, address } = await run(
      lookupWith([{ address: '127.0.0.1', family: 4 }], true),
      false,
    );
    expect(error).toBeNull();
    expect(address).toBe('127.0.0.1');
  });
});
