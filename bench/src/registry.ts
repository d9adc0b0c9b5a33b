/** Every benchmark, in the order a full run executes them. */
import { bus } from './benchmarks/bus.js';
import { client } from './benchmarks/client.js';
import { codegen } from './benchmarks/codegen.js';
import { connect } from './benchmarks/connect.js';
import { fanout } from './benchmarks/fanout.js';
import { rest } from './benchmarks/rest.js';
import { validators } from './benchmarks/validators.js';
import { webhooks } from './benchmarks/webhooks.js';
import type { Benchmark } from './harness/types.js';

/** The benchmarks by name: fanout, bus, connect, rest, validators, codegen, client, webhooks. */
export const BENCHMARKS: readonly Benchmark[] = [
  fanout,
  bus,
  connect,
  rest,
  validators,
  codegen,
  client,
  webhooks,
];
