// Preloaded into the stream-server child by the reliability suite (node --expose-gc --require):
// SIGUSR2 runs a full garbage collection, so heap measurements compare live data, not garbage.
// With RELIABILITY_HEAP_DIR set, it also writes V8 heap-space statistics there (diagnostics).
process.on('SIGUSR2', () => {
  if (typeof global.gc === 'function') {
    global.gc();
    global.gc();
  }
  const dir = process.env.RELIABILITY_HEAP_DIR;
  if (dir) {
    const v8 = require('node:v8');
    const fs = require('node:fs');
    const stats = v8.getHeapSpaceStatistics().map((s) => [s.space_name, s.space_used_size]);
    fs.appendFileSync(
      `${dir}/heap-${process.pid}.jsonl`,
      `${JSON.stringify(Object.fromEntries(stats))}\n`,
    );
    if (process.env.RELIABILITY_HEAP_SNAPSHOT)
      v8.writeHeapSnapshot(`${dir}/heap-${process.pid}-${Date.now()}.heapsnapshot`);
  }
});
