import type { BatchIssue, StoredEvent } from './types.js';

/** Base class of the bus errors. */
export class BusError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

/**
 * A batch had invalid events; nothing of it was appended. `issues` lists at most
 * `MAX_BATCH_ISSUES`; once that many were found validation stopped, and `omitted` counts what is
 * not listed (further issues of the events checked, and the events never checked).
 */
export class BatchValidationError extends BusError {
  /** What `issues` leaves out; zeros when every issue is listed. */
  readonly omitted: BatchIssuesOmitted;

  constructor(
    readonly issues: readonly BatchIssue[],
    omitted: BatchIssuesOmitted = { issues: 0, uncheckedEvents: 0 },
  ) {
    super(`${issues.length} validation issue(s); nothing appended`);
    this.omitted = omitted;
  }
}

/** What a `BatchValidationError` does not list once its issue cap was reached. */
export interface BatchIssuesOmitted {
  /** Further issues of the events that were validated. */
  readonly issues: number;
  /** Events after the one that reached the cap, not validated at all. */
  readonly uncheckedEvents: number;
}

/** The backing store cannot be reached; nothing was appended. Callers answer 503. */
export class BusUnavailableError extends BusError {}

/**
 * Redis Cluster only: a batch spanning tenants was stored for some tenants (`storedTenants`,
 * their events in `stored`, in batch order) but not, or not surely, for `failedTenants`. Each
 * tenant's part is atomic; retry the failed tenants' events (with their ids, to de-duplicate).
 */
export class PartialAppendError extends BusUnavailableError {
  readonly storedTenants: readonly string[];
  readonly failedTenants: readonly string[];
  readonly stored: readonly StoredEvent[];

  constructor(
    outcome: {
      storedTenants: readonly string[];
      failedTenants: readonly string[];
      stored: readonly StoredEvent[];
    },
    options?: { cause?: unknown },
  ) {
    super(
      `stored for tenant(s) ${outcome.storedTenants.join(', ')}; not stored (or not surely) for ${outcome.failedTenants.join(', ')}`,
      options,
    );
    this.storedTenants = outcome.storedTenants;
    this.failedTenants = outcome.failedTenants;
    this.stored = outcome.stored;
  }
}
