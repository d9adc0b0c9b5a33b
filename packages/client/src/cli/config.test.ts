import { describe, expect, it } from 'vitest';
import { DEFAULT_URL, parseTailConfig } from './config.js';

describe('parseTailConfig', () => {
  it('follows the local dev server with no arguments, reading the token file later', () => {
    const config = parseTailConfig([], {});
    expect(config).toMatchObject({
      url: DEFAULT_URL,
      token: undefined,
      json: false,
      color: false,
      help: false,
    });
  });

  it('reads the flags', () => {
    const config = parseTailConfig(
      [
        '--url',
        'https://api.example.com',
        '--token',
        'jwt',
        '--events',
        'incident.*, remediation.approved',
        '--incident',
        'inc_1',
        '--json',
      ],
      {},
    );
    expect(config).toMatchObject({
      url: 'https://api.example.com',
      token: 'jwt',
      events: ['incident.*', 'remediation.approved'],
      incidentId: 'inc_1',
      json: true,
    });
  });

  it('takes the token and URL from the environment when no flag is given, flags winning', () => {
    expect(
      parseTailConfig([], { CAUSEFLOW_TOKEN: 'env-jwt', CAUSEFLOW_URL: 'http://h:1' }),
    ).toMatchObject({
      token: 'env-jwt',
      url: 'http://h:1',
    });
    expect(parseTailConfig(['--token', 'flag'], { CAUSEFLOW_TOKEN: 'env-jwt' }).token).toBe('flag');
  });

  it('colours a terminal unless --no-color or NO_COLOR says otherwise', () => {
    expect(parseTailConfig([], {}, true).color).toBe(true);
    expect(parseTailConfig(['--no-color'], {}, true).color).toBe(false);
    expect(parseTailConfig([], { NO_COLOR: '1' }, true).color).toBe(false);
  });

  it('refuses --events entries that name no event or domain, naming them', () => {
    expect(() => parseTailConfig(['--events', 'incident.*,remediation.aproved'], {})).toThrow(
      /remediation\.aproved/,
    );
  });

  it('refuses unknown flags and bad URLs', () => {
    expect(() => parseTailConfig(['--nope'], {})).toThrow(/nope/);
    expect(() => parseTailConfig(['--url', 'not a url'], {})).toThrow(/not a URL/);
  });

  it('reads --since, --forward-to and --secret, and says where the token came from', () => {
    const config = parseTailConfig(
      ['--since', 'c1', '--forward-to', 'http://localhost:3000/hooks', '--secret', 'whsec_AAAA'],
      { CAUSEFLOW_TOKEN: 'env-jwt' },
    );
    expect(config).toMatchObject({
      since: 'c1',
      forwardTo: 'http://localhost:3000/hooks',
      secret: 'whsec_AAAA',
      tokenFrom: 'CAUSEFLOW_TOKEN',
    });
    expect(parseTailConfig(['--token', 't'], {}).tokenFrom).toBe('--token');
    expect(parseTailConfig([], {}).tokenFrom).toBeUndefined();
  });

  it('refuses a secret that is not whsec_, a secret without --forward-to, and a non-http target', () => {
    expect(() => parseTailConfig(['--forward-to', 'http://h', '--secret', 'hunter2'], {})).toThrow(
      /whsec_/,
    );
    expect(() => parseTailConfig(['--secret', 'whsec_AAAA'], {})).toThrow(/--forward-to/);
    expect(() => parseTailConfig(['--forward-to', 'ftp://h'], {})).toThrow(/http/);
    expect(() => parseTailConfig(['--since', 'a', '--last-event-id', 'b'], {})).toThrow(/one/);
  });
});
