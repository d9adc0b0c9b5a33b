import { describe, expect, it } from 'vitest';
import { hasMoreElementsThan } from './batchScan.js';

describe('hasMoreElementsThan', () => {
  it.each([
    ['[]', 0, false],
    ['[1]', 0, true],
    ['[1]', 1, false],
    [' \n[ {} , {} , {} ]', 2, true],
    [' \n[ {} , {} , {} ]', 3, false],
    ['[{"a":[1,2,3,4,5]},{"b":{"c":[6,7]}}]', 2, false],
    ['["a,b,c","d]e[f",",,,"]', 3, false],
    ['["a,b,c","d]e[f",",,,"]', 2, true],
    ['["esc\\"aped,\\\\",1]', 2, false],
    ['["esc\\"aped,\\\\",1,2]', 2, true],
    ['[true,false,null,-1.5e3,"x"]', 4, true],
    ['{"event":"x","data":[1,2,3]}', 0, false],
    ['"[1,2,3]"', 0, false],
  ])('%s with max %i → %s', (text, max, expected) => {
    expect(hasMoreElementsThan(text, max)).toBe(expected);
  });

  it('agrees with JSON.parse on arrays of every kind of value', () => {
    const values = [{}, [], 'a,]}', 1, null, true, { a: [1, { b: '"' }] }, [[[]]]];
    for (let n = 0; n < 20; n++) {
      const array = Array.from({ length: n }, (_, i) => values[i % values.length]);
      const text = JSON.stringify(array, null, n % 3);
      for (const max of [0, n - 1, n, n + 1].filter((m) => m >= 0)) {
        expect(hasMoreElementsThan(text, max)).toBe(n > max);
      }
    }
  });

  it('stops scanning once the limit is passed, far before the end of a huge body', () => {
    const text = `[${'{},'.repeat(1_000_000)}{}]`;
    // A prefix of 1001 elements decides; the unparsable tail after it is never read.
    expect(hasMoreElementsThan(`${text.slice(0, 3100)}<garbage`, 1000)).toBe(true);
  });
});
