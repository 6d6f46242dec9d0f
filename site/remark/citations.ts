/**
 * Evidence citations in posts (remark plugin; needs `remark-directive` before it):
 *
 *   :key[fleet-2021/backup-kem]   the key's SHA-256 fingerprint, shortened, the full one in the title, linked to
 *                                 the key's row on its fleet page
 *   :epoch[12]                    a link to /namespace/12/ (`{namespace=NAME}` for another namespace)
 *
 * A citation of a key or epoch that the verified model does not hold, or holds but did not verify, throws a
 * CitationError with the post's file, line and column: the build fails. So does a directive this plugin does not
 * know when it is clearly one (`::name`, `:::name`, or `:name[label]`). A bare `:word` in prose (e.g. "note:this")
 * is put back as the text it was.
 */
import type { Link, Parent, PhrasingContent, Root, RootContent, Text } from 'mdast';
import { SKIP, visit } from 'unist-util-visit';
import { LocatedPostError } from './located-error.ts';
import type { EvidenceModel } from '../../verify/index.ts';
import { epochUrl, keyUrl, shortHex } from '../lib/urls.ts';

/** A citation the verified model cannot back, at its place in the post. */
export class CitationError extends LocatedPostError {
  override name = 'CitationError';
}

export interface CitedKey {
  keyId: string;
  fleetId: string;
  fingerprint: string;
  ok: boolean;
}

export interface CitedEpoch {
  namespace: string;
  epoch: number;
  digest: string;
  ok: boolean;
}

/** What citations can point at, drawn from the verified model. */
export interface CitationTargets {
  primaryNamespace: string | undefined;
  keys: Map<string, CitedKey>;
  /** `${namespace}\u0000${epoch}` → epoch */
  epochs: Map<string, CitedEpoch>;
}

export function citationTargets(model: EvidenceModel): CitationTargets {
  const keys = new Map<string, CitedKey>();
  for (const f of model.fleets) {
    for (const k of f.keys)
      keys.set(k.keyId, { keyId: k.keyId, fleetId: f.fleetId, fingerprint: k.fingerprint, ok: f.ok });
  }
  const epochs = new Map<string, CitedEpoch>();
  for (const ns of model.namespaces) {
    for (const e of ns.epochs)
      epochs.set(`${ns.name}\u0000${e.epoch}`, {
        namespace: ns.name,
        epoch: e.epoch,
        digest: e.digest,
        ok: e.ok,
      });
  }
  return { primaryNamespace: model.namespaces[0]?.name, keys, epochs };
}

/**
 * What a post's rendering took from the evidence, given what it refers to (`refs`: `key:<key-id>`,
 * `epoch:<namespace>/<epoch>` as a citation records them, `fleet:<id>` and `namespace:<name>` from its front matter):
 * a string that differs whenever a post with these references would render differently or fail. An incremental
 * build renders posts again when it changes (scripts/lib/incremental.ts).
 */
export function citationFingerprint(model: EvidenceModel, refs: readonly string[]): string {
  const targets = citationTargets(model);
  const out: unknown[] = [targets.primaryNamespace ?? null];
  for (const r of refs) {
    if (r.startsWith('key:')) out.push(r, targets.keys.get(r.slice(4)) ?? null);
    else if (r.startsWith('epoch:')) {
      const slash = r.lastIndexOf('/');
      out.push(r, targets.epochs.get(`${r.slice(6, slash)}\u0000${Number(r.slice(slash + 1))}`) ?? null);
    } else if (r.startsWith('fleet:')) {
      const f = model.fleets.find((x) => x.fleetId === r.slice(6));
      out.push(r, f ? f.ok : null);
    } else if (r.startsWith('namespace:'))
      out.push(
        r,
        model.namespaces.some((n) => n.name === r.slice(10)),
      );
    else out.push(r, 'unknown');
  }
  return JSON.stringify(out);
}

export interface CitationOptions {
  /** The verified model, or a function returning it (called once per document). */
  model: EvidenceModel | (() => EvidenceModel);
  /** Called with what each document cited (`key:<key-id>`, `epoch:<namespace>/<epoch>`), once it is done. */
  onCited?: (cited: string[]) => void;
}

interface FileLike {
  path?: string;
  value?: unknown;
  data?: Record<string, unknown>;
}

interface DirectiveNode extends Parent {
  type: 'textDirective' | 'leafDirective' | 'containerDirective';
  name: string;
  attributes?: Record<string, string | null | undefined> | null;
  children: PhrasingContent[];
}

const KNOWN = new Set(['key', 'epoch']);

export default function remarkEvidenceCitations(options: CitationOptions) {
  if (!options || !options.model) throw new Error('remarkEvidenceCitations needs { model }');
  return (tree: Root, file: FileLike) => {
    const model = typeof options.model === 'function' ? options.model() : options.model;
    const targets = citationTargets(model);
    const source = typeof file.value === 'string' ? file.value : String(file.value ?? '');
    const cited: string[] = [];
    visit(tree, (node, index, parent) => {
      if (
        node.type !== 'textDirective' &&
        node.type !== 'leafDirective' &&
        node.type !== 'containerDirective'
      )
        return;
      const d = node as unknown as DirectiveNode;
      const fail = (reason: string): never => {
        throw new CitationError(reason, file.path, d.position?.start.line, d.position?.start.column);
      };
      const label = textOf(d.children);
      const attrs = Object.keys(d.attributes ?? {});
      if (!KNOWN.has(d.name)) {
        if (
          d.type === 'textDirective' &&
          d.children.length === 0 &&
          attrs.length === 0 &&
          parent &&
          index !== undefined
        ) {
          // Prose such as "note:this": not a directive, put the text back.
          const start = d.position?.start.offset;
          const end = d.position?.end.offset;
          const value = start !== undefined && end !== undefined ? source.slice(start, end) : `:${d.name}`;
          parent.children.splice(index, 1, { type: 'text', value } as Text as RootContent);
          return [SKIP, index + 1];
        }
        return fail(`unknown directive "${d.name}": posts can cite :key[KEY-ID] and :epoch[N]`);
      }
      if (d.type !== 'textDirective')
        return fail(`:${d.name} is an inline citation: write :${d.name}[…] inside a paragraph`);
      if (!parent || index === undefined) return fail(`:${d.name} citation outside a paragraph`);
      let link: Link;
      if (d.name === 'key') {
        if (attrs.length) fail(`:key takes no attributes (got ${attrs.join(', ')})`);
        if (!label) fail('empty citation :key[]: name a fleet key, e.g. :key[fleet-2021/backup-kem]');
        const k = targets.keys.get(label);
        if (!k) return fail(`:key[${label}] cites a key that no fleet deployment in the evidence declares`);
        if (!k.ok) return fail(`:key[${label}] cites a key of fleet ${k.fleetId}, which did not verify`);
        link = {
          type: 'link',
          url: keyUrl(k.fleetId, k.keyId),
          title: `SHA-256 fingerprint of ${k.keyId}: ${k.fingerprint}`,
          data: { hProperties: { className: ['cite', 'cite-key'], 'data-key-id': k.keyId } },
          children: [{ type: 'inlineCode', value: shortHex(k.fingerprint) }],
        };
        cited.push(`key:${k.keyId}`);
      } else {
        const unknownAttrs = attrs.filter((a) => a !== 'namespace');
        if (unknownAttrs.length)
          fail(`:epoch takes only a namespace attribute (got ${unknownAttrs.join(', ')})`);
        if (!/^(0|[1-9][0-9]{0,15})$/.test(label))
          return fail(`:epoch[${label}]: an epoch is a number in decimal, e.g. :epoch[12]`);
        const ns = d.attributes?.namespace ?? targets.primaryNamespace;
        if (!ns) return fail(`:epoch[${label}] cites an epoch, but the evidence publishes no namespace`);
        const e = targets.epochs.get(`${ns}\u0000${Number(label)}`);
        if (!e) return fail(`:epoch[${label}] cites an epoch that namespace ${ns} does not publish`);
        if (!e.ok) return fail(`:epoch[${label}] cites an epoch of ${ns} that did not verify`);
        link = {
          type: 'link',
          url: epochUrl(e.namespace, e.epoch, e.namespace === targets.primaryNamespace),
          title: `Epoch ${e.epoch} of ${e.namespace}, artifact SHA-256 ${e.digest}`,
          data: { hProperties: { className: ['cite', 'cite-epoch'] } },
          children: [{ type: 'text', value: `epoch ${e.epoch}` }],
        };
        cited.push(`epoch:${e.namespace}/${e.epoch}`);
      }
      parent.children.splice(index, 1, link as RootContent);
      return [SKIP, index + 1];
    });
    if (file.data) file.data.fleetproofCitations = cited;
    options.onCited?.(cited);
  };
}

function textOf(nodes: readonly unknown[]): string {
  let s = '';
  for (const n of nodes as { type: string; value?: string; children?: unknown[] }[]) {
    if (typeof n.value === 'string') s += n.value;
    else if (Array.isArray(n.children)) s += textOf(n.children);
  }
  return s.trim();
}
