// Copies timing.mjs into a bench page's root as /timing.mjs, with the module it imports at the path its
// relative import resolves to from there (URL resolution stops at the root), so the page runs the same
// timing code as Node.
import { copyFileSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const MODULES = [
  ['./timing.mjs', 'timing.mjs'],
  ['../../web/src/statistics.js', 'web/src/statistics.js'],
];

export function servePageModules(root) {
  for (const [from, to] of MODULES) {
    mkdirSync(dirname(join(root, to)), { recursive: true });
    copyFileSync(fileURLToPath(new URL(from, import.meta.url)), join(root, to));
  }
}
