/**
 * Where the pages find the URLs of the site's browser scripts (the widget, the attestation checker), which are
 * bundled apart from Astro's build (site/client/bundle.mjs).
 *
 * The build integration (site/integration.ts) provides, before any page is rendered, a promise of entry name →
 * URL: in a build, that of the bundle it writes into the output (handed over by scripts/build.ts, or bundled in
 * this process for a bare `astro build`); on the dev server, the sources, which Vite serves and compiles. A page
 * awaits it; with none provided, or no script of that name, rendering fails instead of publishing a page whose
 * script is missing.
 *
 * No `node:*` import: this module is bundled into the pages.
 */

/** The entries of site/client/vite.config.ts. */
export type ClientScriptName = 'fleet-verify' | 'attestation-verify';

const KEY = Symbol.for('fleetproof.site.client-scripts');

type Slot = Record<symbol, Promise<Record<string, string>> | undefined>;

/** Called by the integration, once per build or dev server, before pages render. */
export function provideClientScripts(scripts: Promise<Record<string, string>>): void {
  scripts.catch(() => undefined); // surfaced where a page or the integration awaits it
  (globalThis as unknown as Slot)[KEY] = scripts;
}

/** The URL of the script `name`, as the pages link it. */
export async function clientScript(name: ClientScriptName): Promise<string> {
  const scripts = (globalThis as unknown as Slot)[KEY];
  if (!scripts)
    throw new Error(`no client scripts in this process: the fleetproof integration did not provide them`);
  const url = (await scripts)[name];
  if (!url || !url.startsWith('/')) throw new Error(`no client script named ${name}`);
  return url;
}
