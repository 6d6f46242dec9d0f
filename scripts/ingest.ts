/**
 * `fleetproof ingest FILE... [--evidence DIR] [--json]`: add new evidence as it arrives. Each file is placed by its
 * content (verify/place.ts), the tree as it would be afterwards is verified whole (the next epoch and no other,
 * pinned keys, every rule), and only then are the files written, each to a temporary name and renamed, never over
 * an existing file. On any failure nothing is left behind.
 */
import { parseArgs } from 'node:util';
import { existsSync, linkSync, mkdirSync, rmSync, rmdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { VerificationError, type VerificationErrorJSON } from '../verify/errors.ts';
import { LIMITS } from '../verify/limits.ts';
import { placeEvidence } from '../verify/place.ts';
import { formatError, formatReport, verifyEvidence } from '../verify/index.ts';
import { TreeReadError, readNamedFile, readTree } from './lib/read-tree.ts';

function refuse(json: boolean, errors: VerificationErrorJSON[], why: string): number {
  if (json) console.log(JSON.stringify({ ok: false, written: [], reason: why, errors }, null, 2));
  else {
    for (const e of errors) console.log(formatError(e));
    console.log(`✗ nothing ingested: ${why}`);
  }
  return 1;
}

export function runIngest(args: string[]): number {
  const { values, positionals } = parseArgs({
    args,
    options: { evidence: { type: 'string', default: 'evidence' }, json: { type: 'boolean' } },
    strict: true,
    allowPositionals: true,
  });
  const json = values.json ?? false;
  const dir = values.evidence!;
  if (positionals.length === 0)
    throw Object.assign(new Error('ingest takes one or more FILEs'), { code: 'ERR_PARSE_ARGS_USAGE' });

  let tree: Map<string, Uint8Array>;
  try {
    tree = readTree(dir);
  } catch (e) {
    if (e instanceof TreeReadError)
      return refuse(json, [e.toVerificationError().toJSON()], 'the evidence folder cannot be read');
    throw e;
  }
  const before = verifyEvidence(tree);
  if (!before.ok) {
    if (!json) console.log(formatReport(before));
    return refuse(json, before.errors, `${dir} does not verify as it stands; fix it before adding to it`);
  }

  // Place every new file; refuse overwrites and duplicates.
  const added = new Map<string, Uint8Array>();
  const errors: VerificationErrorJSON[] = [];
  for (const f of positionals) {
    let bytes: Uint8Array;
    try {
      bytes = readNamedFile(f, LIMITS.maxFileBytes + 1);
    } catch (e) {
      if (!(e instanceof TreeReadError)) throw e;
      errors.push(e.toVerificationError().toJSON());
      continue;
    }
    try {
      const { kind, path } = placeEvidence(bytes, f);
      if (tree.has(path) || existsSync(join(dir, path))) {
        // An epoch's file again is a republished epoch; any other file, an overwrite of published evidence.
        const epochFile = kind === 'artifact' || kind === 'proof' || kind === 'auditor-record';
        errors.push(
          new VerificationError(
            epochFile ? 'EPOCH_REPUBLISHED' : 'FILE_EXISTS',
            `${f} would overwrite ${path}, which is already published`,
            { file: f },
          ).toJSON(),
        );
      } else if (added.has(path)) {
        errors.push(
          new VerificationError('DUPLICATE_ID', `${f} and another input both belong at ${path}`, {
            file: f,
          }).toJSON(),
        );
      } else added.set(path, bytes);
    } catch (e) {
      if (e instanceof VerificationError) errors.push(e.toJSON());
      else throw e;
    }
  }
  if (errors.length) return refuse(json, errors, 'some inputs cannot be placed');

  // Only additions that extend what is there: new epochs at the end of their namespace, new fleets whole.
  const candidate = new Map([...tree, ...added]);
  const after = verifyEvidence(candidate);
  if (!after.ok) {
    return refuse(json, after.errors, 'the tree with these files does not verify');
  }
  for (const ns of before.model.namespaces) {
    const grown = after.model.namespaces.find((n) => n.name === ns.name);
    if (
      grown &&
      grown.latestEpoch !== undefined &&
      ns.latestEpoch !== undefined &&
      grown.latestEpoch < ns.latestEpoch
    ) {
      return refuse(json, [], `namespace ${ns.name} would go backwards`);
    }
  }

  // Write: each file to a temporary name in its folder, then link into place (fails if the name exists).
  const written: string[] = [];
  const madeDirs: string[] = [];
  try {
    for (const [path, bytes] of [...added].sort(([a], [b]) => (a < b ? -1 : 1))) {
      const target = join(dir, path);
      const parent = dirname(target);
      if (!existsSync(parent)) {
        let p = parent;
        const chain: string[] = [];
        while (!existsSync(p)) {
          chain.unshift(p);
          p = dirname(p);
        }
        mkdirSync(parent, { recursive: true });
        madeDirs.push(...chain.reverse());
      }
      const tmp = `${target}.ingest-${process.pid}.tmp`;
      writeFileSync(tmp, bytes, { flag: 'wx' });
      try {
        linkSync(tmp, target); // never replaces an existing file
      } finally {
        rmSync(tmp, { force: true });
      }
      written.push(target);
    }
  } catch (e) {
    for (const w of written) rmSync(w, { force: true });
    for (const d of madeDirs) {
      try {
        rmdirSync(d);
      } catch {
        /* not empty: keep */
      }
    }
    return refuse(json, [], `writing failed (${(e as Error).message}); nothing was kept`);
  }
  if (json) console.log(JSON.stringify({ ok: true, written: [...added.keys()].sort() }, null, 2));
  else {
    for (const p of [...added.keys()].sort()) console.log(`+ ${p}`);
    console.log(
      `✓ ingested ${added.size} file${added.size === 1 ? '' : 's'}; ${after.summary.checks} checks passed over ${after.summary.files} files`,
    );
  }
  return 0;
}
