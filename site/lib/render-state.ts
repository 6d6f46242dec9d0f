/**
 * What a full build leaves for the next, incremental, one (scripts/lib/incremental.ts): Astro's server build of the
 * pages, kept aside, and this state: each route, each page with the parts of the evidence it read
 * (./page-deps.ts) and what they stood for, what the posts cited, and the footer every page carries.
 *
 * Collected by the integration at the end of a build run by scripts/build.ts (which asks for it by setting the
 * cache folder below), handed to the main thread, and saved there once the site is in place, with the size, inode
 * and modification time of every file of the output: an incremental build starts from that output only while every
 * file is still the one this build wrote.
 */
import { cpSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { pageDeps, postRefs } from './page-deps.ts';
import { RENDER_STATE_FORMAT, filesUnder } from '../../scripts/lib/render-cache.mjs';

/** Set by scripts/build-astro.mjs to the render cache folder: the integration then keeps the server build there. */
export const RENDER_CACHE = Symbol.for('fleetproof.build.render-cache');
/** Where the integration leaves the state for scripts/build-astro.mjs to hand over. */
export const RENDER_STATE = Symbol.for('fleetproof.build.render-state');

/** A route as Astro's serializeRouteData writes it (astro/app deserializeManifest reads it back). */
export type SerializedRoute = Record<string, unknown> & { component: string; type: string; pattern: string };

export interface RenderRoute {
  routeData: SerializedRoute;
  /** Its stylesheets, in order, as Astro linked them in the page's head; null when it built no page. */
  styles: string[] | null;
}

export interface RenderPage {
  /** Index into `routes`. */
  route: number;
  /** As Astro generated it (`/namespace/5/`, `/404`). */
  pathname: string;
  /** Relative to the output folder. */
  file: string;
  /** What it read (./page-deps.ts keys). */
  deps: string[];
}

export interface RenderState {
  format: typeof RENDER_STATE_FORMAT;
  /** scripts/lib/render-cache.mjs: code, configuration, posts, site. Set by scripts/build.ts. */
  key: string;
  /** The output folder (absolute). Set by scripts/build.ts. */
  out: string;
  /** The server build's folder, in the render cache. */
  ssr: string;
  /** The tree the pages describe. */
  treeSha256: string;
  routes: RenderRoute[];
  /** Every page, in the order Astro built them. */
  pages: RenderPage[];
  /** Static endpoints (always rendered again). */
  endpoints: { route: number; pathname: string; file: string }[];
  /** Each key any page read → SHA-256 of what it stood for (null: no fingerprint, always render again). */
  fingerprints: Record<string, string | null>;
  /** What the posts refer to, and `citationFingerprint` of it. */
  postRefs: string[];
  posts: string;
  /** The footer's bytes, the same on every page. */
  footer: string;
  /** The output's files (path → [size, inode, mtimeMs]), once in place. Set by scripts/build.ts. */
  output?: Record<string, [number, number, number]>;
}

export const FOOTER_START = '<footer class="site-footer">';
export const FOOTER_END = '</footer>';

/** The footer block of a page's HTML: [start, end) of its last `<footer class="site-footer">…</footer>`. */
export function footerSpan(html: string): [number, number] | undefined {
  const start = html.lastIndexOf(FOOTER_START);
  if (start < 0) return undefined;
  const end = html.indexOf(FOOTER_END, start);
  return end < 0 ? undefined : [start, end + FOOTER_END.length];
}

/** The stylesheets Astro put at the end of a page's head, in order. */
export function headStyles(html: string): string[] {
  const head = html.slice(0, html.indexOf('</head>'));
  const m = /((?:<link rel="stylesheet" href="[^"]*">\n?)*)$/.exec(head);
  return [...(m?.[1] ?? '').matchAll(/href="([^"]*)"/g)].map((x) => x[1]!);
}

/** Astro 5's file for a page or endpoint of a static, `build.format: 'directory'` build (core/build/common.js). */
export function outputFile(pathname: string, type: 'page' | 'endpoint'): string {
  const p = encodeURI(pathname);
  if (type === 'endpoint') return p.replace(/^\//, '');
  if (p === '/404' || p === '/500') return `${p.slice(1)}.html`;
  const dir = p.replace(/^\/+|\/+$/g, '');
  return dir ? `${dir}/index.html` : 'index.html';
}

/** The URL path Astro 5 renders a page or endpoint at (core/build/generate.js getUrlForPath; trailingSlash always). */
export function requestPath(pathname: string, type: 'page' | 'endpoint'): string {
  if (pathname === '/' || pathname === '') return '/';
  if (type === 'endpoint') return `/${pathname.replace(/^\//, '')}`;
  return `/${pathname.replace(/^\/+|\/+$/g, '')}/`;
}

/** Copies Astro's server build (every .mjs file of the output) into `dest`, before Astro removes it. */
export function keepServerBuild(out: string, dest: string): void {
  rmSync(dest, { recursive: true, force: true });
  mkdirSync(dest, { recursive: true });
  for (const r of filesUnder(out)) {
    if (!r.endsWith('.mjs') || r.startsWith('_astro/')) continue;
    mkdirSync(dirname(join(dest, r)), { recursive: true });
    cpSync(join(out, r), join(dest, r));
  }
}

interface BuiltRoute {
  route: string;
  type: string;
  pattern: RegExp;
  params: string[];
  component: string;
  pathname?: string | undefined;
  segments: unknown;
  prerender: boolean;
  isIndex: boolean;
  origin?: string | undefined;
  distURL?: URL[];
  fallbackRoutes?: unknown[];
  redirect?: unknown;
}

/**
 * The state of the build that just wrote `out` (but for the fingerprints and the posts', which scripts/build.ts
 * adds: `withFingerprints`), or why there is none (a route of a kind the incremental build does not render, a page
 * that did not note what it read, or one whose file is not where Astro wrote it).
 */
export function collectRenderState(opts: {
  out: string;
  ssr: string;
  treeSha256: string;
  pages: { pathname: string }[];
  routes: BuiltRoute[];
}): RenderState | string {
  const { out } = opts;
  const deps = pageDeps();
  // Every route, also one that built no page this time (a namespace route while there is one namespace): a later
  // tree may give it pages.
  const all = opts.routes;
  const routes: RenderRoute[] = [];
  const filesOf: Set<string>[] = [];
  for (const r of all) {
    if (r.type !== 'page' && r.type !== 'endpoint') return `route ${r.route} is a ${r.type}`;
    if (!r.prerender) return `route ${r.route} is rendered on demand`;
    if ((r.fallbackRoutes?.length ?? 0) > 0 || r.redirect)
      return `route ${r.route} has fallbacks or redirects`;
    const files = new Set(
      (r.distURL ?? []).map((u) => relative(out, fileURLToPath(u)).split('\\').join('/')),
    );
    filesOf.push(files);
    const first = [...files][0];
    routes.push({
      routeData: {
        route: r.route,
        type: r.type,
        pattern: r.pattern.source,
        params: r.params,
        component: r.component,
        pathname: r.pathname,
        segments: r.segments,
        prerender: r.prerender,
        isIndex: r.isIndex,
        origin: r.origin,
        fallbackRoutes: [],
        _meta: { trailingSlash: 'always' },
      },
      // Unknown for a page route that built no page: the incremental build does not render its first page.
      styles: r.type !== 'page' ? [] : first ? headStyles(readFileSync(join(out, first), 'utf8')) : null,
    });
  }
  const pages: RenderPage[] = [];
  for (const { pathname: p } of opts.pages) {
    const listed = `/${p}`.replace(/\/+/g, '/');
    const i = all.findIndex((r) => r.type === 'page' && r.pattern.test(requestPath(listed, 'page')));
    if (i < 0) return `no route renders ${listed}`;
    // The path Astro generated it from: a static route's own, else what its getStaticPaths params gave.
    const pathname = all[i]!.pathname ?? listed;
    const file = outputFile(pathname, 'page');
    if (!filesOf[i]!.has(file)) return `page ${pathname} is not at ${file}`;
    const read = deps.get(requestPath(pathname, 'page'));
    if (!read) return `page ${pathname} did not note what it read (site/lib/page-deps.ts)`;
    pages.push({ route: i, pathname, file, deps: [...read].sort() });
  }
  const endpoints: RenderState['endpoints'] = [];
  all.forEach((r, i) => {
    if (r.type !== 'endpoint') return;
    const file = r.pathname ? outputFile(r.pathname, 'endpoint') : undefined;
    if (file && filesOf[i]!.has(file) && filesOf[i]!.size === 1)
      endpoints.push({ route: i, pathname: r.pathname!, file });
  });
  if (endpoints.length !== all.filter((r) => r.type === 'endpoint').length)
    return 'an endpoint is dynamic or not where Astro wrote it';
  if (pages.length !== all.filter((r) => r.type === 'page').reduce((n, r) => n + (r.distURL?.length ?? 0), 0))
    return 'the pages Astro built and the files it wrote do not match';
  const postRefList = [...new Set([...postRefs().values()].flat())].sort();
  const html = readFileSync(join(out, pages[0]!.file), 'utf8');
  const span = footerSpan(html);
  if (!span) return `${pages[0]!.file} has no footer`;
  return {
    format: RENDER_STATE_FORMAT,
    key: '',
    out: '',
    ssr: opts.ssr,
    treeSha256: opts.treeSha256,
    routes,
    pages,
    endpoints,
    fingerprints: {}, // the main thread's (scripts/build.ts), which has the time
    postRefs: postRefList,
    posts: '',
    footer: html.slice(span[0], span[1]),
  };
}

/** `state` with what each key its pages read stood for in `ev`, and what its posts cite. */
export function withFingerprints(
  state: RenderState,
  digest: (key: string) => string | null,
  posts: (refs: string[]) => string,
): RenderState {
  const fingerprints: Record<string, string | null> = {};
  for (const p of state.pages) for (const k of p.deps) if (!(k in fingerprints)) fingerprints[k] = digest(k);
  return { ...state, fingerprints, posts: posts(state.postRefs) };
}
