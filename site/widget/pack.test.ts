/**
 * A page's pack (./pack.ts): the format, the packs a build writes, and the checklist fed from a pack, good or
 * tampered, without a browser (tests/e2e/widget.test.ts drives the real thing).
 */
import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { concatBytes, utf8 } from '../../verify/encoding.ts';
import { buildIndex } from '../lib/verified.ts';
import { evidenceCopy, readFiles } from '../testing/fixtures.ts';
import {
  EvidenceSet,
  PREFETCH_MAX_BYTES,
  filesFor,
  fromPack,
  parseIndex,
  type Fetcher,
  type IndexEntry,
} from './files.ts';
import { pack, packUrl, unpack } from './pack.ts';
import { packFiles, packPlan } from './pack-files.ts';
import { verifyTarget } from './plan.ts';
import type { Step, Target } from './protocol.ts';

const NS = 'meta.encrypted_backups.fleet_keys.v1';

describe('a page’s pack', () => {
  it('when files are packed, the pack is one line of JSON naming each file and its size, then their bytes in order, and unpacks to the same bytes', () => {
    const files: [string, Uint8Array][] = [
      ['trust-roots.json', utf8('{"a":1}\n')],
      ['fleets/f/deployment.json', utf8('')],
      ['fleets/f/attestations/h.json', new Uint8Array([0, 10, 255, 10])],
    ];
    const p = pack(files);
    const nl = p.indexOf(10);
    assert.deepEqual(JSON.parse(new TextDecoder().decode(p.subarray(0, nl))), {
      'fleetproof-pack': 1,
      files: files.map(([path, b]) => ({ path, size: b.length })),
    });
    assert.deepEqual(p.subarray(nl + 1), concatBytes(...files.map(([, b]) => b)));
    assert.deepEqual([...unpack(p)!], files);
  });

  it('when the bytes are not exactly a pack, unpack refuses them (the widget then fetches the files one by one)', () => {
    const head = (files: unknown, version: unknown = 1) =>
      utf8(`${JSON.stringify({ 'fleetproof-pack': version, files })}\n`);
    const good = concatBytes(head([{ path: 'a', size: 2 }]), utf8('xy'));
    assert.ok(unpack(good));
    assert.deepEqual(unpack(head([])), new Map(), 'a pack of no files');
    const bad: [string, Uint8Array][] = [
      ['empty', new Uint8Array(0)],
      ['no header line', utf8('{"fleetproof-pack":1,"files":[]}')],
      ['not JSON', utf8('PK\u0003\u0004\nxy')],
      ['not UTF-8', concatBytes(new Uint8Array([0xff]), utf8('\nxy'))],
      ['another version', concatBytes(head([{ path: 'a', size: 2 }], 2), utf8('xy'))],
      ['files not a list', concatBytes(head({ a: 2 }), utf8('xy'))],
      ['a size that is not a whole number', concatBytes(head([{ path: 'a', size: 1.5 }]), utf8('xy'))],
      ['a negative size', concatBytes(head([{ path: 'a', size: -1 }]), utf8('xy'))],
      ['a size as text', concatBytes(head([{ path: 'a', size: '2' }]), utf8('xy'))],
      ['a path that is not text', concatBytes(head([{ path: 1, size: 2 }]), utf8('xy'))],
      [
        'a path twice',
        concatBytes(
          head([
            { path: 'a', size: 1 },
            { path: 'a', size: 1 },
          ]),
          utf8('xy'),
        ),
      ],
      ['shorter than its sizes', concatBytes(head([{ path: 'a', size: 3 }]), utf8('xy'))],
      ['longer than its sizes', concatBytes(head([{ path: 'a', size: 1 }]), utf8('xy'))],
      ['truncated by a byte', good.subarray(0, good.length - 1)],
    ];
    for (const [what, b] of bad) assert.equal(unpack(b), undefined, what);
  });

  it('when the URL of a page’s pack is asked, a fleet has its own and every epoch page of a namespace shares the namespace’s', () => {
    assert.equal(packUrl({ kind: 'fleet', fleetId: 'fleet-2024' }), '/packs/fleets/fleet-2024.pack');
    assert.equal(packUrl({ kind: 'epoch', namespace: NS, epoch: 7 }), `/packs/namespaces/${NS}.pack`);
    assert.equal(packUrl({ kind: 'fleet', fleetId: 'a/b?' }), '/packs/fleets/a%2Fb%3F.pack');
  });

  describe('of the demo evidence', () => {
    let files: Map<string, Uint8Array>;
    let indexJson: string;
    let packs: Map<string, Uint8Array>;
    before(async () => {
      files = new Map([...readFiles(await evidenceCopy())].map(([k, v]) => [k, new Uint8Array(v)]));
      indexJson = buildIndex(files).indexJson;
      packs = new Map(packFiles(parseIndex(utf8(indexJson)), files));
    });
    const targets = (): Target[] => [
      ...[...files.keys()].flatMap((p) => {
        const m = /^fleets\/([^/]+)\/deployment\.json$/.exec(p);
        return m ? [{ kind: 'fleet' as const, fleetId: m[1]! }] : [];
      }),
      { kind: 'epoch', namespace: NS, epoch: 3 },
    ];
    /** The site: raw files and packs (by URL); records what was fetched. */
    function site(raw = files, served = packs) {
      const fetched: string[] = [];
      const fetchFile: Fetcher = async (path) => {
        fetched.push(path);
        return path === 'index.json' ? utf8(indexJson) : raw.get(path);
      };
      const getPack = async (t: Target) => {
        const b = served.get(packUrl(t).slice('/packs/'.length));
        fetched.push(packUrl(t));
        return b && unpack(b);
      };
      return { fetchFile, getPack, fetched };
    }
    async function run(t: Target, s: ReturnType<typeof site>) {
      const steps: Step[] = [];
      const outcome = await verifyTarget(t, fromPack(s.getPack(t), s.fetchFile), (step) => steps.push(step));
      return { outcome, steps };
    }

    it('when the build packs the tree, there is one pack per fleet and per namespace, and each holds exactly the files its pages verify, byte for byte, in the index’s order', () => {
      const index = parseIndex(utf8(indexJson));
      assert.deepEqual(
        [...packs.keys()].sort(),
        targets()
          .map((t) => packUrl(t).slice('/packs/'.length))
          .sort(),
      );
      for (const t of targets()) {
        const got = unpack(packs.get(packUrl(t).slice('/packs/'.length))!)!;
        assert.deepEqual([...got.keys()], filesFor(index, t), packUrl(t));
        for (const [p, b] of got) assert.deepEqual(b, files.get(p), p);
      }
    });

    it('when a page’s files add up to 4 MiB or more, the build writes no pack for it (the widget would not read one), and the other packs as before', () => {
      const big = new Map(files);
      const f = targets()[0] as { fleetId: string };
      big.set(`fleets/${f.fleetId}/attestations/zz-big.json`, new Uint8Array(4 * 1024 * 1024).fill(0x20));
      const written = new Map(packFiles(parseIndex(utf8(buildIndex(big).indexJson)), big));
      assert.equal(written.has(`fleets/${f.fleetId}.pack`), false);
      assert.deepEqual(
        [...written.keys()].sort(),
        [...packs.keys()].filter((k) => k !== `fleets/${f.fleetId}.pack`).sort(),
      );
    });

    it('when every page is verified from its pack, each passes, and only the index and the pack were fetched', async () => {
      for (const t of targets()) {
        const s = site();
        const { outcome } = await run(t, s);
        assert.equal(outcome.ok, true, `${packUrl(t)}: ${outcome.code} ${outcome.message}`);
        assert.deepEqual(s.fetched.sort(), [packUrl(t), 'index.json'].sort());
      }
    });

    it('when one byte of a file changes in the pack only, the page fails with the core’s code and the index disagrees, as for the file fetched alone', async () => {
      const t: Target = { kind: 'epoch', namespace: NS, epoch: 4 };
      const path = `namespaces/${NS}/4/artifact.json`;
      const text = new TextDecoder().decode(files.get(path)!);
      const i = text.indexOf('"public_key": "') + 20;
      const changed = new Map(files);
      changed.set(path, utf8(text.slice(0, i) + (text[i] === 'a' ? 'b' : 'a') + text.slice(i + 1)));
      const tamperedPack = new Map(packs);
      const name = packUrl(t).slice('/packs/'.length);
      tamperedPack.set(name, pack(filesFor(parseIndex(utf8(indexJson)), t).map((p) => [p, changed.get(p)!])));
      const { outcome, steps } = await run(t, site(files, tamperedPack));
      assert.equal(outcome.code, 'DIGEST_MISMATCH');
      const index = steps.find((s) => s.id === 'widget.index')!;
      assert.deepEqual(
        index.errors.map((e) => [e.code, e.file]),
        [['INDEX_MISMATCH', path]],
      );
      // The same verdict as the tampered file fetched on its own (no pack).
      const alone = await run(t, site(changed, new Map()));
      assert.deepEqual(alone.outcome.code, outcome.code);
      assert.deepEqual(alone.outcome.failed, outcome.failed);
    });

    it('when the pack is absent, not a pack, or lacks a file, the files it cannot give are fetched one by one and the page verifies', async () => {
      const t = targets()[0]!;
      const name = packUrl(t).slice('/packs/'.length);
      const paths = filesFor(parseIndex(utf8(indexJson)), t);
      const good = packs.get(name)!;
      const lacking = pack(paths.slice(1).map((p) => [p, files.get(p)!]));
      for (const [what, served, raw] of [
        ['absent', new Map<string, Uint8Array>(), paths],
        ['truncated', new Map([[name, good.subarray(0, good.length - 1)]]), paths],
        ['without its first file', new Map([[name, lacking]]), paths.slice(0, 1)],
      ] as const) {
        const s = site(files, served);
        const { outcome } = await run(t, s);
        assert.equal(outcome.ok, true, what);
        assert.deepEqual(
          s.fetched.filter((p) => p !== 'index.json' && p !== packUrl(t)).sort(),
          [...raw].sort(),
          what,
        );
      }
    });

    it('when a prefetch reads the pack, it asks for at most the prefetch limit and a header’s room, takes the files from it, and aborts it when the index lists more than the limit', async () => {
      const t = targets()[0]!;
      const s = site();
      let asked: { max: number; signal: AbortSignal | undefined } | undefined;
      const set = new EvidenceSet(
        t,
        (p) => s.fetchFile(p),
        (tt, max, signal) => {
          asked = { max, signal };
          return s.getPack(tt);
        },
      );
      const got = await Promise.all((await set.files).values());
      assert.ok(asked && asked.max <= PREFETCH_MAX_BYTES + 64 * 1024 && asked.max > PREFETCH_MAX_BYTES);
      assert.ok(got.every((r) => 'bytes' in r));
      assert.deepEqual(s.fetched.sort(), [packUrl(t), 'index.json'].sort());
      // An index that lists more than the limit for the page: the prefetch stops, the pack's fetch is aborted.
      const big = JSON.stringify({
        files: parseIndex(utf8(indexJson)).map((f) => ({ ...f, size: PREFETCH_MAX_BYTES })),
      });
      let signal: AbortSignal | undefined;
      const stopped = new EvidenceSet(
        t,
        async (p) => (p === 'index.json' ? utf8(big) : files.get(p)),
        (_t, _max, sig) => {
          signal = sig;
          return new Promise(() => undefined);
        },
      );
      assert.deepEqual([...(await stopped.files)], []);
      assert.equal(stopped.stopped, true);
      assert.equal(signal?.aborted, true);
    });
  });
});

describe('the packs’ plan', () => {
  it('when planned in one pass, each pack lists exactly what filesFor lists for its target, in order', async () => {
    const { generateEvidence } = await import('../../demo/generate.ts');
    const index = JSON.parse(buildIndex(generateEvidence({ scale: 2 })).indexJson).files as IndexEntry[];
    const plan = packPlan(index);
    assert.ok(plan.length > 4);
    for (const [path, members] of plan) {
      const [, kind, name] = /^(fleets|namespaces)\/(.+)\.pack$/.exec(path)!;
      const t: Target =
        kind === 'fleets' ? { kind: 'fleet', fleetId: name! } : { kind: 'epoch', namespace: name!, epoch: 0 };
      assert.deepEqual(members, filesFor(index, t), path);
    }
  });
});
