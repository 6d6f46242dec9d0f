/**
 * What the browser tests (tests/e2e/*.test.ts) and `npm run bench` share: one site built into its own folder, a
 * tiny static server for it on the loopback interface, and Debian's Chromium driven by playwright-core.
 *
 * Nothing here downloads anything: the browser is /usr/bin/chromium (never `npx playwright install`), and the
 * server answers only on 127.0.0.1 and stops by itself after `lifetimeMs`.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { createRequire } from 'node:module';
import { existsSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { dirname, extname, join, normalize, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { evidenceCopy, runBuild } from '../../site/testing/fixtures.ts';
import { scratchDir } from '../lib/scratch.ts';

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const NS = 'meta.encrypted_backups.fleet_keys.v1';
export const CHROMIUM = process.env.FLEETPROOF_CHROMIUM ?? '/usr/bin/chromium';
/** A host name that resolves (inside the browser only) to the loopback server but is not a secure context. */
export const INSECURE_HOST = 'insecure.fleetproof.test';

/** A scratch folder, removed when the test process exits (tests/lib/scratch.ts). */
export const tempDir = scratchDir;

export interface BuiltSite {
  /** The built site (the server's root). */
  out: string;
  /** The evidence it was built from. */
  evidence: string;
  /** Everything this build made; removed by `cleanup`. */
  tmp: string;
  cleanup(): void;
}

/**
 * `npm run build -- --out <tmp>` from a private copy of the evidence (site/testing/fixtures.ts), with its own Astro cache so that it can run
 * beside site/build.test.ts (which builds with caches of its own).
 */
export async function buildSite(label: string): Promise<BuiltSite> {
  const tmp = tempDir(label);
  const evidence = await evidenceCopy();
  const out = join(tmp, 'dist');
  const r = runBuild(['--evidence', evidence, '--out', out], {
    ...process.env,
    ASTRO_TELEMETRY_DISABLED: '1',
    FLEETPROOF_CACHE_DIR: join(tmp, 'astro-cache'),
    FLEETPROOF_SITE: 'https://transparency.example',
  });
  if (r.status !== 0) throw new Error(`the site did not build (exit ${r.status}):\n${r.out}`);
  return {
    out,
    evidence,
    tmp,
    cleanup: () => {
      rmSync(tmp, { recursive: true, force: true });
      rmSync(dirname(evidence), { recursive: true, force: true });
    },
  };
}

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.svg': 'image/svg+xml',
  '.xml': 'application/xml; charset=utf-8',
  '.txt': 'text/plain; charset=utf-8',
  '.ico': 'image/x-icon',
  '.png': 'image/png',
};

export interface Server {
  origin: string;
  port: number;
  /** Every request as `Host path`, in order. */
  requests: string[];
  close(): Promise<void>;
}

/** The site-wide headers of the build's `_headers` file (the `/*` block): what a static host would send. */
function siteHeaders(root: string): [string, string][] {
  const file = join(root, '_headers');
  if (!existsSync(file)) return [];
  const out: [string, string][] = [];
  let inBlock = false;
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    if (!line.startsWith(' ')) inBlock = line.trim() === '/*';
    else if (inBlock) {
      const i = line.indexOf(':');
      if (i > 0) out.push([line.slice(0, i).trim(), line.slice(i + 1).trim()]);
    }
  }
  return out;
}

/**
 * Serves `root` on 127.0.0.1 (a free port): files byte for byte with their content type, a folder's index.html,
 * 404 otherwise, never anything outside `root`, no caching (tests change files between page loads). It closes
 * itself after `lifetimeMs`.
 */
export async function serve(root: string, lifetimeMs = 10 * 60_000): Promise<Server> {
  const requests: string[] = [];
  const headers = siteHeaders(root);
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    requests.push(`${req.headers.host ?? ''} ${req.url ?? ''}`);
    let path: string;
    try {
      path = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
    } catch {
      res.writeHead(400).end();
      return;
    }
    let file = normalize(join(root, path));
    if (file !== root && !file.startsWith(root.endsWith(sep) ? root : root + sep)) {
      res.writeHead(403).end();
      return;
    }
    if (existsSync(file) && statSync(file).isDirectory()) file = join(file, 'index.html');
    if (!existsSync(file) || !statSync(file).isFile() || (req.method !== 'GET' && req.method !== 'HEAD')) {
      res.writeHead(404, { 'Content-Type': 'text/plain; charset=utf-8' }).end('not found');
      return;
    }
    const body = readFileSync(file);
    res.writeHead(200, {
      ...Object.fromEntries(headers),
      'Content-Type': TYPES[extname(file)] ?? 'application/octet-stream',
      'Content-Length': body.length,
      'Cache-Control': 'no-store',
    });
    res.end(req.method === 'HEAD' ? undefined : body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  const timer = setTimeout(() => void close(), lifetimeMs);
  timer.unref();
  let closed: Promise<void> | undefined;
  const close = () =>
    (closed ??= new Promise<void>((resolve) => {
      clearTimeout(timer);
      server.closeAllConnections();
      server.close(() => resolve());
    }));
  return { origin: `http://127.0.0.1:${port}`, port, requests, close };
}

/** Debian's Chromium, headless, with a fresh profile; `INSECURE_HOST` maps to the loopback server. */
export async function launch(): Promise<{ context: BrowserContext; close(): Promise<void> }> {
  if (!existsSync(CHROMIUM))
    throw new Error(
      `no Chromium at ${CHROMIUM}: the browser tests use Debian's (apt-get install chromium; .ci/run installs it), never a downloaded one`,
    );
  const profile = tempDir('chromium-profile');
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      `--host-resolver-rules=MAP ${INSECURE_HOST} 127.0.0.1`,
    ],
    timeout: 60_000,
  });
  return {
    context,
    close: async () => {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

/** The widget's outcome once it has left `running` (or `idle`, when `fromIdle`). */
export async function widgetOutcome(
  page: Page,
  timeout = 60_000,
): Promise<{ state: string; code: string | undefined }> {
  await page.waitForFunction(
    () => {
      const s = document.querySelector('fleet-verify')?.getAttribute('data-state');
      return s === 'verified' || s === 'failed';
    },
    undefined,
    { timeout, polling: 50 },
  );
  return page.locator('fleet-verify').evaluate((e) => ({
    state: e.getAttribute('data-state') ?? '',
    code: e.getAttribute('data-code') ?? undefined,
  }));
}

/** Fleet ids and epoch numbers of the built site's evidence. */
export function evidenceShape(evidence: string): { fleets: string[]; epochs: number[] } {
  const fleets = readdirSync(join(evidence, 'fleets')).sort();
  const epochs = readdirSync(join(evidence, 'namespaces', NS))
    .map(Number)
    .sort((a, b) => a - b);
  return { fleets, epochs };
}

const AXE_SOURCE = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

/**
 * axe's serious and critical violations on the page as it is now, one line each. axe is evaluated through the
 * DevTools protocol, so the page's CSP (no inline script) does not apply to it.
 */
export async function seriousAxeViolations(page: Page): Promise<string[]> {
  await page.evaluate(AXE_SOURCE);
  return page.evaluate(async () => {
    const axe = (
      window as unknown as {
        axe: {
          run(): Promise<{ violations: { id: string; impact: string; nodes: { target: string[] }[] }[] }>;
        };
      }
    ).axe;
    const r = await axe.run();
    return r.violations
      .filter((v) => v.impact === 'serious' || v.impact === 'critical')
      .map(
        (v) =>
          `${v.id} (${v.impact}): ${v.nodes
            .slice(0, 3)
            .map((n) => n.target.join(' '))
            .join('; ')}`,
      );
  });
}
