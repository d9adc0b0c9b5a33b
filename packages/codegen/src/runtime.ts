/**
 * The run-time helpers ajv's standalone validators call, emitted into `validators.ts` itself so
 * the events package imports no CommonJS at load time (importing `ajv-formats` and ajv's runtime
 * through Node's CommonJS loader was 60% of the package's load time).
 *
 * The function bodies are ajv-formats 3.0.1 `fullFormats` and ajv 8 `ucs2length` (both MIT,
 * © Evgeny Poberezkin), unchanged; `runtime.test.ts` checks that each one agrees with the
 * original on fixed and generated inputs. Formats that ajv inlines as a regular expression
 * (`email`, `uuid`, …) need no entry here.
 */

/** One format implementation: JavaScript source that defines it, and how `__formats` holds it. */
export interface FormatRuntime {
  /** Declarations, in plain JavaScript (the output file is `@ts-nocheck`). */
  readonly code: string;
  /** The value placed in `__formats[name]`: a function, or `{ validate }` as ajv-formats has it. */
  readonly value: string;
  /** Helpers this one needs (emitted once, before it). */
  readonly needs?: readonly string[];
}

const HELPERS: Readonly<Record<string, string>> = {
  date: `const __DATE = /^(\\d\\d\\d\\d)-(\\d\\d)-(\\d\\d)$/;
const __DAYS = [0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
function __isLeapYear(year) {
  return year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
}
function __date(str) {
  const matches = __DATE.exec(str);
  if (!matches) return false;
  const year = +matches[1];
  const month = +matches[2];
  const day = +matches[3];
  return month >= 1 && month <= 12 && day >= 1 && day <= (month === 2 && __isLeapYear(year) ? 29 : __DAYS[month]);
}`,
  time: `const __TIME = /^(\\d\\d):(\\d\\d):(\\d\\d(?:\\.\\d+)?)(z|([+-])(\\d\\d)(?::?(\\d\\d))?)?$/i;
function __time(str) {
  const matches = __TIME.exec(str);
  if (!matches) return false;
  const hr = +matches[1];
  const min = +matches[2];
  const sec = +matches[3];
  const tz = matches[4];
  const tzSign = matches[5] === "-" ? -1 : 1;
  const tzH = +(matches[6] || 0);
  const tzM = +(matches[7] || 0);
  if (tzH > 23 || tzM > 59 || !tz) return false;
  if (hr <= 23 && min <= 59 && sec < 60) return true;
  const utcMin = min - tzM * tzSign;
  const utcHr = hr - tzH * tzSign - (utcMin < 0 ? 1 : 0);
  return (utcHr === 23 || utcHr === -1) && (utcMin === 59 || utcMin === -1) && sec < 61;
}`,
};

/** Formats ajv validates with a function (not an inlined regular expression), by name. */
export const FORMAT_RUNTIME: Readonly<Record<string, FormatRuntime>> = {
  date: { code: '', value: '{ validate: __date }', needs: ['date'] },
  time: { code: '', value: '{ validate: __time }', needs: ['time'] },
  'date-time': {
    code: `const __DATE_TIME_SEPARATOR = /t|\\s/i;
function __dateTime(str) {
  const dateTime = str.split(__DATE_TIME_SEPARATOR);
  return dateTime.length === 2 && __date(dateTime[0]) && __time(dateTime[1]);
}`,
    value: '{ validate: __dateTime }',
    needs: ['date', 'time'],
  },
  uri: {
    code: `const __NOT_URI_FRAGMENT = /\\/|:/;
const __URI = /^(?:[a-z][a-z0-9+\\-.]*:)(?:\\/?\\/(?:(?:[a-z0-9\\-._~!$&'()*+,;=:]|%[0-9a-f]{2})*@)?(?:\\[(?:(?:(?:(?:[0-9a-f]{1,4}:){6}|::(?:[0-9a-f]{1,4}:){5}|(?:[0-9a-f]{1,4})?::(?:[0-9a-f]{1,4}:){4}|(?:(?:[0-9a-f]{1,4}:){0,1}[0-9a-f]{1,4})?::(?:[0-9a-f]{1,4}:){3}|(?:(?:[0-9a-f]{1,4}:){0,2}[0-9a-f]{1,4})?::(?:[0-9a-f]{1,4}:){2}|(?:(?:[0-9a-f]{1,4}:){0,3}[0-9a-f]{1,4})?::[0-9a-f]{1,4}:|(?:(?:[0-9a-f]{1,4}:){0,4}[0-9a-f]{1,4})?::)(?:[0-9a-f]{1,4}:[0-9a-f]{1,4}|(?:(?:25[0-5]|2[0-4]\\d|[01]?\\d\\d?)\\.){3}(?:25[0-5]|2[0-4]\\d|[01]?\\d\\d?))|(?:(?:[0-9a-f]{1,4}:){0,5}[0-9a-f]{1,4})?::[0-9a-f]{1,4}|(?:(?:[0-9a-f]{1,4}:){0,6}[0-9a-f]{1,4})?::)|[Vv][0-9a-f]+\\.[a-z0-9\\-._~!$&'()*+,;=:]+)\\]|(?:(?:25[0-5]|2[0-4]\\d|[01]?\\d\\d?)\\.){3}(?:25[0-5]|2[0-4]\\d|[01]?\\d\\d?)|(?:[a-z0-9\\-._~!$&'()*+,;=]|%[0-9a-f]{2})*)(?::\\d*)?(?:\\/(?:[a-z0-9\\-._~!$&'()*+,;=:@]|%[0-9a-f]{2})*)*|\\/(?:(?:[a-z0-9\\-._~!$&'()*+,;=:@]|%[0-9a-f]{2})+(?:\\/(?:[a-z0-9\\-._~!$&'()*+,;=:@]|%[0-9a-f]{2})*)*)?|(?:[a-z0-9\\-._~!$&'()*+,;=:@]|%[0-9a-f]{2})+(?:\\/(?:[a-z0-9\\-._~!$&'()*+,;=:@]|%[0-9a-f]{2})*)*)(?:\\?(?:[a-z0-9\\-._~!$&'()*+,;=:@/?]|%[0-9a-f]{2})*)?(?:#(?:[a-z0-9\\-._~!$&'()*+,;=:@/?]|%[0-9a-f]{2})*)?$/i;
function __uri(str) {
  return __NOT_URI_FRAGMENT.test(str) && __URI.test(str);
}`,
    value: '__uri',
  },
};

/** ajv's `ucs2length` (string length in code points), which `minLength`/`maxLength` call. */
const UCS2LENGTH = `function __ucs2length(str) {
  const len = str.length;
  let length = 0;
  let pos = 0;
  let value;
  while (pos < len) {
    length++;
    value = str.charCodeAt(pos++);
    if (value >= 0xd800 && value <= 0xdbff && pos < len) {
      value = str.charCodeAt(pos);
      if ((value & 0xfc00) === 0xdc00) pos++;
    }
  }
  return length;
}`;

/** Raised when a schema uses a format ajv validates with a function we have no runtime for. */
export class FormatRuntimeError extends Error {
  constructor(readonly format: string) {
    super(
      `format "${format}" has no run-time implementation: add it to FORMAT_RUNTIME in packages/codegen/src/runtime.ts`,
    );
    this.name = 'FormatRuntimeError';
  }
}

/**
 * The source of the helpers `formats` need (plus `__ucs2length`), defining `__formats`.
 * @example
 * emitRuntime(['date-time']); // 'const __DATE = …\nconst __formats = { "date-time": { validate: __dateTime } };'
 */
export function emitRuntime(formats: readonly string[]): string {
  const helpers = new Set<string>();
  const parts: string[] = [];
  const entries: string[] = [];
  for (const name of [...new Set(formats)].sort()) {
    const runtime = FORMAT_RUNTIME[name];
    if (runtime === undefined) throw new FormatRuntimeError(name);
    for (const need of runtime.needs ?? []) {
      if (helpers.has(need)) continue;
      helpers.add(need);
      parts.push(HELPERS[need]!);
    }
    if (runtime.code !== '') parts.push(runtime.code);
    entries.push(`  ${JSON.stringify(name)}: ${runtime.value},`);
  }
  return [UCS2LENGTH, ...parts, `const __formats = {\n${entries.join('\n')}\n};`].join('\n');
}

/** The format names ajv's standalone code looks up in `__formats`, in order of first use. */
export function formatsUsed(code: string): string[] {
  const names = [...code.matchAll(/__formats(?:\["([^"]+)"\]|\.([A-Za-z_$][\w$]*))/g)].map(
    (m) => m[1] ?? m[2]!,
  );
  return [...new Set(names)];
}
