/**
 * A pre-parse check of an ingest body: does it hold more top-level array elements than the batch
 * limit? `JSON.parse` of a 1 MiB `[{},{},…]` builds 350,000 objects and blocks the event loop for
 * 0.4–1 s on a busy 2-core machine; this scan stops at element `max + 1` (a few KB into such a
 * body) and allocates nothing.
 */

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COMMA = 0x2c;
const OPEN_ARRAY = 0x5b;
const CLOSE_ARRAY = 0x5d;
const OPEN_OBJECT = 0x7b;
const CLOSE_OBJECT = 0x7d;

function isJsonWhitespace(code: number): boolean {
  return code === 0x20 || code === 0x0a || code === 0x0d || code === 0x09;
}

/**
 * True when `text` starts (after whitespace) a JSON array with more than `max` top-level elements.
 * Counts value starts at depth 1, skipping strings (with escapes) and nested values; it does not
 * validate the JSON (`JSON.parse` still does, for bodies under the limit).
 * @example
 * hasMoreElementsThan('[{},{},{}]', 2); // true
 */
export function hasMoreElementsThan(text: string, max: number): boolean {
  let i = 0;
  while (i < text.length && isJsonWhitespace(text.charCodeAt(i))) i++;
  if (text.charCodeAt(i) !== OPEN_ARRAY) return false;
  let depth = 0;
  let inString = false;
  let inElement = false;
  let elements = 0;
  for (; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (inString) {
      if (code === BACKSLASH) i++;
      else if (code === QUOTE) inString = false;
      continue;
    }
    if (isJsonWhitespace(code)) continue;
    if (code === COMMA) {
      if (depth === 1) inElement = false;
      continue;
    }
    if (code === CLOSE_ARRAY || code === CLOSE_OBJECT) {
      depth -= 1;
      if (depth <= 0) return false;
      continue;
    }
    if (depth === 1 && !inElement) {
      inElement = true;
      elements += 1;
      if (elements > max) return true;
    }
    if (code === QUOTE) inString = true;
    else if (code === OPEN_ARRAY || code === OPEN_OBJECT) depth += 1;
  }
  return false;
}
