'use strict';
// @causeflow/events is ESM only. This file is what require() resolves to, so that CommonJS callers
// get a clear message instead of Node's "No \"exports\" main defined".
throw new Error(
  '@causeflow/events is ESM only: use import() from CommonJS, e.g. const { ... } = await import("@causeflow/events"), or write your module as ESM ("type": "module" or .mjs). See the README, section "CommonJS".',
);
