/**
 * The incremental path of `npm run build` (scripts/build.ts): when only the evidence changed since the last build
 * into the same output, render again only the pages whose inputs changed, with the server build that the last
 * `astro build` left (site/lib/render-state.ts), and carry every other file over; otherwise say why not, and the
 * build runs Astro in full.
 *
 * Taken only when
 *   - the render key (scripts/lib/render-cache.mjs: every source file, the configuration, the lockfile, the posts, the
 *     site's URL, the inputs' paths, Node's version) is the one the state was written for;
 *   - the output folder holds exactly the files the last build wrote there (same paths, sizes, inodes, modification
 *     times);
 *   - everything the posts cite is unchanged (site/remark/citations.ts citationFingerprint): posts are rendered into
 *     the server build itself.
 * Then, from the tree verified in step 1 of the build (the same verification, handed to the pages as `astro build`
 * hands it):
 *   - a page is rendered again when it is new, or any part of the evidence it read last time (site/lib/page-deps.ts)
 *     now stands for something else; any other page is the last build's file with the footer (the tree's counts and
 *     digest, identical on every page) replaced by the new one;
 *   - endpoints (/evidence/index.json, /verification-report.json, /feed.xml, /robots.txt) and /sitemap.xml are
 *     rendered again; evidence files and packs whose bytes are unchanged, and every other file (scripts, styles,
 *     public files), are hard links to the last build's.
 * Everything is written into a folder beside the output, which scripts/build.ts checks and swaps in as it does a
 * full build's: the spare (the site before the last one, which scripts/build.ts keeps), its folders and files reused
 * where they can be, else a fresh one (scripts/lib/carry-files.mjs). site/build-incremental.test.ts checks that the
 * result is byte for byte a clean build's, from a spare tampered with too.
 */
import { existsSync, readFileSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { SiteEvidence } from '../../site/loaders/evidence.ts';
import type { EvidenceIndex } from '../../site/lib/evidence-index.ts';
import { siteEvidenceOf, type VerifiedEvidence } from '../../site/lib/evidence-memo.ts';
import { renderWith } from '../../site/lib/handoff.ts';
import { fingerprintDigests, pageDeps } from '../../site/lib/page-deps.ts';
import {
  FOOTER_END,
  FOOTER_START,
  type RenderPage,
  type RenderState,
  footerSpan,
  outputFile,
  requestPath,
  withFingerprints,
} from '../../site/lib/render-state.ts';
import { citationFingerprint } from '../../site/remark/citations.ts';
import { provideClientScripts } from '../../site/lib/client-scripts.ts';
import { provideAttestationsPageData } from '../../site/attestations/page-data.ts';
import { attestationsPageData } from '../../site/attestations/build-time.ts';
import { clientCacheDir, readCache } from '../../site/client/bundle-cache.mjs';
import { sitemapXml } from '../../site/lib/xml.ts';
import { packOf, packPlan } from '../../site/widget/pack-files.ts';
import { spareBeside, startCarrying } from './carry-files.mjs';
import { outputStats, renderCacheDir } from './render-cache.mjs';

export interface Incremental {
  /** The new site, beside the output. */
  dir: string;
  state: RenderState;
  rendered: number;
  carried: number;
}

/**
 * The site for `evidence` built from the last build's output at `out`, or why it cannot be. `state` is the last
 * build's, as scripts/lib/render-cache.mjs incrementalState returned it for these inputs (so for this render key
 * and output folder).
 */
export async function buildIncrementally(opts: {
  root: string;
  env: NodeJS.ProcessEnv;
  out: string;
  evidence: VerifiedEvidence;
  state: RenderState;
}): Promise<Incremental | { reason: string }> {
  const { root, env, out, evidence, state } = opts;
  const cacheDir = renderCacheDir(root, env);
  if (!existsSync(out)) return { reason: `${out} is gone` };
  const differs = firstDifference(outputStats(out), state.output ?? {});
  if (differs)
    return {
      reason: `${join(out, differs.path)} ${differs.how}: ${out} is not exactly what the last build wrote`,
    };
  const model = evidence.report.model;
  if (citationFingerprint(model, state.postRefs) !== state.posts)
    return { reason: 'evidence the posts cite changed' };

  const ev = siteEvidenceOf(evidence);
  const staging = join(dirname(out), `.${basename(out)}.inc-${process.pid}`);
  rmSync(staging, { recursive: true, force: true });
  // The site before the last one, when scripts/build.ts kept it: claimed by a rename (no other build can take it
  // too), its folders and files are reused where they can be (scripts/lib/carry-files.mjs trusts none of them).
  try {
    renameSync(spareBeside(out), staging);
  } catch {
    // none: the new site is made from nothing
  }
  try {
    const r = await render(state, ev, evidence, root, env, cacheDir, out, staging);
    if ('reason' in r) rmSync(staging, { recursive: true, force: true });
    return r;
  } catch (e) {
    rmSync(staging, { recursive: true, force: true });
    return { reason: `it failed: ${e instanceof Error ? e.message : String(e)}` };
  } finally {
    renderWith(undefined);
  }
}

/** The first file of the output that is new, gone, or has another size, inode or modification time than recorded. */
function firstDifference(
  now: NonNullable<RenderState['output']>,
  recorded: NonNullable<RenderState['output']>,
): { path: string; how: string } | undefined {
  for (const [path, x] of Object.entries(now)) {
    const y = recorded[path];
    if (!y) return { path, how: 'was not written by the last build' };
    if (x[0] !== y[0] || x[1] !== y[1] || x[2] !== y[2]) return { path, how: 'changed after the last build' };
  }
  const gone = Object.keys(recorded).find((path) => !(path in now));
  return gone === undefined ? undefined : { path: gone, how: 'is gone' };
}

interface App {
  render(request: Request, opts: { routeData: unknown }): Promise<Response>;
}

async function render(
  state: RenderState,
  ev: SiteEvidence,
  evidence: VerifiedEvidence,
  root: string,
  env: NodeJS.ProcessEnv,
  cacheDir: string,
  out: string,
  staging: string,
): Promise<Incremental | { reason: string }> {
  // The browser scripts' URLs (the pages name them): from the bundle cache the last build used.
  const scripts = readCache(root, clientCacheDir(root, env));
  if (!scripts) return { reason: 'the browser scripts are not in the cache' };
  provideClientScripts(Promise.resolve(scripts.scripts));
  provideAttestationsPageData(() => attestationsPageData());
  renderWith(ev);

  const ssr = join(cacheDir, state.ssr);
  const manifestFile = readdirSync(ssr).find((f) => /^manifest_.*\.mjs$/.test(f));
  if (!manifestFile) return { reason: 'the saved server build has no manifest' };
  const [{ App, deserializeManifest }, { manifest }, { renderers }] = await Promise.all([
    import('astro/app'),
    import(pathToFileURL(join(ssr, manifestFile)).href) as Promise<{ manifest: Record<string, unknown> }>,
    import(pathToFileURL(join(ssr, 'renderers.mjs')).href) as Promise<{ renderers: unknown[] }>,
  ]);
  // Astro's own reading of the routes (their matchers and path generators); the key is a placeholder of the right
  // length (an incremental build renders no action or server island, which would use it).
  const restored = deserializeManifest({
    routes: state.routes.map((r) => ({
      file: '',
      links: [],
      scripts: [],
      styles: (r.styles ?? []).map((src) => ({ type: 'external', src })),
      routeData: r.routeData,
    })),
    assets: [],
    componentMetadata: [],
    inlinedScripts: [],
    clientDirectives: [],
    serverIslandNameMap: [],
    key: 'A'.repeat(43) + '=',
  } as unknown as Parameters<typeof deserializeManifest>[0]);
  const routes = restored.routes;
  const entryModules = manifest.entryModules as Record<string, string>;
  const pageMap = new Map<string, () => Promise<unknown>>();
  for (const [k, f] of Object.entries(entryModules)) {
    const m = /^\0@astro-page:(.*)@_@(\w+)$/.exec(k);
    if (m) pageMap.set(`${m[1]}.${m[2]}`, () => import(pathToFileURL(join(ssr, f)).href));
  }
  const app = new App({ ...manifest, routes, pageMap, renderers } as never, false) as unknown as App;
  const site = String(manifest.site ?? '');
  if (!site) return { reason: 'the saved server build names no site' };

  // The pages of the new tree: a static route's path, else one per getStaticPaths entry.
  const pages: { route: number; pathname: string; file: string }[] = [];
  for (const [i, r] of routes.entries()) {
    const rd = r.routeData;
    if (rd.type !== 'page') continue;
    let paths: string[];
    if (rd.pathname) paths = [rd.pathname];
    else {
      const load = pageMap.get(rd.component);
      if (!load) return { reason: `no module for ${rd.component}` };
      const mod = (await load()) as { page: () => Promise<{ getStaticPaths?: () => Promise<unknown[]> }> };
      const page = await mod.page();
      if (!page.getStaticPaths) return { reason: `${rd.component} has no getStaticPaths` };
      paths = [];
      for (const item of await page.getStaticPaths()) {
        const { params, ...rest } = item as { params: Record<string, string> };
        if (Object.keys(rest).length)
          return { reason: `${rd.component}'s getStaticPaths returns more than params` };
        paths.push(rd.generate(params));
      }
    }
    if (paths.length && state.routes[i]!.styles === null)
      return { reason: `${rd.component} renders its first page (its stylesheets are not known yet)` };
    for (const pathname of paths) pages.push({ route: i, pathname, file: outputFile(pathname, 'page') });
  }

  // Which to render: new pages, and pages that read something that changed.
  const oldByFile = new Map(state.pages.map((p) => [p.file, p]));
  const digest = fingerprintDigests(ev);
  const changed = (k: string) => {
    const f = digest(k);
    const was = state.fingerprints[k];
    return f === null || was === null || was === undefined || f !== was;
  };
  const toRender = pages.filter((p) => {
    const old = oldByFile.get(p.file);
    return (
      !old ||
      state.routes[old.route]!.routeData.component !== routes[p.route]!.routeData.component ||
      old.deps.some(changed)
    );
  });
  if (toRender.length === 0) toRender.push(pages[0]!); // the footer comes from a page rendered now

  // The new site's files: the last build's unchanged files are linked and its unchanged pages carried over by a
  // worker thread (scripts/lib/carry-files.mjs, which lays out every folder first) while this one renders; what is
  // rendered or changed now is written here once the worker is done.
  const folders = new Set<string>();
  const folderOf = (rel: string) => {
    for (let d = dirname(rel); d !== '.' && !folders.has(d); d = dirname(d)) folders.add(d);
  };
  const writes = new Map<string, string | Uint8Array>();
  const write = (rel: string, bytes: string | Uint8Array) => {
    folderOf(rel);
    writes.set(rel, bytes);
  };
  const links: string[] = [];
  const link = (rel: string) => {
    folderOf(rel);
    links.push(rel);
  };
  const renderAt = async (route: number, pathname: string, type: 'page' | 'endpoint') => {
    const res = await app.render(new Request(new URL(requestPath(pathname, type), site)), {
      routeData: routes[route]!.routeData,
    });
    const want = pathname === '/404' ? 404 : 200;
    if (res.status !== want) throw new Error(`${pathname} rendered with status ${res.status}`);
    return new Uint8Array(await res.arrayBuffer());
  };

  // The first page to render gives the new footer.
  const deps = pageDeps();
  deps.clear();
  const first = toRender[0]!;
  const firstBytes = await renderAt(first.route, first.pathname, 'page');
  const firstHtml = new TextDecoder().decode(firstBytes);
  const span = footerSpan(firstHtml);
  if (!span) return { reason: `${first.file} has no footer` };
  const footer = firstHtml.slice(span[0], span[1]);
  write(first.file, firstBytes);

  // Every other page the last build wrote that has not changed: its file with the new footer in place of the one
  // recorded (bytes, not text: nothing to decode); a page that does not end as recorded stops the incremental build.
  const rendered = new Set(toRender.map((p) => p.file));
  const carried: string[] = [];
  for (const p of pages) {
    if (rendered.has(p.file)) continue;
    folderOf(p.file);
    carried.push(p.file);
  }

  // Evidence files and packs: the last build's where the bytes are the same, else the verified bytes.
  const oldIndex = JSON.parse(readFileSync(join(out, 'evidence', 'index.json'), 'utf8')) as EvidenceIndex;
  const oldSha = new Map(oldIndex.files.map((f) => [f.path, f.sha256]));
  const newSha = new Map(evidence.index.files.map((f) => [f.path, f.sha256]));
  for (const f of evidence.index.files) {
    if (f.path === 'index.json' || f.path.split('/').some((s) => s === '..' || s === '.' || s === ''))
      return { reason: `evidence path ${f.path} cannot be published` };
    const rel = `evidence/${f.path}`;
    if (oldSha.get(f.path) === f.sha256) link(rel);
    else write(rel, evidence.files.get(f.path)!);
  }
  const oldPlan = new Map(packPlan(oldIndex.files));
  for (const [path, members] of packPlan(evidence.index.files)) {
    const was = oldPlan.get(path);
    const same =
      was &&
      was.length === members.length &&
      members.every((m, i) => was[i] === m && oldSha.get(m) === newSha.get(m));
    const rel = `packs/${path}`;
    if (same) {
      if (state.output?.[rel]) link(rel);
      continue;
    }
    const bytes = packOf(members, evidence.files);
    if (bytes) write(rel, bytes);
  }

  // Everything else the last build wrote (scripts, styles, public files): unchanged, as the key says.
  const pageFiles = new Set(pages.map((p) => p.file));
  const oldPageFiles = new Set(state.pages.map((p) => p.file));
  const endpointFiles = new Set(state.endpoints.map((e) => e.file));
  for (const rel of Object.keys(state.output ?? {})) {
    if (
      pageFiles.has(rel) ||
      oldPageFiles.has(rel) ||
      endpointFiles.has(rel) ||
      rel === 'sitemap.xml' ||
      rel === '_headers' ||
      rel.startsWith('evidence/') ||
      rel.startsWith('packs/')
    )
      continue;
    link(rel);
  }
  // What this thread writes (below) is known now, so that the worker makes its folders and leaves its paths free.
  const fresh = [
    ...writes.keys(),
    ...toRender.slice(1).map((p) => p.file),
    ...state.endpoints.map((e) => e.file),
    'sitemap.xml',
  ];
  for (const rel of fresh) folderOf(rel);
  const carrying = startCarrying({
    out,
    staging,
    folders: [...folders],
    links,
    pages: carried,
    fresh,
    footerStart: FOOTER_START,
    footerEnd: FOOTER_END,
    oldFooter: state.footer,
    newFooter: footer,
  });

  // Meanwhile, here: the other pages to render, the endpoints, the sitemap. Nothing is left running on a failure
  // (the caller removes the folder).
  try {
    for (const p of toRender.slice(1)) write(p.file, await renderAt(p.route, p.pathname, 'page'));
    for (const e of state.endpoints) write(e.file, await renderAt(e.route, e.pathname, 'endpoint'));
    const urls = pages.map((p) => requestPath(p.pathname, 'page')).filter((u) => u !== '/404/');
    write('sitemap.xml', sitemapXml(site, urls));
  } catch (e) {
    await carrying.stop();
    throw e;
  }
  const { notAsRecorded } = await carrying.done;
  if (notAsRecorded.length) return { reason: `${notAsRecorded[0]} does not end as recorded` };
  for (const [rel, bytes] of writes) writeFileSync(join(staging, rel), bytes, { flag: 'wx' });

  const newPages: RenderPage[] = [];
  for (const p of pages) {
    if (rendered.has(p.file)) {
      const read = deps.get(requestPath(p.pathname, 'page'));
      if (!read) return { reason: `page ${p.pathname} did not note what it read` };
      newPages.push({ ...p, deps: [...read].sort() });
    } else newPages.push({ ...p, deps: oldByFile.get(p.file)!.deps });
  }

  return {
    dir: staging,
    rendered: rendered.size,
    carried: pages.length - rendered.size,
    state: withFingerprints(
      { ...state, treeSha256: ev.treeSha256, pages: newPages, footer },
      digest,
      (refs) => citationFingerprint(ev.model, refs),
    ),
  };
}
