/** Bundles `entry` into one ESM file for browsers at `outfile`; returns its size in bytes. */
export function bundleBrowser(
  entry: string,
  outfile: string,
  options?: { sourcemap?: boolean },
): Promise<number>;
