/**
 * The one `main()` runner of the repo's CLIs (`causeflow-token`, `causeflow-new-event`,
 * `causeflow-schemas-compat`, `causeflow-codegen`). Plain JavaScript with a hand-written
 * `main.d.ts`, so it runs without a build step: from a package's `dist/` under node and from
 * `src/` under tsx alike.
 */

/**
 * Runs `main` and sets `process.exitCode` to the code it resolves to (0 when it resolves to
 * nothing). A throw is printed as `<name>: <message>` on stderr and exits with `errorCode` (1).
 * @param {string} name
 * @param {() => Promise<number | undefined> | number | undefined} main
 * @param {{ errorCode?: number; stderr?: { write(text: string): unknown } }} [options]
 * @returns {Promise<void>}
 */
export function runMain(name, main, options = {}) {
  const stderr = options.stderr ?? process.stderr;
  return Promise.resolve()
    .then(main)
    .then(
      (code) => {
        process.exitCode = typeof code === 'number' ? code : 0;
      },
      (error) => {
        const message = error instanceof Error ? error.message : String(error);
        stderr.write(`${name}: ${message}\n`);
        process.exitCode = options.errorCode ?? 1;
      },
    );
}
