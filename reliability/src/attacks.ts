/**
 * Crafted credentials for the auth check: forged, tampered, expired, mis-scoped and misplaced
 * tokens. Tokens are assembled by hand (header, payload, signature) so that anything a real
 * attacker could send can be expressed, including what a JWT library would refuse to sign.
 */
import {
  createHmac,
  createPrivateKey,
  createPublicKey,
  createSign,
  type KeyObject,
} from 'node:crypto';

/** How a credential is presented: request headers plus an optional query string. */
export interface Presentation {
  readonly headers: Record<string, string>;
  readonly query?: string;
}

/** One attack: a name, the server it targets and how it presents itself. */
export interface Attack {
  readonly name: string;
  readonly category: string;
  /** `hs`: the HS256 server; `rs`: the RS256 (public key) server. */
  readonly server: 'hs' | 'rs';
  readonly present: Presentation;
}

/** Keys and settings the attacks are built from. */
export interface AttackKeys {
  /** The HS256 server's secret (the attacker does not have it; used for "valid but …" tokens). */
  readonly secret: string;
  /** The RS256 server's key pair (private: for "valid but …" tokens; public: for confusion). */
  readonly rsPrivatePem: string;
  readonly rsPublicPem: string;
  /** Keys the attacker owns. */
  readonly attackerRsaPrivatePem: string;
  readonly attackerRsaPublicJwk: Record<string, unknown>;
  readonly attackerEcPrivatePem: string;
  readonly issuer: string;
  readonly audience: string;
  /** The tenant under attack. */
  readonly victim: string;
}

const b64 = (value: string | Buffer): string => Buffer.from(value).toString('base64url');
const json = (value: unknown): string => b64(JSON.stringify(value));

type Signer = (input: string) => string;

function hmac(algorithm: 'sha256' | 'sha384' | 'sha512', key: string | Buffer): Signer {
  return (input) => createHmac(algorithm, key).update(input).digest('base64url');
}

function rsa(privatePem: string, algorithm = 'RSA-SHA256'): Signer {
  return (input) => createSign(algorithm).update(input).sign(privatePem, 'base64url');
}

function es256(privatePem: string): Signer {
  return (input) =>
    createSign('SHA256')
      .update(input)
      .sign({ key: createPrivateKey(privatePem), dsaEncoding: 'ieee-p1363' }, 'base64url');
}

function pss(privatePem: string): Signer {
  return (input) =>
    createSign('RSA-SHA256')
      .update(input)
      .sign(
        { key: privatePem, padding: 6 /* RSA_PKCS1_PSS_PADDING */, saltLength: 32 },
        'base64url',
      );
}

/** Assembles `header.payload.signature` (raw header/payload objects or pre-encoded strings). */
export function craft(header: unknown, payload: unknown, sign: Signer | string): string {
  const head = typeof header === 'string' ? header : json(header);
  const body = typeof payload === 'string' ? payload : json(payload);
  const input = `${head}.${body}`;
  return `${input}.${typeof sign === 'string' ? sign : sign(input)}`;
}

const bearer = (token: string): Presentation => ({ headers: { Authorization: `Bearer ${token}` } });

/**
 * Every crafted credential (at least 40). None may open a stream, publish or obtain a ticket.
 * @example
 * const attacks = buildAttacks(keys); // [{ name: 'alg none', server: 'hs', present: {...} }, …]
 */
export function buildAttacks(keys: AttackKeys): Attack[] {
  const now = Math.floor(Date.now() / 1000);
  const base = {
    tenantId: keys.victim,
    sub: 'user_attacker',
    scope: 'events:read events:publish',
    iss: keys.issuer,
    aud: keys.audience,
    iat: now,
    exp: now + 3600,
  };
  const hs = hmac('sha256', keys.secret);
  const rs = rsa(keys.rsPrivatePem);
  const HS = { alg: 'HS256', typ: 'JWT' };
  const RS = { alg: 'RS256', typ: 'JWT' };
  const attacks: Attack[] = [];
  const add = (
    category: string,
    name: string,
    server: 'hs' | 'rs',
    present: Presentation,
  ): void => {
    attacks.push({ category, name, server, present });
  };
  const hsToken = (
    name: string,
    category: string,
    payload: unknown,
    header: unknown = HS,
    sign: Signer | string = hs,
  ) => add(category, name, 'hs', bearer(craft(header, payload, sign)));
  const without = (key: keyof typeof base): Record<string, unknown> => {
    const copy: Record<string, unknown> = { ...base };
    delete copy[key];
    return copy;
  };

  // alg: none and friends
  for (const alg of ['none', 'None', 'NONE', 'nOnE'])
    hsToken(`alg "${alg}", empty signature`, 'alg none', base, { alg, typ: 'JWT' }, '');
  hsToken('alg "none" with a valid HS256 signature', 'alg none', base, { alg: 'none' }, hs);
  hsToken('no alg header at all', 'alg none', base, { typ: 'JWT' }, hs);
  add('alg none', 'alg "none" on the RS256 server', 'rs', bearer(craft({ alg: 'none' }, base, '')));

  // signature problems
  hsToken(
    'HS256 with a wrong secret',
    'signature',
    base,
    HS,
    hmac('sha256', 'not-the-secret-not-the-secret-123'),
  );
  hsToken('HS256 with an empty secret', 'signature', base, HS, hmac('sha256', ''));
  hsToken('signature stripped', 'signature', base, HS, '');
  {
    const genuine = craft(HS, { ...base, tenantId: 'ten_attacker' }, hs).split('.');
    add(
      'signature',
      'payload swapped under a genuine signature',
      'hs',
      bearer(`${genuine[0]}.${json(base)}.${genuine[2]}`),
    );
  }
  hsToken('signature bit-flipped', 'signature', base, HS, (input) => {
    const sig = Buffer.from(hs(input), 'base64url');
    sig[0] = (sig[0] ?? 0) ^ 1;
    return sig.toString('base64url');
  });
  hsToken(
    'HS512 with the right secret (algorithm not configured)',
    'signature',
    base,
    { alg: 'HS512' },
    hmac('sha512', keys.secret),
  );
  hsToken(
    'RS256 with an attacker key on the HS256 server',
    'signature',
    base,
    RS,
    rsa(keys.attackerRsaPrivatePem),
  );

  // HS/RS confusion on the RS256 server: the public key used as an HMAC secret
  const spkiPem = keys.rsPublicPem;
  const spkiDer = createPublicKey(keys.rsPublicPem).export({ type: 'spki', format: 'der' });
  const pkcs1Pem = createPublicKey(keys.rsPublicPem)
    .export({ type: 'pkcs1', format: 'pem' })
    .toString();
  const confusion = (
    name: string,
    alg: 'sha256' | 'sha384' | 'sha512',
    key: string | Buffer,
  ): void =>
    add(
      'alg confusion',
      name,
      'rs',
      bearer(craft({ alg: `HS${alg.slice(3)}`, typ: 'JWT' }, base, hmac(alg, key))),
    );
  confusion('HS256 keyed with the PEM public key', 'sha256', spkiPem);
  confusion('HS256 keyed with the PEM public key, no trailing newline', 'sha256', spkiPem.trim());
  confusion('HS256 keyed with the DER public key', 'sha256', spkiDer);
  confusion('HS256 keyed with the PKCS#1 PEM public key', 'sha256', pkcs1Pem);
  confusion('HS384 keyed with the PEM public key', 'sha384', spkiPem);
  confusion('HS512 keyed with the PEM public key', 'sha512', spkiPem);
  add(
    'alg confusion',
    'RS256 signed by an attacker key',
    'rs',
    bearer(craft(RS, base, rsa(keys.attackerRsaPrivatePem))),
  );
  add(
    'alg confusion',
    'ES256 signed by an attacker key',
    'rs',
    bearer(craft({ alg: 'ES256' }, base, es256(keys.attackerEcPrivatePem))),
  );
  add(
    'alg confusion',
    'ES256 "psychic signature" (r = s = 0)',
    'rs',
    bearer(craft({ alg: 'ES256' }, base, b64(Buffer.alloc(64)))),
  );
  add(
    'alg confusion',
    'PS256 with the right key (algorithm not configured)',
    'rs',
    bearer(craft({ alg: 'PS256' }, base, pss(keys.rsPrivatePem))),
  );

  // header tricks: where to find the key
  const attackerRs = rsa(keys.attackerRsaPrivatePem);
  add(
    'header tricks',
    'embedded jwk of an attacker key',
    'rs',
    bearer(craft({ ...RS, jwk: keys.attackerRsaPublicJwk }, base, attackerRs)),
  );
  add(
    'header tricks',
    'jku pointing at an attacker JWKS',
    'rs',
    bearer(craft({ ...RS, jku: 'http://127.0.0.1:9/jwks.json', kid: 'evil' }, base, attackerRs)),
  );
  add(
    'header tricks',
    'x5u pointing at an attacker certificate',
    'rs',
    bearer(craft({ ...RS, x5u: 'http://127.0.0.1:9/cert.pem' }, base, attackerRs)),
  );
  add(
    'header tricks',
    'x5c with a junk certificate chain',
    'rs',
    bearer(craft({ ...RS, x5c: [b64('not a cert')] }, base, attackerRs)),
  );
  hsToken(
    'kid path traversal to /dev/null, signed with an empty key',
    'header tricks',
    base,
    { ...HS, kid: '../../../../dev/null' },
    hmac('sha256', ''),
  );
  hsToken(
    'kid SQL injection, signed with "x"',
    'header tricks',
    base,
    { ...HS, kid: "x' UNION SELECT 'x" },
    hmac('sha256', 'x'),
  );
  hsToken(
    'crit header with an unknown extension',
    'header tricks',
    base,
    { ...HS, crit: ['x-evil'], 'x-evil': true },
    hs,
  );
  hsToken(
    'b64: false (unencoded payload)',
    'header tricks',
    base,
    { ...HS, b64: false, crit: ['b64'] },
    hs,
  );

  // time claims (validly signed)
  hsToken('expired an hour ago', 'time claims', { ...base, exp: now - 3600 });
  hsToken('expired 5 seconds ago', 'time claims', { ...base, exp: now - 5 });
  hsToken('not yet valid (nbf in an hour)', 'time claims', { ...base, nbf: now + 3600 });
  hsToken('missing exp', 'time claims', without('exp'));
  hsToken('exp as a string', 'time claims', { ...base, exp: String(now + 3600) });
  hsToken('exp null', 'time claims', { ...base, exp: null });
  add(
    'time claims',
    'RS256 with the right key, expired',
    'rs',
    bearer(craft(RS, { ...base, exp: now - 60 }, rs)),
  );

  // issuer and audience (validly signed)
  hsToken('wrong issuer', 'iss/aud', { ...base, iss: 'https://evil.example' });
  hsToken('missing issuer', 'iss/aud', without('iss'));
  hsToken('wrong audience', 'iss/aud', { ...base, aud: 'another-api' });
  hsToken('missing audience', 'iss/aud', without('aud'));
  hsToken('audience array without ours', 'iss/aud', {
    ...base,
    aud: ['another-api', 'yet-another'],
  });
  add(
    'iss/aud',
    'RS256 with the right key, wrong audience',
    'rs',
    bearer(craft(RS, { ...base, aud: 'another-api' }, rs)),
  );

  // tenantId claim (validly signed; no publish scope, so a missing tenant is not a service token)
  const readOnly = { ...base, scope: 'events:read' };
  const tenantCases: [string, unknown][] = [
    ['tenantId missing (read scope)', undefined],
    ['tenantId as an array', [keys.victim]],
    ['tenantId as an object', { $ne: null }],
    ['tenantId as a number', 42],
    ['tenantId empty', ''],
    ['tenantId null', null],
    ['tenantId true', true],
    ['tenantId "../ten_x"', '../ten_x'],
    ['tenantId with a trailing newline', `${keys.victim}\n`],
    ['tenantId with a wildcard', 'ten_*'],
    ['tenantId with a Cyrillic look-alike', `${keys.victim.slice(0, -1)}\u0456`],
    ['tenantId of 1000 characters', `ten_${'a'.repeat(996)}`],
  ];
  for (const [name, tenantId] of tenantCases) {
    const payload: Record<string, unknown> = { ...readOnly };
    if (tenantId === undefined) delete payload.tenantId;
    else payload.tenantId = tenantId;
    hsToken(name, 'tenantId claim', payload);
    // the same with publish scope: an invalid tenant must never become a service token
    if (tenantId !== undefined)
      hsToken(`${name} (publish scope)`, 'tenantId claim', { ...payload, scope: 'events:publish' });
  }

  // scope: streams and tickets need events:read, ingest events:publish; a token with neither gets nothing
  hsToken('tenant token without any scope', 'scope', without('scope'));

  // size and shape
  hsToken('oversized token (64 KiB claim, valid signature)', 'shape', {
    ...base,
    pad: 'x'.repeat(64 * 1024),
  });
  add('shape', 'oversized garbage token (64 KiB)', 'hs', bearer('a'.repeat(64 * 1024)));
  add('shape', 'two segments', 'hs', bearer(`${json(HS)}.${json(base)}`));
  add('shape', 'four segments', 'hs', bearer(`${craft(HS, base, hs)}.extra`));
  add(
    'shape',
    'JWE-shaped (five segments)',
    'hs',
    bearer(`${json({ alg: 'dir', enc: 'A256GCM' })}..aaaa.bbbb.cccc`),
  );
  add('shape', 'header is not JSON', 'hs', bearer(craft(b64('{"alg":"HS256"'), base, hs)));
  add('shape', 'payload is not JSON', 'hs', bearer(craft(HS, b64('{tenantId:ten_x}'), hs)));
  add('shape', 'payload is a JSON array', 'hs', bearer(craft(HS, [base], hs)));
  add('shape', 'empty bearer', 'hs', { headers: { Authorization: 'Bearer ' } });
  return attacks;
}

/**
 * A valid token presented the wrong way: in the query, a cookie, another header or scheme.
 * @example
 * const misplaced = misplacedPresentations(validToken);
 */
export function misplacedPresentations(valid: string): { name: string; present: Presentation }[] {
  return [
    { name: 'token in ?token=', present: { headers: {}, query: `token=${valid}` } },
    { name: 'token in ?access_token=', present: { headers: {}, query: `access_token=${valid}` } },
    { name: 'token in ?jwt=', present: { headers: {}, query: `jwt=${valid}` } },
    {
      name: 'token in ?ticket= (a JWT is not a ticket)',
      present: { headers: {}, query: `ticket=${valid}` },
    },
    {
      name: 'token in a cookie',
      present: { headers: { Cookie: `token=${valid}; access_token=${valid}; jwt=${valid}` } },
    },
    { name: 'Authorization without a scheme', present: { headers: { Authorization: valid } } },
    {
      name: 'Authorization: Basic (token as password)',
      present: { headers: { Authorization: `Basic ${b64(`user:${valid}`)}` } },
    },
    {
      name: 'Authorization: Basic (token as user)',
      present: { headers: { Authorization: `Basic ${b64(`${valid}:`)}` } },
    },
    { name: 'Authorization: Token', present: { headers: { Authorization: `Token ${valid}` } } },
    { name: 'Authorization: JWT', present: { headers: { Authorization: `JWT ${valid}` } } },
    { name: '"bearer:" with a colon', present: { headers: { Authorization: `bearer: ${valid}` } } },
    { name: '"bearer" without a space', present: { headers: { Authorization: `bearer${valid}` } } },
    {
      name: '"bearer" with the token quoted',
      present: { headers: { Authorization: `bearer "${valid}"` } },
    },
    { name: '"Bearer" twice', present: { headers: { Authorization: `Bearer Bearer ${valid}` } } },
    {
      name: 'two bearer credentials in one header',
      present: { headers: { Authorization: `Bearer ${valid}, Bearer ${valid}` } },
    },
    { name: 'X-Access-Token header', present: { headers: { 'X-Access-Token': valid } } },
    { name: 'X-Auth-Token header', present: { headers: { 'X-Auth-Token': valid } } },
    {
      name: 'Proxy-Authorization: Bearer',
      present: { headers: { 'Proxy-Authorization': `Bearer ${valid}` } },
    },
  ];
}

/** Exports a public key object as a JWK (for the embedded-`jwk` attack). */
export function publicJwk(key: KeyObject): Record<string, unknown> {
  return key.export({ format: 'jwk' }) as Record<string, unknown>;
}
