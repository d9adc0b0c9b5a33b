import { randomBytes } from 'node:crypto';

const CROCKFORD = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
const POOL_SIZE = 4096;
let pool = randomBytes(POOL_SIZE);
let poolOffset = 0;

function randomChars(count: number): string {
  if (poolOffset + count > POOL_SIZE) {
    pool = randomBytes(POOL_SIZE);
    poolOffset = 0;
  }
  let out = '';
  for (let i = 0; i < count; i++) out += CROCKFORD[pool[poolOffset + i]! & 31];
  poolOffset += count;
  return out;
}

/**
 * A new event id: `evt_` + a ULID (48-bit millisecond time, then 80 random bits, Crockford
 * base32), so ids sort roughly by creation time and match `^evt_[A-Za-z0-9_-]{1,64}$`.
 * @example newEventId(); // 'evt_01J9Z3K8M2W4X6Y8A0B2C4D6E8'
 */
export function newEventId(now: number = Date.now()): string {
  let time = '';
  let rest = now;
  for (let i = 0; i < 10; i++) {
    time = CROCKFORD[rest % 32] + time;
    rest = Math.floor(rest / 32);
  }
  return `evt_${time}${randomChars(16)}`;
}

/**
 * A new cursor epoch: base-36 milliseconds then 8 random hex digits (`[a-z0-9]`, 16 characters),
 * so a later epoch usually sorts after an earlier one.
 * @example newEpoch(); // 'mfz3k2a19f8e7d6c'
 */
export function newEpoch(now: number = Date.now()): string {
  return `${now.toString(36).padStart(8, '0')}${randomBytes(4).toString('hex')}`;
}
