/**
 * The widget worker's lazy parts, at bundle time: a Vite plugin for the worker's bundle only (astro.config.mjs,
 * `vite.worker.plugins`) that resolves a few of the core's modules, when imported from the always-loaded part of
 * the core, to stand-ins in this folder. Each stand-in exports the same functions, which call the real module once
 * it is loaded (a separate chunk, fetched by a dynamic import) and, before that, ask for it and throw
 * (./registry.ts). Inside the lazy parts themselves (verify/vendors/, and the stand-ins' own imports) the real
 * modules are used.
 *
 * Nothing else is changed: the CLI, the build and the tests run the core as written, and so does the
 * attestations page (its script is not a worker).
 *
 * What is lazy, and when the worker loads it:
 *   verify/crypto/reference.ts   noble's curves (the reference provider): where crypto.subtle is missing, or
 *                                when WebCrypto could not answer a signature question
 *   verify/vendors/index.ts      the vendor adapters: when an attestation is in a vendor's format
 *   verify/vendors/x509.ts,      certificates: when a vendor root is pinned as a certificate, or a vendor
 *   verify/vendors/asn1.ts       attestation is checked
 */
import { relative, resolve, sep } from 'node:path';
import type { Plugin } from 'vite';

/** The real module → its stand-in, relative to the project's root. */
export const LAZY_PARTS: Record<string, string> = {
  'verify/crypto/reference.ts': 'site/widget/lazy/reference.ts',
  'verify/vendors/index.ts': 'site/widget/lazy/vendors.ts',
  'verify/vendors/x509.ts': 'site/widget/lazy/x509.ts',
  'verify/vendors/asn1.ts': 'site/widget/lazy/asn1.ts',
};

/** Importers that get the real modules: the lazy parts themselves and the stand-ins. */
const INSIDE = ['verify/vendors/', 'site/widget/lazy/'];

const rel = (root: string, id: string) => relative(root, id.split('?')[0]!).split(sep).join('/');

export function widgetLazyParts(root: string): Plugin {
  return {
    name: 'fleetproof-widget-lazy-parts',
    enforce: 'pre',
    async resolveId(source, importer, options) {
      if (!importer) return null;
      const from = rel(root, importer);
      if (INSIDE.some((p) => from.startsWith(p))) return null;
      const r = await this.resolve(source, importer, { ...options, skipSelf: true });
      const standIn = r && LAZY_PARTS[rel(root, r.id)];
      return standIn ? resolve(root, standIn) : null;
    },
  };
}
