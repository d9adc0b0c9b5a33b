/**
 * Total order over cursors `<epoch><sep><position>`: by epoch (string order; epochs start with
 * their creation time), then by position (`positionCompare`). Strings that do not parse sort
 * before every valid cursor, between themselves by string order. Never throws.
 */
export function compareParsed<P>(
  a: string,
  b: string,
  parse: (cursor: string) => { epoch: string; position: P } | undefined,
  positionCompare: (x: P, y: P) => number,
): number {
  const pa = parse(a);
  const pb = parse(b);
  if (!pa || !pb) {
    if (pa) return 1;
    if (pb) return -1;
    return a < b ? -1 : a > b ? 1 : 0;
  }
  if (pa.epoch !== pb.epoch) return pa.epoch < pb.epoch ? -1 : 1;
  return positionCompare(pa.position, pb.position);
}

/** Compares two non-negative decimal integers given as digit strings without leading zeros. */
export function compareDigits(a: string, b: string): number {
  if (a.length !== b.length) return a.length < b.length ? -1 : 1;
  return a < b ? -1 : a > b ? 1 : 0;
}
