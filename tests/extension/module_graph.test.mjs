// The build's check of the extension's module graph (web/extension/build.mjs checkModuleGraph): a
// module that a content script imports but the manifest does not make web-accessible, or that the
// build does not copy, fails the build with its name, instead of failing in the page at run time.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { buildExtension, checkModuleGraph } from '../../web/extension/build.mjs';
import { ROOT } from '../web/helpers.mjs';

const WORK = join(ROOT, 'build-extension-test', 'module-graph');

test('every module the content script loads is web-accessible and copied, and a gap is named', async () => {
  const built = await buildExtension({ out: WORK, zip: false, quiet: true });
  const manifest = JSON.parse(readFileSync(join(built.dir, 'manifest.json'), 'utf8'));
  const inPages = await checkModuleGraph(built.dir, manifest);
  for (const m of ['extension/content/main.js', 'extension/content/live-sound.js', 'src/statistics.js', 'src/verdict.js'])
    assert.ok(inPages.includes(m), `${m} among ${inPages}`);
  assert.ok(!inPages.includes('src/detector.js'), 'the engine runs in the extension, not in the page');

  const narrowed = structuredClone(manifest);
  narrowed.web_accessible_resources[0].resources = narrowed.web_accessible_resources[0].resources.filter((r) => r !== 'src/statistics.js');
  await assert.rejects(checkModuleGraph(built.dir, narrowed), /src\/statistics\.js is loaded by the content script but is not in the manifest's web_accessible_resources/);

  rmSync(join(built.dir, 'src', 'statistics.js'));
  await assert.rejects(checkModuleGraph(built.dir, manifest), /imports src\/statistics\.js, which the build does not copy/);
});
