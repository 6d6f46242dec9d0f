/**
 * Generates the deterministic demo evidence (and, for the committed evidence/, the narrative posts).
 *
 *   npm run demo-evidence -- [--out DIR] [--seed S] [--scale N] [--namespace NAME] [--content DIR]
 *                            [--tamper KIND] [--list-tampers]
 *
 * --out DIR must not exist or be empty, except the default evidence/ (repository root), which is regenerated in
 * place and only with the default seed and scale 1. Posts go to content/posts/ when writing that evidence/, or
 * to --content DIR. --tamper KIND writes a tampered tree (needs --out, not evidence/). Exit status: 0 done,
 * 1 failure, 2 usage error.
 */
import { existsSync, mkdirSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { DEFAULT_NAMESPACE, DEFAULT_SEED } from '../demo/catalog.ts';
import { generateDemo, writeTree } from '../demo/generate.ts';
import { generatePosts } from '../demo/narrative.ts';
import { TAMPERS, applyTamper, findTamper, tamperListing } from '../demo/tampers.ts';

const USAGE = `usage: npm run demo-evidence -- [--out DIR] [--seed S] [--scale N] [--namespace NAME] [--content DIR]
                                 [--tamper KIND] [--list-tampers]
  --out DIR        where to write the tree (default evidence/); must be absent or empty, except evidence/ itself,
                   which is regenerated in place (default seed and scale only)
  --seed S         the seed every key and choice derives from (default ${DEFAULT_SEED})
  --scale N        N times the fleets, HSMs and epochs (default 1)
  --namespace NAME the namespace's name (default ${DEFAULT_NAMESPACE})
  --content DIR    also write the narrative posts there (default content/posts/ when writing evidence/)
  --tamper KIND    write a tampered tree (needs --out DIR, not evidence/); see --list-tampers
  --list-tampers   print KIND<TAB>EXPECTED_CODE<TAB>description for every tamper`;

class UsageError extends Error {}

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const DEFAULT_EVIDENCE = resolve(ROOT, 'evidence');

function isEmptyDir(dir: string): boolean {
  return readdirSync(dir).length === 0;
}

export function main(argv: string[]): number {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        out: { type: 'string' },
        seed: { type: 'string' },
        scale: { type: 'string' },
        namespace: { type: 'string' },
        content: { type: 'string' },
        tamper: { type: 'string' },
        'list-tampers': { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  if (values['list-tampers']) {
    process.stdout.write(tamperListing());
    return 0;
  }
  const seed = values.seed ?? DEFAULT_SEED;
  if (seed.length === 0) throw new UsageError('--seed must not be empty');
  const scaleText = values.scale ?? '1';
  if (!/^[1-9][0-9]{0,3}$/.test(scaleText) || Number(scaleText) > 1000)
    throw new UsageError(`--scale must be an integer from 1 to 1000, not ${JSON.stringify(scaleText)}`);
  const scale = Number(scaleText);
  const namespace = values.namespace ?? DEFAULT_NAMESPACE;
  const out = resolve(values.out ?? DEFAULT_EVIDENCE);
  const isDefault = out === DEFAULT_EVIDENCE;

  if (values.tamper !== undefined) {
    if (!findTamper(values.tamper))
      throw new UsageError(
        `unknown tamper kind ${JSON.stringify(values.tamper)}; kinds: ${TAMPERS.map((t) => t.kind).join(', ')}`,
      );
    if (values.out === undefined) throw new UsageError('--tamper needs --out DIR (a fresh folder)');
    if (isDefault) throw new UsageError('--tamper never writes into evidence/: choose another --out DIR');
  }
  if (isDefault && (seed !== DEFAULT_SEED || scale !== 1 || namespace !== DEFAULT_NAMESPACE)) {
    throw new UsageError(
      `evidence/ holds the committed demo (seed ${DEFAULT_SEED}, scale 1, default namespace): use --out DIR for other options`,
    );
  }
  if (existsSync(out)) {
    if (!statSync(out).isDirectory()) throw new UsageError(`--out ${out} exists and is not a folder`);
    if (!isEmptyDir(out)) {
      if (!isDefault)
        throw new UsageError(
          `--out ${out} exists and is not empty: refusing to write into it (choose a fresh folder)`,
        );
      for (const name of readdirSync(out)) rmSync(join(out, name), { recursive: true, force: true });
    }
  }
  const contentDir =
    values.content !== undefined
      ? resolve(values.content)
      : isDefault
        ? resolve(ROOT, 'content', 'posts')
        : undefined;

  const { files, ctx } = generateDemo({ seed, scale, namespace });
  if (values.tamper !== undefined) applyTamper(values.tamper, files, ctx);
  mkdirSync(out, { recursive: true });
  writeTree(out, files);
  const hsms = ctx.model.fleets.reduce((n, f) => n + f.members.length, 0);
  console.log(
    `wrote ${files.size} files to ${out}: ${ctx.model.fleets.length} fleets, ${hsms} HSMs, ${ctx.model.epochs.length + ctx.model.extraEpochs.length} epochs in ${ctx.model.namespaces.length} namespace${ctx.model.namespaces.length === 1 ? '' : 's'}` +
      (values.tamper !== undefined
        ? `, tampered with ${values.tamper} (expect ${findTamper(values.tamper)!.expectedCode})`
        : ''),
  );
  if (contentDir !== undefined) {
    mkdirSync(contentDir, { recursive: true });
    const posts = generatePosts(ctx);
    for (const [name, text] of posts) writeFileSync(join(contentDir, name), text);
    console.log(`wrote ${posts.size} posts to ${contentDir}`);
  }
  return 0;
}

const isEntry = process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url);
if (isEntry) {
  let code: number;
  try {
    code = main(process.argv.slice(2));
  } catch (e) {
    if (e instanceof UsageError) {
      console.error(`demo-evidence: ${e.message}\n\n${USAGE}`);
      code = 2;
    } else {
      console.error(`demo-evidence: ${(e as Error).stack ?? e}`);
      code = 1;
    }
  }
  process.exitCode = code;
}
