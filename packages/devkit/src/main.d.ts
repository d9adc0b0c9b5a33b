/** Options of `runMain`. */
export interface RunMainOptions {
  /** Exit code when `main` throws (default 1). */
  readonly errorCode?: number;
  /** Where the error line goes (default `process.stderr`). */
  readonly stderr?: { write(text: string): unknown };
}

/**
 * Runs a CLI's `main` and sets `process.exitCode` to the code it resolves to (0 when it resolves
 * to nothing); a throw is printed as `<name>: <message>` on stderr and exits with `errorCode` (1).
 * @example
 * void runMain('causeflow-token', main);
 */
export function runMain(
  name: string,
  main: () => Promise<number | undefined> | number | undefined,
  options?: RunMainOptions,
): Promise<void>;
