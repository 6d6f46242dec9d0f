/**
 * The build's last step (`astro:build:done`): publish every evidence file byte for byte under /evidence/ (with the
 * pages' packs under /packs/, site/lib/publish-evidence.ts) and write /sitemap.xml from the pages Astro actually
 * built.
 *
 * The files are re-read here and must hash to exactly what /evidence/index.json, written earlier in the same build
 * from the loader's verified tree, lists: bytes with the verified digests are the verified bytes, so this needs no
 * verifier of evidence (nor loads one: Astro compiles everything the integration imports, through Vite, before the
 * content loaders compile the verifier again for themselves; the vendor adapters it imports are for the samples of
 * the /attestations/ page, below). If the evidence changed while the site was being built the build fails rather
 * than publish pages that describe other bytes than the ones served. Under `npm run build` its main thread writes
 * them instead, from the bytes it verified, beside Astro's output while the pages render, then moves them in and
 * checks /evidence/index.json against them once Astro is done (scripts/build.ts).
 *
 * The browser scripts (the <fleet-verify> widget with its worker and lazy chunks, the attestation checker) are
 * bundled apart from Astro's build (site/client/bundle.mjs): scripts/build.ts bundles them in a process of its own
 * and hands them over (handedClientBundle); a bare `astro build` bundles them here, in this process. The
 * pages take their URLs from site/lib/client-scripts.ts; this hook writes the files under /_astro/.
 *
 * Before any page renders it provides the /attestations/ page's build-time verdicts on the vendor attestation
 * samples (site/attestations/page-data.ts), so that the vendor adapters stay out of Astro's server build.
 *
 * It also checks the browser bundle: no emitted script under /_astro/ (the <fleet-verify> widget and its worker)
 * may import or require a Node built-in (site/widget/bundle-check.ts); one that does fails the build. Because Vite
 * quietly swaps a built-in imported by browser code for an empty stub, the same rule also runs while bundling
 * (a resolve hook on the client and worker builds, site/client/vite.config.ts and below for the dev server).
 *
 * Astro's server build, run once to render the pages and never shipped, is not tree-shaken (site/lib/server-build.ts:
 * the analysis cost more than it saved).
 *
 * Under scripts/build.ts (which sets the render cache folder) it also keeps Astro's server build and the state of
 * this build for the next, incremental, one (site/lib/render-state.ts, scripts/lib/incremental.ts).
 */
import type { AstroIntegration } from 'astro';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildIndex, sha256Hex, type EvidenceIndex } from './lib/evidence-index.ts';
import { RENDER_CACHE, RENDER_STATE, collectRenderState, keepServerBuild } from './lib/render-state.ts';
import { TreeReadError, readTree } from '../scripts/lib/read-tree.ts';
import { provideClientScripts } from './lib/client-scripts.ts';
import { CLIENT_ENTRIES } from './client/vite.config.ts';
import { clientBundle, handedClientBundle, type ClientBundle } from './client/bundle.mjs';
import { sitemapXml } from './lib/xml.ts';
import { serverBuildWithoutTreeshaking } from './lib/server-build.ts';
import { noNodeBuiltinsInBrowser, scanBundle } from './widget/bundle-check.ts';
import { evidenceWrittenByBuild, publishEvidenceFiles } from './lib/publish-evidence.ts';
import { provideAttestationsPageData } from './attestations/page-data.ts';
import { attestationsPageData } from './attestations/build-time.ts';

export default function fleetproofIntegration(opts: { evidenceDir: string }): AstroIntegration {
  let site = '';
  let client: Promise<ClientBundle> | undefined;
  let ssr: string | undefined;
  const renderCache = () => (globalThis as unknown as Record<symbol, string | undefined>)[RENDER_CACHE];
  return {
    name: 'fleetproof',
    hooks: {
      'astro:config:setup': ({ command, config, updateConfig }) => {
        const root = fileURLToPath(config.root);
        if (command === 'build') {
          client = handedClientBundle() ?? clientBundle({ root });
          client.catch(() => undefined); // awaited by the pages and in astro:build:done
          provideClientScripts(client.then((b) => b.scripts));
        } else {
          // The dev server compiles and serves the sources itself.
          provideClientScripts(
            Promise.resolve(
              Object.fromEntries(Object.entries(CLIENT_ENTRIES).map(([name, src]) => [name, `/${src}`])),
            ),
          );
        }
        // The /attestations/ page's build-time verdicts, verified here (on the page's first read) rather than in the
        // page's own code (site/attestations/page-data.ts).
        provideAttestationsPageData(() => attestationsPageData());
        updateConfig({
          vite: {
            plugins: [noNodeBuiltinsInBrowser('browser'), serverBuildWithoutTreeshaking()],
            worker: { plugins: () => [noNodeBuiltinsInBrowser('worker')] },
          },
        });
      },
      'astro:config:done': ({ config }) => {
        site = config.site ?? '';
      },
      // For scripts/build.ts's next, incremental, build: the server build, kept before Astro removes it.
      'astro:build:generated': ({ dir }) => {
        const cache = renderCache();
        if (!cache) return;
        ssr = `ssr-${process.pid}-${Date.now()}`;
        keepServerBuild(fileURLToPath(dir), join(cache, ssr));
      },
      'astro:build:done': async ({ dir, pages, routes, logger }) => {
        const out = fileURLToPath(dir);
        if (!client) throw new Error('the browser scripts were never bundled');
        const scripts = await client;
        mkdirSync(join(out, '_astro'), { recursive: true });
        for (const f of scripts.files) {
          if (!/^_astro\/[A-Za-z0-9._-]+$/.test(f.name))
            throw new Error(`unexpected browser script ${f.name}`);
          writeFileSync(join(out, ...f.name.split('/')), f.bytes);
        }
        logger.info(
          `browser scripts: ${scripts.files.length} files, ${scripts.cached ? 'unchanged since the last build (cached)' : 'bundled'}`,
        );
        const bundle = scanBundle(out);
        if (bundle.uses.length) {
          throw new Error(
            `the browser bundle uses Node built-ins, which do not exist in a browser: ${bundle.uses
              .map((u) => `${u.file} → ${u.specifier}`)
              .join(', ')}`,
          );
        }
        logger.info(`browser bundle: ${bundle.files.length} scripts, no Node built-in`);
        const published = readFileSync(join(out, 'evidence', 'index.json'), 'utf8');
        // Under npm run build its main thread writes the files it verified, and checks /evidence/index.json against
        // them (scripts/build.ts). Else: read them again, check, write.
        if (!evidenceWrittenByBuild()) {
          let files: Map<string, Uint8Array>;
          try {
            files = readTree(opts.evidenceDir);
          } catch (e) {
            if (e instanceof TreeReadError)
              throw new Error(
                `evidence in ${opts.evidenceDir} could not be read again: ${e.toVerificationError().toString()}`,
              );
            throw e;
          }
          if (published !== buildIndex(files).indexJson) {
            throw new Error(
              `evidence in ${opts.evidenceDir} changed while the site was being built: /evidence/index.json no longer matches it; nothing is published`,
            );
          }
          const { evidence } = publishEvidenceFiles(
            out,
            (JSON.parse(published) as EvidenceIndex).files,
            files,
          );
          logger.info(`published ${evidence} evidence files under /evidence/`);
        }
        const urls = pages
          .map((p) => `/${p.pathname}`.replace(/\/+/g, '/'))
          .filter((p) => p.endsWith('/') && p !== '/404/');
        writeFileSync(join(out, 'sitemap.xml'), sitemapXml(site, urls));
        if (ssr) {
          const state = collectRenderState({
            out,
            ssr,
            treeSha256: sha256Hex(published),
            pages,
            routes: routes as unknown as Parameters<typeof collectRenderState>[0]['routes'],
          });
          if (typeof state === 'string') logger.info(`no incremental state for the next build: ${state}`);
          else (globalThis as unknown as Record<symbol, unknown>)[RENDER_STATE] = state;
        }
      },
    },
  };
}
