/**
 * `npm run build` (through scripts/build.mjs, which starts step 3's thread before this module loads): builds the
 * site only from evidence that verifies, and never leaves a half-built or unverified site in place.
 *
 *   1. Read and verify the whole evidence tree through the core. Anything wrong: print the core's report and
 *      exit 1. Nothing is written.
 *   2. Check that the posts folder exists and holds at least one post.
 *   3. Run Astro's build, in a worker thread of this process started before step 1, into a fresh temporary folder
 *      beside the output. Its content loaders wait for step 1's verification, handed over only when it passed, then
 *      read the tree again and hash every file; when the tree's digest (the SHA-256 of its index, which lists the
 *      SHA-256 of every file, trust-roots.json included) is the one verified in step 1, they take that
 *      verification's result instead of verifying a second time (site/lib/verified.ts); any other byte means a
 *      fresh verification, which must pass. The browser scripts (widget, worker, lazy chunks, attestation checker)
 *      are bundled meanwhile in a child process at the lowest priority (scripts/build-client.mjs,
 *      site/client/bundle.mjs: Vite 8, cached by the digest of every input) and handed to Astro's thread, whose
 *      integration writes them under /_astro/. Once they are, this thread writes the evidence files and packs from
 *      the bytes verified in step 1 into a folder beside Astro's output (site/lib/publish-evidence.ts), moved into
 *      the site when Astro is done.
 *   3'. Or, when the last build into the same output left a state for the same code, configuration, posts and
 *      site (scripts/lib/render-cache.mjs), first try an incremental build instead (scripts/lib/incremental.ts):
 *      from the tree verified in step 1, only the pages whose inputs changed are rendered, with the server build
 *      that Astro left last time, into a folder beside the output (the spare, reused, or a fresh one); anything
 *      that rules it out means step 3.
 *   4. Check the result: /evidence/index.json must name exactly the tree verified in step 1 (so the evidence did
 *      not change in between), and the pages must be there.
 *   5. Only then replace the output folder (two renames on one file system), keep the old one beside it as the
 *      spare whose folders and files the next incremental build reuses (removing the spare before it), and save
 *      what the next build needs to be incremental.
 *
 * Options (or environment): --evidence DIR (FLEETPROOF_EVIDENCE, default evidence), --posts DIR (FLEETPROOF_POSTS,
 * default content/posts), --out DIR (FLEETPROOF_OUT, default dist), --site URL (FLEETPROOF_SITE).
 * Exit status: 0 built, 1 not built (evidence, posts or build failed), 2 usage error.
 */
import {
  cpSync,
  existsSync,
  lstatSync,
  mkdirSync,
  readFileSync,
  renameSync,
  rmSync,
  rmdirSync,
  writeFileSync,
} from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { fork, spawn } from 'node:child_process';
import { spareBeside } from './lib/carry-files.mjs';
import { parseArgs } from 'node:util';
import { siteInputs, siteOrigin } from '../site/lib/config.ts';
import { headersFile } from '../site/lib/headers.ts';
import {
  type AstroThread,
  BUILD_OPTIONS,
  EARLY_ASTRO,
  buildEnv,
  startAstroThread,
} from './lib/astro-thread.mjs';
import {
  INCREMENTAL_STATE,
  TSX_OFF,
  dropRenderState,
  holdBuildLock,
  incrementalState,
  saveRenderState,
} from './lib/render-cache.mjs';
import type { RenderState } from '../site/lib/render-state.ts';
// The verifier and the posts folder's check load in main(), once Astro has started (not the Markdown pipeline:
// only Astro's posts loader renders posts).

/** The temporary build folder, once chosen: removed on any failure. */
let staging: string | undefined;

/** Where the evidence files are written while Astro builds into `staging` (step 3). */
const besideStaging = (dir: string) => `${dir.replace(/[\\/]+$/, '')}.evidence`;

function fail(message: string): never {
  if (staging) {
    rmSync(staging, { recursive: true, force: true });
    rmSync(besideStaging(staging), { recursive: true, force: true });
  }
  console.error(message);
  console.error('✗ build stopped: nothing was written, the previous site (if any) is unchanged');
  process.exit(1);
}

export async function main(argv: string[]): Promise<void> {
  let values;
  try {
    ({ values } = parseArgs({ args: argv, options: BUILD_OPTIONS, strict: true, allowPositionals: false }));
  } catch (e) {
    console.error(
      `build: ${(e as Error).message}\nusage: npm run build -- [--evidence DIR] [--posts DIR] [--out DIR] [--site URL]`,
    );
    process.exit(2);
  }
  const env = buildEnv(values);
  const early = (globalThis as Record<symbol, unknown>)[EARLY_ASTRO] as AstroThread | undefined;
  let inputs;
  try {
    inputs = siteInputs(env);
    siteOrigin(env.FLEETPROOF_SITE);
  } catch (e) {
    console.error(`build: ${(e as Error).message}`);
    if (early) rmSync(early.outDir, { recursive: true, force: true });
    process.exit(2);
  }
  const out = resolve(values.out ?? env.FLEETPROOF_OUT ?? 'dist');

  // 3, started first: Astro, in a worker thread without tsx (scripts/build-astro.mjs), into a temporary folder
  //    inside the project (scripts/lib/astro-thread.mjs). Its loaders wait for step 1's verification, handed over
  //    below, and take it when the tree they read has the same digest. scripts/build.mjs (npm run build) started it
  //    before this module loaded, from the same command line through the same BUILD_OPTIONS and buildEnv, so with
  //    this environment (the Astro config resolves it with siteInputs, as above). Not when the last build into this
  //    output left a state for these inputs: then the incremental path (3') is tried first, and Astro started only
  //    if it cannot be taken.
  const root = process.cwd();
  // One build at a time with this cache (scripts/build.mjs took the lock already, before it read the state).
  holdBuildLock(root, env);
  const found = ((globalThis as Record<symbol, unknown>)[INCREMENTAL_STATE] ??
    incrementalState(root, env, out)) as {
    key: string;
    state: RenderState | undefined;
    reason: string | undefined;
  };
  if (found.reason) console.log(`not an incremental build (${found.reason}): building in full`);
  const previous = early ? undefined : found.state;
  let thread = early ?? (previous ? undefined : startAstroThread(root, env));
  if (thread) staging = thread.outDir;

  const [
    { formatReport },
    { EvidenceError, readEvidence },
    { PostError, listPosts },
    { useNodeCrypto },
    { publishEvidenceFiles },
  ] = await Promise.all([
    import('../verify/index.ts'),
    import('../site/lib/verified.ts'),
    import('../site/loaders/post-files.ts'),
    import('./lib/node-crypto.ts'),
    import('../site/lib/publish-evidence.ts'),
  ]);

  // 1. Evidence (OpenSSL for the signatures here; strictness is the core's, in JS, whichever provider answers).
  useNodeCrypto();
  console.log(`verifying ${inputs.evidenceDir} …`);
  let evidence;
  try {
    evidence = readEvidence(inputs.evidenceDir);
  } catch (e) {
    if (e instanceof EvidenceError) fail(e.message);
    throw e;
  }
  if (!evidence.report.ok) fail(formatReport(evidence.report));
  console.log(formatReport(evidence.report));
  if (evidence.units.reused > 0)
    console.log(
      `${evidence.units.reused} unchanged units (fleets, epochs) replayed from the last build, ${evidence.units.verified} verified now; the rules across them all ran`,
    );
  console.log(`evidence tree: index SHA-256 ${evidence.treeSha256}`);

  // 2. Posts.
  try {
    const posts = listPosts(inputs.postsDir);
    console.log(`${posts.length} post${posts.length === 1 ? '' : 's'} in ${inputs.postsDir}`);
  } catch (e) {
    if (e instanceof PostError) fail(`✗ ${e.message}`);
    throw e;
  }

  // 3'. Incremental: only the pages whose inputs changed, from the last build's server build and output
  //     (scripts/lib/incremental.ts); anything that rules it out means the full build below.
  let state: RenderState | undefined;
  if (!thread) {
    const { buildIncrementally } = await import('./lib/incremental.ts');
    // Every TypeScript module this build still needs is loaded (the Astro path's too: ./lib/incremental.ts imports
    // them): tsx's hooks can go before the server build loads (scripts/build.mjs; a round trip to tsx's thread per
    // module, about 200 ms of the incremental build at scale 20).
    await ((globalThis as Record<symbol, unknown>)[TSX_OFF] as (() => Promise<void>) | undefined)?.();
    const inc = await buildIncrementally({ root, env, out, evidence, state: previous! });
    if ('reason' in inc) {
      console.log(`not an incremental build (${inc.reason}): building in full`);
      thread = startAstroThread(root, env);
      staging = thread.outDir;
    } else {
      staging = inc.dir;
      state = inc.state;
      console.log(
        `incremental build: ${inc.rendered} page${inc.rendered === 1 ? '' : 's'} rendered, ${inc.carried} carried over from the last build`,
      );
    }
  }
  const tmp = staging!;
  const beside = besideStaging(tmp);
  const cleanup = () => rmSync(tmp, { recursive: true, force: true });

  if (thread) {
    const { worker, done: astro } = thread;
    worker.on('message', (m: { renderState?: RenderState }) => {
      if (m.renderState) state = m.renderState;
    });
    // The evidence files and packs, from the bytes verified in step 1, written by this thread (which only waits)
    // into a folder of their own beside Astro's output once the browser scripts are bundled (the second core is
    // then free: Astro's thread is about to render the pages), and moved into the site once Astro is done, rather
    // than written at the end of Astro's thread (site/lib/publish-evidence.ts).
    let published: { evidence: number; packs: number } | undefined;
    let unpublished: string | undefined;
    const publish = () => {
      if (published || unpublished) return;
      try {
        rmSync(beside, { recursive: true, force: true });
        published = publishEvidenceFiles(beside, evidence.index.files, evidence.files);
      } catch (e) {
        unpublished = (e as Error).message;
      }
    };
    // 3, alongside: the browser scripts, bundled in a child process at the lowest priority (scripts/build-client.mjs)
    //    and handed to Astro's thread as soon as they are ready (the pages wait for them only when they render).
    //    Started now, when this thread is done verifying; at the lowest priority it takes what Astro's thread
    //    leaves of the cores. A failure there fails Astro's build.
    const client = fork(fileURLToPath(new URL('./build-client.mjs', import.meta.url)), [root], {
      execArgv: [], // plain Node: not this process's flags or loaders
      serialization: 'advanced',
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    let clientSettled = false;
    const clientFailed = (error: string) => {
      if (clientSettled) return;
      clientSettled = true;
      worker.postMessage({ clientError: error });
    };
    client.once('message', (m: { bundle?: unknown; error?: string }) => {
      if (m.bundle && !clientSettled) {
        clientSettled = true;
        worker.postMessage({ client: m.bundle });
        setImmediate(publish);
      } else clientFailed(m.error ?? 'no bundle');
    });
    client.once('error', (e) => clientFailed(e.stack ?? e.message));
    client.once('exit', (code) =>
      clientFailed(`the bundling process exited with ${code} before handing its bundle`),
    );

    // 3, continued: hand the verification over (nothing reaches Astro's loaders from a tree that failed: the
    //    process ended above) and wait for the site.
    worker.postMessage({ verified: evidence });
    // Meanwhile, on this thread (which only waits): what each part of the evidence stands for, for the state of
    // this build (site/lib/page-deps.ts), with the modules that add it to the state once Astro is done.
    const [{ fingerprintDigests }, { evidencePartsOf }, { withFingerprints }, { citationFingerprint }] =
      await Promise.all([
        import('../site/lib/page-deps.ts'),
        import('../site/lib/evidence-memo.ts'),
        import('../site/lib/render-state.ts'),
        import('../site/remark/citations.ts'),
      ]);
    const digests = fingerprintDigests(evidencePartsOf(evidence), { ahead: true });
    try {
      await astro;
    } catch (e) {
      cleanup();
      console.error(e instanceof Error ? (e.stack ?? e.message) : String(e));
      fail('✗ astro build failed');
    }
    publish(); // done already, unless the scripts came after the pages
    try {
      if (!published) throw new Error(unpublished);
      // /evidence/index.json is Astro's (a page): it joins the files, and their folder takes its place.
      const evidenceDir = join(tmp, 'evidence');
      renameSync(join(evidenceDir, 'index.json'), join(beside, 'evidence', 'index.json'));
      rmdirSync(evidenceDir); // fails if Astro wrote anything else there
      renameSync(join(beside, 'evidence'), evidenceDir);
      if (published.packs) renameSync(join(beside, 'packs'), join(tmp, 'packs'));
      rmdirSync(beside);
    } catch (e) {
      cleanup();
      fail(`✗ the evidence files were not published: ${(e as Error).message}`);
    }
    console.log(
      `published ${published.evidence} evidence files under /evidence/ and ${published.packs} packs under /packs/`,
    );
    // Astro's thread handed its state over before it ended: add what its parts of the evidence and its posts'
    // citations stand for.
    if (state)
      state = withFingerprints(state, digests, (refs) => citationFingerprint(evidence.report.model, refs));
  }

  // Headers for static hosts that read a _headers file (CSP with frame-ancestors, nosniff, cache rules).
  writeFileSync(join(tmp, '_headers'), headersFile());

  // 4. The result describes the tree verified in step 1.
  const index = join(tmp, 'evidence', 'index.json');
  if (!existsSync(index) || readFileSync(index, 'utf8') !== evidence.indexJson) {
    cleanup();
    fail(
      `✗ the built site does not publish the evidence verified before the build (did ${inputs.evidenceDir} change during it?)`,
    );
  }
  for (const page of [
    'index.html',
    'namespace/index.html',
    'trust-roots/index.html',
    'audit/index.html',
    'verification-report.json',
    'feed.xml',
    'sitemap.xml',
  ]) {
    if (!existsSync(join(tmp, page))) {
      cleanup();
      fail(`✗ the build did not produce ${page}`);
    }
  }

  // 5. Swap into place: the new site is staged beside the output (a copy if it was built on another file system),
  //    then two renames replace the old one.
  const staged = join(dirname(out), `.${basename(out)}.new-${process.pid}`);
  const old = join(dirname(out), `.${basename(out)}.old-${process.pid}`);
  mkdirSync(dirname(out), { recursive: true });
  try {
    renameSync(tmp, staged);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EXDEV') throw e;
    cpSync(tmp, staged, { recursive: true });
    cleanup();
  }
  const replacing = existsSync(out);
  if (replacing) renameSync(out, old);
  renameSync(staged, out);
  staging = undefined;
  // The old site is kept beside the output as the spare, whose folders and files the next incremental build reuses
  // (scripts/lib/carry-files.mjs); the spare it replaces, if any, is removed by another process (on another core)
  // while this one saves what the next build needs to be incremental (or forgets it, when this build left no state).
  const removing: Promise<void>[] = [];
  if (replacing) {
    const spare = spareBeside(out);
    try {
      if (lstatSync(spare, { throwIfNoEntry: false })) {
        const doomed = `${old}.spare`;
        renameSync(spare, doomed);
        removing.push(removeTree(doomed));
      }
      renameSync(old, spare);
    } catch {
      removing.push(removeTree(old));
    }
  }
  if (state) saveRenderState(root, env, out, { ...state, key: found.key });
  else dropRenderState(root, env, out);
  await Promise.all(removing);
  console.log(`✓ site written to ${out} from evidence tree ${evidence.treeSha256}`);
}

/** Removes `dir` with `rm -rf` (a third faster than Node's rmSync on a tree of thousands of files), else rmSync. */
function removeTree(dir: string): Promise<void> {
  return new Promise((done) => {
    const fallback = () => {
      rmSync(dir, { recursive: true, force: true });
      done();
    };
    const rm = spawn('rm', ['-rf', '--', dir], { stdio: 'ignore' });
    rm.once('error', fallback);
    rm.once('exit', (code) => (code === 0 && !existsSync(dir) ? done() : fallback()));
  });
}

main(process.argv.slice(2)).then(
  // Vite and Astro may leave handles open (watchers, worker pools): the build is over.
  () => process.exit(0),
  (e: unknown) => {
    console.error(e);
    process.exit(1);
  },
);
