/**
 * `_headers` for static hosts that read it (Netlify, Cloudflare Pages): the same Content-Security-Policy as the
 * pages' meta tag plus what a meta tag cannot say, and cache rules for the site's log (docs/evidence-format.md §10):
 * full tiles and entry bundles never change, partial tiles and the checkpoint do.
 */
import { CSP } from './site-meta.ts';

export function headersFile(): string {
  const rules: [string, string[]][] = [
    [
      '/*',
      [
        `Content-Security-Policy: ${CSP}; frame-ancestors 'none'`,
        'X-Content-Type-Options: nosniff',
        'Referrer-Policy: no-referrer',
        'Cross-Origin-Opener-Policy: same-origin',
        'Cross-Origin-Resource-Policy: same-origin',
        'Permissions-Policy: camera=(), microphone=(), geolocation=(), interest-cohort=()',
      ],
    ],
    // Full tiles and full entry bundles: one path segment for the index (x-prefixed indexes beyond 999 are not
    // matched and fall back to the default revalidation, which is safe).
    [
      '/log/tile/:level/:index',
      ['Cache-Control: public, max-age=31536000, immutable', 'Content-Type: application/octet-stream'],
    ],
    ['/log/checkpoint', ['Cache-Control: no-cache', 'Content-Type: text/plain; charset=utf-8']],
    ['/log/verifier-key.txt', ['Cache-Control: no-cache']],
    ['/evidence/*', ['Cache-Control: public, max-age=300, must-revalidate']],
    // The widget's packs of those files (site/widget/pack.ts): as fresh as the files they hold.
    ['/packs/*', ['Cache-Control: public, max-age=300, must-revalidate']],
    ['/manifest.json', ['Cache-Control: no-cache']],
    ['/SHA256SUMS', ['Cache-Control: no-cache', 'Content-Type: text/plain; charset=utf-8']],
    ['/verification-report.json', ['Cache-Control: no-cache']],
  ];
  return rules.map(([path, hs]) => `${path}\n${hs.map((h) => `  ${h}`).join('\n')}\n`).join('\n');
}
