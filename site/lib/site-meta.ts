/** The site's name and the policy every page carries. */
export const SITE_TITLE = 'Fleet Transparency';
export const SITE_TAGLINE =
  'Signed evidence about the HSM fleets that guard our users’ backup keys — check every claim yourself.';

/**
 * Content-Security-Policy, as a <meta http-equiv> on every page (a server should send the same as a header, with
 * frame-ancestors 'none', which a meta element cannot carry). No other origin, no inline script or style.
 */
export const CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "font-src 'self'",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'none'",
].join('; ');

/**
 * The dev server only (`astro dev`): Vite injects stylesheets as <style> elements from its client script, which
 * the production policy forbids. Builds always carry CSP.
 */
export const CSP_DEV = CSP.replace("style-src 'self'", "style-src 'self' 'unsafe-inline'");
