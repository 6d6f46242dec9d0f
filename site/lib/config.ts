/**
 * Where the site's inputs live. Everything is configurable through the environment so that tests (and operators
 * with another layout) can build from any folder; `scripts/build.ts` resolves them for its own checks, and Astro's
 * thread (scripts/lib/astro-thread.mjs), given the same environment, resolves them here the same way.
 *
 *   FLEETPROOF_EVIDENCE  the evidence tree (default `evidence`)
 *   FLEETPROOF_POSTS     the Markdown posts (default `content/posts`)
 *   FLEETPROOF_SITE      the public origin the site is served from (default `https://transparency.example`)
 */
import { isAbsolute, resolve } from 'node:path';

export const DEFAULT_SITE = 'https://transparency.example';

export interface SiteInputs {
  evidenceDir: string;
  postsDir: string;
  site: string;
}

export function siteInputs(env: NodeJS.ProcessEnv = process.env, root = process.cwd()): SiteInputs {
  const abs = (p: string) => (isAbsolute(p) ? p : resolve(root, p));
  return {
    evidenceDir: abs(env.FLEETPROOF_EVIDENCE || 'evidence'),
    postsDir: abs(env.FLEETPROOF_POSTS || 'content/posts'),
    site: siteOrigin(env.FLEETPROOF_SITE),
  };
}

/** The configured origin, checked: an http(s) URL without query or fragment, normalised without a trailing slash. */
export function siteOrigin(value: string | undefined): string {
  const raw = value && value.trim() ? value.trim() : DEFAULT_SITE;
  let u: URL;
  try {
    u = new URL(raw);
  } catch {
    throw new Error(`FLEETPROOF_SITE is not a URL: ${JSON.stringify(raw)}`);
  }
  if (u.protocol !== 'https:' && u.protocol !== 'http:')
    throw new Error(`FLEETPROOF_SITE must be an http(s) URL, not ${u.protocol}`);
  if (u.search || u.hash || u.username || u.password)
    throw new Error('FLEETPROOF_SITE must not carry credentials, a query or a fragment');
  if (u.pathname !== '/')
    throw new Error(
      'FLEETPROOF_SITE must be an origin: serving the site under a sub-path is not supported (every link is root-relative)',
    );
  return u.origin;
}
