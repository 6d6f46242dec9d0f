/**
 * The demo evidence generator: a deterministic, fully signed evidence tree (docs/evidence-format.md) from a seed.
 *
 *   const files = generateEvidence({ seed: 'fleetproof-demo-v1', scale: 1 });   // Map<path, bytes>
 *   writeTree('evidence', files);
 *
 * `generateDemo` also returns the context (keyring and plan) that tampers need to re-sign.
 */
import { createContext, type DemoContext, type GenerateOptions } from './context.ts';
import { epochFiles } from './epochs.ts';
import { attestationFile, deploymentEnvelope } from './fleets.ts';
import { jsonFile } from './json.ts';
import { sortedFiles, type EvidenceFiles } from './tree.ts';
import { trustRootsJson } from './trust-roots.ts';

export type { DemoContext, GenerateOptions } from './context.ts';
export { createContext } from './context.ts';
export { readTree, writeTree, type EvidenceFiles } from './tree.ts';

export function buildFiles(ctx: DemoContext): EvidenceFiles {
  const { model, keys } = ctx;
  const files: EvidenceFiles = new Map();
  files.set('trust-roots.json', jsonFile(trustRootsJson(model)));
  for (const fleet of model.fleets) {
    const dir = `fleets/${fleet.fleetId}`;
    files.set(`${dir}/deployment.json`, jsonFile(deploymentEnvelope(model, fleet)));
    for (const m of fleet.members)
      files.set(`${dir}/attestations/${m.hsmId}.json`, jsonFile(attestationFile(keys, model, fleet, m)));
  }
  for (const plan of [...model.epochs, ...model.extraEpochs])
    for (const [p, b] of epochFiles(model, plan)) files.set(p, b);
  return sortedFiles(files);
}

export function generateDemo(opts: GenerateOptions = {}): { files: EvidenceFiles; ctx: DemoContext } {
  const ctx = createContext(opts);
  return { files: buildFiles(ctx), ctx };
}

export function generateEvidence(opts: GenerateOptions = {}): EvidenceFiles {
  return generateDemo(opts).files;
}
