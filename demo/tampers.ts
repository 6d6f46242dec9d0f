/**
 * Every tamper the demo knows: each turns a valid generated tree into one whose verification must fail with
 * `expectedCode`. Use on a copy: `const f = new Map(files); applyTamper('epoch-skipped', f, ctx);`.
 */
import { toContext, type DemoContext, type GenerateOptions } from './context.ts';
import { FLEET_TAMPERS } from './tampers-fleet.ts';
import { NAMESPACE_TAMPERS } from './tampers-namespace.ts';
import { TRUST_TAMPERS } from './tampers-trust.ts';
import type { Tamper } from './tamper-types.ts';
import { sortedFiles, type EvidenceFiles } from './tree.ts';

export type { Tamper } from './tamper-types.ts';

export const TAMPERS: readonly Tamper[] = [...NAMESPACE_TAMPERS, ...FLEET_TAMPERS, ...TRUST_TAMPERS];

export function findTamper(kind: string): Tamper | undefined {
  return TAMPERS.find((t) => t.kind === kind);
}

/**
 * Applies a tamper in place (then re-sorts the map's paths). `ctx` is the generator's context, or the options the
 * tree was generated with (`{ seed, scale?, namespace? }`), from which the context is rebuilt. Throws on an
 * unknown kind.
 */
export function applyTamper(
  kind: string,
  files: EvidenceFiles,
  ctx: DemoContext | GenerateOptions = {},
): void {
  const t = findTamper(kind);
  if (!t) throw new Error(`unknown tamper kind ${JSON.stringify(kind)}`);
  t.apply(files, toContext(ctx));
  const sorted = sortedFiles(files);
  files.clear();
  for (const [p, b] of sorted) files.set(p, b);
}

/** A tampered copy of the tree. */
export function tampered(
  kind: string,
  files: EvidenceFiles,
  ctx: DemoContext | GenerateOptions = {},
): EvidenceFiles {
  const copy = new Map(files);
  applyTamper(kind, copy, ctx);
  return copy;
}

/** `KIND<TAB>EXPECTED_CODE<TAB>description`, one line per tamper. */
export function tamperListing(): string {
  return TAMPERS.map((t) => `${t.kind}\t${t.expectedCode}\t${t.description}`).join('\n') + '\n';
}
