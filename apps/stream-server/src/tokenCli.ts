#!/usr/bin/env node
/**
 * `causeflow-token`: mints an HS256 token with the `JWT_SECRET` the servers share, for running
 * several instances (e.g. `BUS=redis`) where dev mode's ephemeral key would differ per instance.
 */
import { parseArgs } from 'node:util';
import { runMain } from '@causeflow/devkit/main';
import { READ_SCOPE } from './auth.js';
import { loadTokenSigningConfig } from './config.js';
import { signToken } from './tokens.js';

const usage = `Usage: causeflow-token [--tenant <ten_…>] [--scope "<scopes>"] [--sub <subject>] [--ttl <seconds>] [--service]

  Prints a JWT signed with JWT_SECRET (and JWT_ISSUER / JWT_AUDIENCE when set).
  --tenant   tenant claim (default ten_demo)
  --scope    space-separated scopes (default events:read for a tenant token, none for --service),
             e.g. "events:publish" or "events:read events:publish"
  --service  no tenant claim (a service publisher that may publish for any tenant)
  --ttl      lifetime in seconds (default 86400)
`;

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      tenant: { type: 'string', default: 'ten_demo' },
      scope: { type: 'string' },
      sub: { type: 'string' },
      ttl: { type: 'string', default: '86400' },
      service: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    process.stdout.write(usage);
    return 0;
  }
  const ttl = Number(values.ttl);
  if (!Number.isSafeInteger(ttl) || ttl <= 0) {
    process.stderr.write(`causeflow-token: --ttl must be a positive whole number of seconds\n`);
    return 2;
  }
  const { secret, issuer, audience } = loadTokenSigningConfig(process.env);
  // A tenant token streams by default (streams and tickets need events:read).
  const scope = values.scope ?? (values.service ? undefined : READ_SCOPE);
  const token = await signToken({
    secret,
    issuer,
    audience,
    claims: {
      ...(values.service ? {} : { tenantId: values.tenant }),
      ...(scope !== undefined ? { scope } : {}),
      ...(values.sub !== undefined ? { sub: values.sub } : {}),
      expiresInSeconds: ttl,
    },
  });
  process.stdout.write(`${token}\n`);
  return 0;
}

void runMain('causeflow-token', main);
