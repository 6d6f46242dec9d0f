/**
 * The widget worker's lazy parts, at bundle time: a Vite plugin for the worker's bundle only (astro.config.mjs,
 * `vite.worker.plugins`) that resolves a few of the core's modules, when imported from the always-loaded part of
 * the core, to stand-ins in this folder. Each stand-in exports the same functions, which call the real module once
 * it is loaded (a separate chunk, fetched by a dynamic import) and, before that, ask for it and throw
 * (./registry.ts). Inside a lazy part itself (verify/vendors/ for the vendor code, verify/bundle/ for the epochs'
 * code, and the stand-ins' own imports) the real modules are used.
 *
 * Nothing else is changed: the CLI, the build and the tests run the core as written, and so does the
 * attestations page (its script is not a worker).
 *
 * What is lazy, and when the worker loads it:
 *   verify/crypto/reference.ts   noble's curves (the reference provider): where crypto.subtle is missing, or
 *                                when WebCrypto could not answer a signature question
 *   verify/fleet/vendor.ts,      the vendor adapters: when an attestation is in a vendor's format
 *   verify/vendors/index.ts
 *   verify/vendors/x509.ts,      certificates: when a vendor root is pinned as a certificate, or a vendor
 *   verify/vendors/asn1.ts       attestation is checked
 *   verify/bundle/epoch.ts,      the epochs' and the namespace's rules: when the tree has a namespace (epoch
 *   verify/bundle/namespace.ts   pages; a fleet page has none)
 *   verify/error-rules.ts        the text of each error code's rule: when the worker posts a failure (the
 *                                stand-in gives '' until then, and asks for nothing: ./error-rules.ts)
 *
 * The vendor attestation samples' check (site/attestations/sample-check.ts, for the /attestations/ page) is itself
 * loaded only when a reader asks for it, so it takes the vendor code as it is, not through the stand-ins.
 */
import { readFileSync } from 'node:fs';
import { relative, resolve, sep } from 'node:path';
import type { Plugin } from 'vite';

const HERE = 'site/widget/lazy/';
/** The /attestations/ page's sample checks (site/attestations/sample-check.ts): a lazy part of their own already. */
const SAMPLES = 'site/attestations/';
const EAGER = '?first-chunk';

/**
 * The real module → its stand-in, and the folders whose modules import the real one (the part's own), relative to
 * the project's root.
 */
export const LAZY_PARTS: Record<string, { standIn: string; inside: string[] }> = {
  'verify/crypto/reference.ts': { standIn: `${HERE}reference.ts`, inside: [HERE] },
  'verify/vendors/index.ts': { standIn: `${HERE}vendors.ts`, inside: [HERE, 'verify/vendors/', SAMPLES] },
  'verify/vendors/x509.ts': { standIn: `${HERE}x509.ts`, inside: [HERE, 'verify/vendors/', SAMPLES] },
  'verify/vendors/asn1.ts': { standIn: `${HERE}asn1.ts`, inside: [HERE, 'verify/vendors/', SAMPLES] },
  'verify/fleet/vendor.ts': { standIn: `${HERE}fleet-vendor.ts`, inside: [HERE] },
  'verify/bundle/epoch.ts': { standIn: `${HERE}epoch.ts`, inside: [HERE, 'verify/bundle/'] },
  'verify/bundle/namespace.ts': { standIn: `${HERE}namespace.ts`, inside: [HERE, 'verify/bundle/'] },
  // verify/index.ts re-exports the rules' table (ERROR_CODES), which the stand-in has not: the lazy parts that
  // import that index (../drop.ts, ../log-verify.ts) take the real module. (Rollup let an unused re-export of a
  // missing name pass; Rolldown, which bundles the shipped scripts, does not.)
  'verify/error-rules.ts': { standIn: `${HERE}error-rules.ts`, inside: [HERE, 'verify/index.ts'] },
};

const rel = (root: string, id: string) => relative(root, id.split('?')[0]!).split(sep).join('/');

export function widgetLazyParts(root: string): Plugin {
  return {
    name: 'fleetproof-widget-lazy-parts',
    enforce: 'pre',
    async resolveId(source, importer, options) {
      if (!importer) return null;
      // noble's SHA-256 for the stand-in: its own copy of @noble/hashes, so that the first chunk holds SHA-256 alone
      // (a module shared with the lazy parts would carry into it everything they use: SHA-384, SHA-512, HMAC…).
      const copy =
        importer.endsWith(EAGER) ||
        (source.startsWith('@noble/hashes/') && rel(root, importer) === `${HERE}reference.ts`);
      if (copy) {
        const r0 = await this.resolve(source, importer.replace(EAGER, ''), { ...options, skipSelf: true });
        return r0 && r0.id.includes('/@noble/hashes/') ? `${r0.id}${EAGER}` : r0;
      }
      const r = await this.resolve(source, importer, { ...options, skipSelf: true });
      const part = r && LAZY_PARTS[rel(root, r.id)];
      if (!part) return null;
      const from = rel(root, importer);
      return part.inside.some((p) => from.startsWith(p)) ? null : resolve(root, part.standIn);
    },
    // The copy's file, read here: Vite 6 strips an unknown query before it reads a file, Vite 8 (Rolldown) does
    // not for a file outside the root (node_modules linked into a copy of the project).
    load(id) {
      return id.endsWith(EAGER) ? readFileSync(id.slice(0, -EAGER.length), 'utf8') : null;
    },
  };
}
