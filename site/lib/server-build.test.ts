/**
 * The server build is not tree-shaken; anything built for the browser still is (./server-build.ts). Through Vite's
 * own config resolution, which sets `isSsrBuild` from `build.ssr` as Astro's server build does.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { resolveConfig } from 'vite';
import { serverBuildWithoutTreeshaking } from './server-build.ts';

const resolved = (ssr: boolean, command: 'build' | 'serve' = 'build') =>
  resolveConfig(
    {
      configFile: false,
      logLevel: 'silent',
      plugins: [serverBuildWithoutTreeshaking()],
      build: ssr ? { ssr: true } : {},
    },
    command,
    'production',
  );

describe('the server build plugin', () => {
  it('when Vite builds for the server, Rollup is told not to tree-shake', async () => {
    assert.equal((await resolved(true)).build.rollupOptions.treeshake, false);
  });

  it('when Vite builds for the browser, Rollup keeps its default tree-shaking', async () => {
    assert.equal((await resolved(false)).build.rollupOptions.treeshake, undefined);
  });

  it('when Vite serves (the dev server), the plugin is not applied', async () => {
    const config = await resolved(true, 'serve');
    assert.equal(config.build.rollupOptions.treeshake, undefined);
    assert.ok(!config.plugins.some((p) => p.name === 'fleetproof:server-build-without-treeshaking'));
  });
});
