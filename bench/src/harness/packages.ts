/** Where the workspace packages benchmarked here live on disk (through this package's node_modules). */
import { realpathSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The root folder of this package (`bench/`), from src or dist alike. */
export const benchRoot = fileURLToPath(new URL('../../', import.meta.url));

/** The folder of a dependency of this package, e.g. `@causeflow/events`. */
export function packageDir(name: string): string {
  return realpathSync(join(benchRoot, 'node_modules', name));
}
