/**
 * The site, built once from a copy of the evidence (and the posts plus a hostile fixture post), checked against
 * the evidence files themselves — decoded here independently of the core, not against the model the pages were
 * rendered from. Then the ways a build must fail closed.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import {
  assertSameFiles,
  type BuildRun,
  evidenceCopy,
  readFiles,
  ROOT,
  runBuild,
  tempDir,
} from './testing/fixtures.ts';
import { filesFor, parseIndex } from './widget/files.ts';
import { packUrl, unpack } from './widget/pack.ts';
import { scriptRefs } from './widget/bundle-check.ts';

const SITE = 'https://fleet.test';
const CSP =
  "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'none'";
const ASTRO = join(ROOT, 'node_modules', 'astro', 'astro.js');

function env(extra: Record<string, string>): NodeJS.ProcessEnv {
  return { ...process.env, ASTRO_TELEMETRY_DISABLED: '1', FLEETPROOF_SITE: SITE, ...extra };
}

/** `npm run build` (scripts/build.ts, alone) with the given inputs. */
function build(evidence: string, posts: string, out: string, cache: string): BuildRun {
  return runBuild(
    ['--evidence', evidence, '--posts', posts, '--out', out],
    env({ FLEETPROOF_CACHE_DIR: cache }),
    'scripts/build.ts',
  );
}

/** `npm run build` as npm runs it: scripts/build.mjs, which starts Astro's thread before loading scripts/build.ts. */
function launch(args: string[], cache: string): BuildRun {
  return runBuild(args, env({ FLEETPROOF_CACHE_DIR: cache }));
}

/** `astro build` alone, without scripts/build.ts's pre-check: only the loaders stand guard. */
function astroBuild(evidence: string, posts: string, out: string, cache: string): Omit<BuildRun, 'pid'> {
  const r = spawnSync(process.execPath, [ASTRO, 'build', '--outDir', out], {
    cwd: ROOT,
    encoding: 'utf8',
    env: env({ FLEETPROOF_EVIDENCE: evidence, FLEETPROOF_POSTS: posts, FLEETPROOF_CACHE_DIR: cache }),
  });
  return { status: r.status, out: `${r.stdout}${r.stderr}` };
}

const sha256 = (b: Uint8Array | string) => createHash('sha256').update(b).digest('hex');
const fingerprint = (hex: string) => sha256(Buffer.from(hex, 'hex'));
const decode = (s: string) =>
  s
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&#39;|&#x27;/g, "'")
    .replace(/&amp;/g, '&');
const text = (html: string) => decode(html.replace(/<[^>]+>/g, ''));

interface Deployment {
  fleet_id: string;
  description: string;
  regions: { id: string; name: string; data_centers: { id: string; name: string }[] }[];
  members: {
    hsm_id: string;
    vendor: string;
    model: string;
    serial: string;
    firmware_measurement: string;
    region: string;
    data_center: string;
  }[];
  quorum: { threshold: number };
  keys: { key_id: string; algorithm: string; public_key: string }[];
  ceremony: { witnesses: { name: string; organization: string; key: string }[] };
}

function deployments(ev: string): Deployment[] {
  return readdirSync(join(ev, 'fleets')).map((id) => {
    const env = JSON.parse(readFileSync(join(ev, 'fleets', id, 'deployment.json'), 'utf8')) as {
      payload: string;
    };
    return (JSON.parse(Buffer.from(env.payload, 'base64').toString('utf8')) as { predicate: Deployment })
      .predicate;
  });
}

interface Proof {
  epoch: number;
  digest: string;
  signature: string;
  meta_signature: string;
  namespace: string;
}
interface Artifact {
  keys: { key_id: string; fleet_id: string; public_key: string; role: string }[];
}

function epochs(ev: string): { ns: string; n: number; proof: Proof; artifact: Artifact }[] {
  return readdirSync(join(ev, 'namespaces')).flatMap((ns) =>
    readdirSync(join(ev, 'namespaces', ns))
      .map(Number)
      .sort((a, b) => a - b)
      .map((n) => ({
        ns,
        n,
        proof: JSON.parse(readFileSync(join(ev, 'namespaces', ns, String(n), 'proof.json'), 'utf8')) as Proof,
        artifact: JSON.parse(
          readFileSync(join(ev, 'namespaces', ns, String(n), 'artifact.json'), 'utf8'),
        ) as Artifact,
      })),
  );
}

function htmlFiles(dir: string, rel = ''): string[] {
  return readdirSync(join(dir, rel), { withFileTypes: true }).flatMap((d) => {
    const r = rel ? `${rel}/${d.name}` : d.name;
    if (d.isDirectory()) return r === 'evidence' ? [] : htmlFiles(dir, r);
    return r.endsWith('.html') ? [r] : [];
  });
}

describe('the built site', () => {
  let ev: string;
  let posts: string;
  let out: string;
  let cache: string;
  const page = (p: string) => readFileSync(join(out, p, 'index.html'), 'utf8');

  before(async () => {
    ev = await evidenceCopy();
    posts = tempDir('posts');
    const content = join(ROOT, 'content', 'posts');
    if (existsSync(content))
      for (const f of readdirSync(content).filter((f) => f.endsWith('.md')))
        cpSync(join(content, f), join(posts, f));
    cpSync(
      join(ROOT, 'site', 'testing', 'posts', 'hostile-front-matter.md'),
      join(posts, 'hostile-front-matter.md'),
    );
    out = join(tempDir('site'), 'dist');
    cache = tempDir('astro-cache');
    const r = build(ev, posts, out, cache);
    assert.equal(r.status, 0, r.out);
  });

  it('when a fleet is deployed, its page shows every member (vendor, model, serial, firmware), region, key fingerprint and witness from its deployment record', () => {
    const ds = deployments(ev);
    assert.ok(ds.length > 0);
    for (const d of ds) {
      const html = page(`fleets/${d.fleet_id}`);
      const t = text(html);
      for (const m of d.members) {
        assert.ok(html.includes(`id="hsm-${m.hsm_id}"`), m.hsm_id);
        for (const v of [m.serial, m.firmware_measurement, m.vendor, m.model])
          assert.ok(t.includes(v), `${d.fleet_id} ${m.hsm_id}: ${v}`);
      }
      for (const r of d.regions) {
        assert.ok(t.includes(r.name) && t.includes(r.id), r.id);
        for (const dc of r.data_centers) assert.ok(t.includes(dc.name), dc.id);
      }
      for (const k of d.keys) {
        assert.ok(html.includes(`id="key-${k.key_id}"`), k.key_id);
        assert.ok(html.includes(fingerprint(k.public_key)), `fingerprint of ${k.key_id}`);
        assert.ok(html.includes(k.public_key), `public key of ${k.key_id}`);
      }
      for (const w of d.ceremony.witnesses)
        assert.ok(t.includes(w.name) && t.includes(w.organization) && t.includes(w.key), w.name);
      assert.ok(t.includes(`${d.quorum.threshold} of ${d.members.length} members`), 'quorum');
      assert.ok(t.includes(d.description), 'description');
      assert.match(html, /<section id="verify"[^>]*data-slot="fleet-verify"/);
    }
  });

  it('when epochs are published, the namespace page lists every digest and each epoch page shows its signatures, keys and changes in full', () => {
    const all = epochs(ev);
    assert.ok(all.length > 0);
    const ns = all[0]!.ns;
    const timeline = page('namespace');
    const prev = new Map<string, Map<string, { public_key: string; role: string }>>();
    for (const e of all.filter((x) => x.ns === ns)) {
      assert.ok(timeline.includes(e.proof.digest), `digest of epoch ${e.n} on /namespace/`);
      assert.ok(timeline.includes(`href="/namespace/${e.n}/"`));
      const html = page(`namespace/${e.n}`);
      const t = text(html);
      for (const v of [e.proof.digest, e.proof.signature, e.proof.meta_signature])
        assert.ok(html.includes(v), `epoch ${e.n}: ${v.slice(0, 16)}`);
      for (const k of e.artifact.keys)
        assert.ok(
          html.includes(fingerprint(k.public_key)) && t.includes(k.key_id),
          `epoch ${e.n}: ${k.key_id}`,
        );
      // The diff, computed here from the artifacts.
      const before = prev.get(ns);
      if (before) {
        const diff = t.slice(t.indexOf('Changes since epoch'), t.indexOf('In the timeline'));
        const now = new Map(e.artifact.keys.map((k) => [k.key_id, k]));
        for (const [id, k] of now) {
          const b = before.get(id);
          if (!b || b.public_key !== k.public_key)
            assert.ok(diff.includes(`added ${id}`), `epoch ${e.n}: added ${id}\n${diff}`);
          else if (b.role !== k.role)
            assert.ok(diff.includes(`${id} ${b.role} → ${k.role}`), `epoch ${e.n}: ${id} role\n${diff}`);
        }
        for (const id of before.keys())
          if (!now.has(id)) assert.ok(diff.includes(`removed ${id}`), `epoch ${e.n}: removed ${id}`);
        if (diff.includes('no change'))
          assert.equal(
            [...now].every(
              ([id, k]) => before.get(id)?.role === k.role && before.get(id)?.public_key === k.public_key,
            ) && before.size === now.size,
            true,
          );
      }
      prev.set(ns, new Map(e.artifact.keys.map((k) => [k.key_id, k])));
    }
  });

  it('when keys are pinned, the trust-roots page shows each with role, algorithm, validity, publication place and a fingerprint equal to SHA-256 of the key', () => {
    const roots = JSON.parse(readFileSync(join(ev, 'trust-roots.json'), 'utf8')) as {
      keys: {
        id: string;
        role: string;
        algorithm: string;
        public_key: string;
        published_at: string;
        valid_from: string;
        valid_until: string;
      }[];
    };
    const html = page('trust-roots');
    for (const k of roots.keys) {
      const start = html.indexOf(`id="trust-${k.id}"`);
      assert.ok(start > 0, k.id);
      const section = html.slice(start, html.indexOf('</section>', start));
      assert.equal(/data-fingerprint>([0-9a-f]{64})</.exec(section)?.[1], fingerprint(k.public_key), k.id);
      assert.ok(
        section.includes(k.public_key) && section.includes(k.algorithm) && section.includes(k.role),
        k.id,
      );
      assert.ok(text(section).includes(k.published_at), `${k.id} published_at`);
      assert.ok(
        section.includes(`datetime="${new Date(k.valid_from).toISOString()}"`) &&
          section.includes(`datetime="${new Date(k.valid_until).toISOString()}"`),
        `${k.id} validity`,
      );
    }
  });

  it('when the site is published, every evidence file is under /evidence/ byte for byte, and nothing else is', () => {
    const want = readFiles(ev);
    const got = readFiles(join(out, 'evidence'));
    got.delete('index.json');
    assert.deepEqual([...got.keys()].sort(), [...want.keys()].sort());
    for (const [p, b] of want) assert.ok(got.get(p)!.equals(b), p);
  });

  it('when the index is published, /evidence/index.json lists every file with its true SHA-256 and size', () => {
    const index = JSON.parse(readFileSync(join(out, 'evidence', 'index.json'), 'utf8')) as {
      version: number;
      files: { path: string; sha256: string; size: number }[];
    };
    const want = readFiles(ev);
    assert.equal(index.version, 1);
    assert.deepEqual(
      index.files.map((f) => f.path),
      [...want.keys()].sort(),
    );
    for (const f of index.files) {
      assert.equal(f.sha256, sha256(want.get(f.path)!), f.path);
      assert.equal(f.size, want.get(f.path)!.byteLength, f.path);
    }
    const treeHash = sha256(readFileSync(join(out, 'evidence', 'index.json')));
    assert.ok(page('').includes(treeHash), 'the footer names the tree by the SHA-256 of its index');
  });

  it('when the site is published, /packs/ holds one pack per fleet and per namespace, each exactly the raw bytes of the files its pages verify', () => {
    const index = parseIndex(readFileSync(join(out, 'evidence', 'index.json')));
    const raw = readFiles(ev);
    const targets = [
      ...readdirSync(join(ev, 'fleets')).map((fleetId) => ({ kind: 'fleet' as const, fleetId })),
      ...readdirSync(join(ev, 'namespaces')).map((namespace) => ({
        kind: 'epoch' as const,
        namespace,
        epoch: 0,
      })),
    ];
    assert.deepEqual(
      [...readFiles(join(out, 'packs')).keys()].sort(),
      targets.map((t) => packUrl(t).slice('/packs/'.length)).sort(),
    );
    for (const t of targets) {
      const files = unpack(readFileSync(join(out, ...packUrl(t).split('/').filter(Boolean))));
      assert.ok(files, `${packUrl(t)} is a pack`);
      assert.deepEqual([...files.keys()], filesFor(index, t), packUrl(t));
      for (const [p, b] of files) assert.ok(raw.get(p)!.equals(b), `${packUrl(t)}: ${p}`);
    }
  });

  it('when the report is published, /verification-report.json is byte for byte what `fleetproof verify --json --evidence evidence` prints', () => {
    const r = spawnSync(
      process.execPath,
      [join(ROOT, 'bin', 'fleetproof.mjs'), 'verify', '--json', '--evidence', basename(ev)],
      { cwd: dirname(ev), encoding: 'utf8' },
    );
    assert.equal(r.status, 0, r.stderr);
    assert.equal(readFileSync(join(out, 'verification-report.json'), 'utf8'), r.stdout);
  });

  it('when front matter is hostile, it appears as text: escaped in the page, the home page, the head and the feed', () => {
    const html = page('posts/hostile-front-matter');
    assert.ok(
      html.includes(
        '<title>&lt;/title&gt;&lt;script&gt;alert(&#39;title&#39;)&lt;/script&gt; &amp; &lt;b&gt;bold&lt;/b&gt; — ',
      ),
      'escaped <title>',
    );
    assert.ok(html.includes('<h1>&lt;/title&gt;&lt;script&gt;'), 'escaped h1');
    assert.ok(
      html.includes('&quot;&gt;&lt;img src=x onerror=alert(&#39;description&#39;)&gt;'),
      'escaped description',
    );
    assert.ok(text(html).includes(`"><img src=x onerror=alert('description')>`), 'shown as written');
    assert.ok(page('').includes('&lt;/title&gt;&lt;script&gt;'), 'escaped on the home page');
    const feed = readFileSync(join(out, 'feed.xml'), 'utf8');
    assert.ok(
      feed.includes('&lt;/title&gt;&lt;script&gt;alert(&apos;title&apos;)') && !feed.includes('<script'),
      'escaped in the feed',
    );
  });

  it('when any page is served, it carries the CSP, loads nothing from another origin, and has no inline script, style or event handler', () => {
    const pages = htmlFiles(out);
    assert.ok(pages.length > 10);
    for (const p of pages) {
      const html = readFileSync(join(out, p), 'utf8');
      assert.ok(html.includes(`<meta http-equiv="Content-Security-Policy" content="${CSP}">`), `${p}: CSP`);
      // Markup only: quoted attribute values emptied (inside them "<" is text; Astro always quotes and escapes '"').
      const markup = html.replace(/="[^"]*"/g, '=""');
      assert.ok(!/<script(?![^>]*\ssrc=)[^>]*>/i.test(markup), `${p}: inline <script>`);
      assert.ok(!/<style[\s>]/i.test(markup), `${p}: inline <style>`);
      assert.ok(!/<[a-z][^>]*\sstyle=/i.test(markup), `${p}: style attribute`);
      assert.ok(!/<[a-z][^>]*\son[a-z]+=/i.test(markup), `${p}: event handler attribute`);
      assert.ok(!/<(img|iframe|object|embed|base|form)[\s>]/i.test(markup), `${p}: unexpected element`);
      for (const m of html.matchAll(
        /<(?:script|img|link|iframe|source|object|embed)\b[^>]*\s(?:src|href)="([^"]*)"[^>]*>/gi,
      )) {
        if (/^<link\b/i.test(m[0]) && /\srel="(canonical|alternate)"/.test(m[0])) continue; // names a URL, loads nothing
        assert.ok(m[1]!.startsWith('/') && !m[1]!.startsWith('//'), `${p}: loads ${m[1]}`);
      }
      assert.match(html, /<main id="main"/, `${p}: main landmark`);
      const ids = [...markup.matchAll(/\sid=""/g)].length;
      const unique = new Set([...html.matchAll(/\sid="([^"]*)"/g)].map((m) => m[1]));
      assert.equal(unique.size, ids, `${p}: duplicate ids`);
      assert.equal(html.match(/<h1[\s>]/g)?.length, 1, `${p}: one h1`);
    }
  });

  it('when a page loads a script, the script is published, and the verifying pages load the widget and the attestations page its checker', () => {
    const loaded = new Map<string, string[]>();
    for (const p of htmlFiles(out)) {
      const html = readFileSync(join(out, p), 'utf8');
      const srcs = [...html.matchAll(/<script\b[^>]*\ssrc="([^"]+)"/g)].map((m) => m[1]!);
      for (const src of srcs) assert.ok(existsSync(join(out, src)), `${p}: ${src} is not published`);
      loaded.set(p, srcs);
    }
    const widget = loaded.get('fleets/fleet-2026/index.html');
    assert.equal(widget?.length, 1);
    assert.match(widget[0]!, /^\/_astro\/fleet-verify\.[A-Za-z0-9_-]+\.js$/);
    const e = epochs(ev).at(-1)!;
    assert.deepEqual(loaded.get(`namespace/${e.n}/index.html`), widget);
    const checker = loaded.get('attestations/index.html');
    assert.equal(checker?.length, 1);
    assert.match(checker[0]!, /^\/_astro\/attestation-verify\.[A-Za-z0-9_-]+\.js$/);
    // The widget starts its worker from a published file, and the attestations page's checker starts the same one
    // (site/widget/start-worker.ts, in a chunk both entries import).
    const workerOf = (entry: string) => {
      const chunks = scriptRefs(readFileSync(join(out, entry), 'utf8')).imports.map(
        (r) => new URL(r, `http://x${entry}`).pathname,
      );
      for (const c of [entry, ...chunks]) {
        const w = scriptRefs(readFileSync(join(out, c), 'utf8')).urls.find((u) =>
          /^\/_astro\/worker-/.test(u),
        );
        if (w) return w;
      }
      return undefined;
    };
    const worker = workerOf(widget[0]!);
    assert.ok(worker && existsSync(join(out, worker)), 'the widget names its worker');
    assert.equal(workerOf(checker[0]!), worker, 'the checker starts the same worker');
  });

  it('when a page links within the site, the target exists, down to the fragment', () => {
    const ids = new Map<string, Set<string>>();
    const idsOf = (file: string) => {
      let s = ids.get(file);
      if (!s)
        ids.set(
          file,
          (s = new Set(
            [...readFileSync(file, 'utf8').matchAll(/\sid="([^"]+)"/g)].map((m) => decode(m[1]!)),
          )),
        );
      return s;
    };
    let checked = 0;
    for (const p of htmlFiles(out)) {
      const html = readFileSync(join(out, p), 'utf8');
      for (const m of html.matchAll(/\shref="([^"]*)"/g)) {
        const href = decode(m[1]!);
        if (!href.startsWith('/') && !href.startsWith('#')) continue;
        const [path, frag] = href.split('#') as [string, string | undefined];
        const file =
          path === ''
            ? join(out, p)
            : path.endsWith('/')
              ? join(out, decodeURIComponent(path), 'index.html')
              : join(out, decodeURIComponent(path));
        assert.ok(existsSync(file), `${p} links ${href}`);
        if (frag && file.endsWith('.html'))
          assert.ok(idsOf(file).has(decodeURIComponent(frag)), `${p} links ${href}: no such id`);
        checked++;
      }
    }
    assert.ok(checked > 1000, `${checked} links`);
  });

  it('when a post cites a key or an epoch, the link points at the key’s row with its true fingerprint in the title, or at the epoch', () => {
    const d = deployments(ev).find((x) => x.fleet_id === 'fleet-2021')!;
    const k = d.keys.find((x) => x.key_id === 'fleet-2021/backup-kem')!;
    const html = page('posts/hostile-front-matter');
    const fp = fingerprint(k.public_key);
    assert.ok(
      html.includes(
        `<a href="/fleets/fleet-2021/#key-fleet-2021/backup-kem" title="SHA-256 fingerprint of fleet-2021/backup-kem: ${fp}"`,
      ),
      'key citation',
    );
    assert.ok(html.includes(`<code>${fp.slice(0, 16)}…</code>`));
    assert.match(html, /<a href="\/namespace\/1\/"[^>]*class="cite cite-epoch">epoch 1<\/a>/);
  });

  it('when the feed and the sitemap are written, the feed has every post newest first and the sitemap every page', () => {
    const feed = readFileSync(join(out, 'feed.xml'), 'utf8');
    const n = readdirSync(posts).filter((f) => f.endsWith('.md')).length;
    const published = [...feed.matchAll(/<published>([^<]+)<\/published>/g)].map((m) => m[1]!);
    assert.equal(published.length, n);
    assert.deepEqual(published, [...published].sort().reverse());
    assert.ok(
      feed.startsWith(
        `<?xml version="1.0" encoding="utf-8"?>\n<feed xmlns="http://www.w3.org/2005/Atom" xml:base="${SITE}/">`,
      ),
    );
    const sitemap = readFileSync(join(out, 'sitemap.xml'), 'utf8');
    const locs = new Set([...sitemap.matchAll(/<loc>([^<]+)<\/loc>/g)].map((m) => m[1]!));
    for (const p of htmlFiles(out).filter((f) => f.endsWith('index.html'))) {
      assert.ok(locs.has(`${SITE}/${p.replace(/index\.html$/, '')}`), p);
    }
  });

  describe('fails closed', () => {
    const flipArtifactByte = (tree: string): void => {
      const e = epochs(tree)[2]!;
      const file = join(tree, 'namespaces', e.ns, String(e.n), 'artifact.json');
      const bytes = readFileSync(file);
      bytes[20] = bytes[20]! ^ 0x01;
      writeFileSync(file, bytes);
    };
    const tamperedCopy = (): string => {
      const t = join(tempDir('tampered'), 'evidence');
      cpSync(ev, t, { recursive: true });
      flipArtifactByte(t);
      return t;
    };

    it('when one byte of one artifact.json is flipped, the build exits non-zero with DIGEST_MISMATCH and the previous site is left as it was', () => {
      const bad = tamperedCopy();
      const prevOut = join(tempDir('prev'), 'dist');
      mkdirSync(prevOut);
      writeFileSync(join(prevOut, 'sentinel.txt'), 'previous site');
      const r = build(bad, posts, prevOut, tempDir('cache'));
      assert.notEqual(r.status, 0);
      assert.match(r.out, /DIGEST_MISMATCH/);
      assert.match(r.out, /NOT verified/);
      assert.deepEqual(readdirSync(prevOut), ['sentinel.txt']);
      const fresh = join(tempDir('fresh'), 'dist');
      assert.notEqual(build(bad, posts, fresh, tempDir('cache')).status, 0);
      assert.ok(!existsSync(fresh), 'no dist/ written');
    });

    it('when the evidence folder is missing, the build fails and writes nothing', () => {
      const o = join(tempDir('missing'), 'dist');
      const r = build(join(tempDir('nothing'), 'evidence'), posts, o, tempDir('cache'));
      assert.notEqual(r.status, 0);
      assert.match(r.out, /FILE_MISSING[\s\S]*no such folder/);
      assert.ok(!existsSync(o));
    });

    it('when the posts folder is empty or missing, the build fails and writes nothing', () => {
      const o = join(tempDir('noposts'), 'dist');
      const empty = build(ev, tempDir('empty-posts'), o, tempDir('cache'));
      assert.notEqual(empty.status, 0);
      assert.match(empty.out, /holds no \.md file/);
      const missing = build(ev, join(tempDir('x'), 'posts'), o, tempDir('cache'));
      assert.notEqual(missing.status, 0);
      assert.match(missing.out, /does not exist/);
      assert.ok(!existsSync(o));
    });

    it('when a post cites a key that does not exist, the build fails naming the post’s file and line', () => {
      const p = tempDir('bad-posts');
      cpSync(join(posts, 'hostile-front-matter.md'), join(p, 'ok.md'));
      writeFileSync(
        join(p, 'bad-citation.md'),
        '---\ntitle: Bad\ndescription: Cites a key that is not there.\ndate: 2024-01-01\n---\n\nFine.\n\nSee :key[fleet-2021/no-such-key].\n',
      );
      const o = join(tempDir('badcite'), 'dist');
      const r = build(ev, p, o, tempDir('cache'));
      assert.notEqual(r.status, 0);
      assert.match(
        r.out,
        /bad-citation\.md:9:5: :key\[fleet-2021\/no-such-key\] cites a key that no fleet deployment in the evidence declares/,
      );
      assert.ok(!existsSync(o));
    });

    it('when npm run build starts Astro ahead (scripts/build.mjs), it publishes byte for byte what scripts/build.ts alone publishes, and fails as it does', () => {
      const o = join(tempDir('launched'), 'dist');
      const r = launch(['--evidence', ev, '--posts', posts, '--out', o], tempDir('cache'));
      assert.equal(r.status, 0, r.out);
      assertSameFiles(o, out);

      const bad = join(tempDir('launched-bad'), 'dist');
      const tampered = launch(
        ['--evidence', tamperedCopy(), '--posts', posts, '--out', bad],
        tempDir('cache'),
      );
      assert.notEqual(tampered.status, 0);
      assert.match(tampered.out, /DIGEST_MISMATCH/);
      assert.ok(!existsSync(bad), 'no dist/ written');
      const left = (pid: number) =>
        existsSync(join(ROOT, 'node_modules', '.cache', `fleetproof-build-${pid}`));
      assert.ok(!left(tampered.pid), 'no staging folder left');

      const usage = launch(['--site', 'ftp://example.org', '--out', bad], tempDir('cache'));
      assert.equal(usage.status, 2, usage.out);
      assert.match(usage.out, /FLEETPROOF_SITE must be an http\(s\) URL/);
      assert.ok(!left(usage.pid), 'the thread started ahead left no staging folder');
    });

    it('when npm run build runs without its bundles (FLEETPROOF_NO_BUNDLE: its TypeScript through tsx, the Astro configuration through Vite’s loader), it publishes byte for byte the same', () => {
      const o = join(tempDir('unbundled'), 'dist');
      const r = runBuild(
        ['--evidence', ev, '--posts', posts, '--out', o],
        env({ FLEETPROOF_CACHE_DIR: tempDir('cache'), FLEETPROOF_NO_BUNDLE: '1' }),
      );
      assert.equal(r.status, 0, r.out);
      assertSameFiles(o, out);
    });

    it('when astro build runs without the pre-check on good evidence, it bundles the browser scripts itself and publishes what npm run build publishes', () => {
      // Inside the project: for an outDir outside it, Astro 5 moves its .astro/ folder into the output.
      const o = join(ROOT, 'node_modules', '.cache', `fleetproof-test-direct-${process.pid}`);
      rmSync(o, { recursive: true, force: true });
      after(() => rmSync(o, { recursive: true, force: true }));
      const r = astroBuild(ev, posts, o, tempDir('cache'));
      assert.equal(r.status, 0, r.out);
      assert.match(r.out, /browser scripts: \d+ files, bundled/);
      // _headers is written by scripts/build.ts after Astro.
      assertSameFiles(o, out, ['_headers']);
    });

    it('when astro build runs without the pre-check, the evidence loader itself stops it on tampered or missing evidence', () => {
      const o = join(tempDir('direct'), 'dist');
      const r = astroBuild(tamperedCopy(), posts, o, tempDir('cache'));
      assert.notEqual(r.status, 0);
      assert.match(r.out, /DIGEST_MISMATCH/);
      assert.ok(!existsSync(join(o, 'index.html')));
      const m = astroBuild(join(tempDir('nothing'), 'evidence'), posts, o, tempDir('cache'));
      assert.notEqual(m.status, 0);
      assert.match(m.out, /no such folder/);
      assert.ok(!existsSync(join(o, 'index.html')));
    });

    it('when astro build runs without the pre-check, the posts loader itself stops it on an empty posts folder', () => {
      const o = join(tempDir('direct-posts'), 'dist');
      const r = astroBuild(ev, tempDir('empty-posts'), o, tempDir('cache'));
      assert.notEqual(r.status, 0);
      assert.match(r.out, /holds no \.md file/);
      assert.ok(!existsSync(join(o, 'index.html')));
    });

    it('when the trust roots change after a good build, a rebuild on the same Astro cache verifies again and fails', () => {
      const t = join(tempDir('roots'), 'evidence');
      cpSync(ev, t, { recursive: true });
      const file = join(t, 'trust-roots.json');
      const roots = JSON.parse(readFileSync(file, 'utf8')) as {
        keys: { role: string; public_key: string }[];
      };
      const auditor = roots.keys.find((k) => k.role === 'auditor')!;
      // Another valid Ed25519 point (the operator's 2021 key, if Ed25519) or a flipped one: either way no auditor signature verifies.
      auditor.public_key =
        auditor.public_key.slice(0, -2) + (auditor.public_key.endsWith('00') ? '01' : '00');
      writeFileSync(file, JSON.stringify(roots, null, 2));
      const o = join(tempDir('roots-out'), 'dist');
      const r = astroBuild(t, posts, o, cache);
      assert.notEqual(r.status, 0);
      assert.match(r.out, /AUDITOR_SIGNATURE_INVALID|KEY_INVALID|KEY_ID_MISMATCH/);
      assert.ok(!existsSync(join(o, 'index.html')));
    });
  });
});
