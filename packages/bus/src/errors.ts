import type { BatchIssue } from './types.js';

/** Base class of the bus errors. */
export class BusError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** A batch had invalid events; nothing of it was appended. */
export class BatchValidationError extends BusError {
  constructor(readonly issues: readonly BatchIssue[]) {
    super(`${issues.length} validation issue(s); nothing appended`);
  }
}

/** The backing store cannot be reached; nothing was appended. Callers answer 503. */
export class BusUnavailableError extends BusError {}
