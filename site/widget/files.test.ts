/**
 * The prefetch's bounds without a browser (tests/e2e/widget.test.ts drives the real thing): EvidenceSet over a fake
 * site whose index may lie about the sizes.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { TRUST_ROOTS_FILE } from '../../verify/trust.ts';
import {
  EvidenceSet,
  PREFETCH_MAX_AGE_MS,
  PREFETCH_MAX_BYTES,
  TRUST_ROOTS,
  type FileResult,
} from './files.ts';

const FLEET = { kind: 'fleet', fleetId: 'f' } as const;

/** A site of `files` (path → size served) whose index lists `listed` sizes; records what was fetched and aborted. */
function fakeSite(files: Record<string, number>, listed: Record<string, number> = files) {
  const fetched: string[] = [];
  const aborted: string[] = [];
  const index = JSON.stringify({
    files: Object.entries(listed).map(([path, size]) => ({ path, sha256: '00', size })),
  });
  const fetchFile = async (path: string, signal: AbortSignal) => {
    fetched.push(path);
    if (path === 'index.json') return new TextEncoder().encode(index);
    await new Promise((r) => setTimeout(r, 5));
    if (signal.aborted) {
      aborted.push(path);
      throw new Error('aborted');
    }
    const n = files[path];
    return n === undefined ? undefined : new Uint8Array(n).fill(0x20);
  };
  return { fetchFile, fetched, aborted };
}

async function all(set: EvidenceSet): Promise<FileResult[]> {
  return Promise.all((await set.files).values());
}

describe('fetching a page’s files ahead of the click', () => {
  it('uses the trust roots’ file name of the core', () => {
    assert.equal(TRUST_ROOTS, TRUST_ROOTS_FILE);
  });

  it('when the files are under the limit, fetches the index and each listed file of the page once, and a click takes them once', async () => {
    const site = fakeSite({
      [TRUST_ROOTS]: 100,
      'fleets/f/deployment.json': 200,
      'fleets/g/deployment.json': 300,
    });
    const set = new EvidenceSet(FLEET, site.fetchFile);
    const got = await all(set);
    assert.deepEqual(site.fetched.sort(), ['fleets/f/deployment.json', 'index.json', TRUST_ROOTS].sort());
    assert.deepEqual(
      got.map((r) => [r.path, 'bytes' in r ? r.bytes.length : r]),
      [
        [TRUST_ROOTS, 100],
        ['fleets/f/deployment.json', 200],
      ],
    );
    assert.equal(set.stopped, false);
    assert.equal(set.claim(), true);
    assert.equal(set.claim(), false, 'once');
  });

  it('when the index lists more than the limit for the page, fetches none of the files and no click takes the set', async () => {
    const site = fakeSite({ [TRUST_ROOTS]: 100, 'fleets/f/a.json': PREFETCH_MAX_BYTES });
    const set = new EvidenceSet(FLEET, site.fetchFile);
    assert.deepEqual(await all(set), []);
    assert.deepEqual(site.fetched, ['index.json']);
    assert.equal(set.stopped, true);
    assert.equal(set.claim(), false);
  });

  it('when the index understates the sizes, stops (aborting what is still coming) once the bytes read pass the limit', async () => {
    const files: Record<string, number> = { [TRUST_ROOTS]: 100 };
    for (let i = 0; i < 40; i++) files[`fleets/f/attestations/${i}.json`] = 32 * 1024;
    const listed = Object.fromEntries(Object.keys(files).map((p) => [p, 10]));
    const site = fakeSite(files, listed);
    const set = new EvidenceSet(FLEET, site.fetchFile);
    const got = await all(set);
    assert.equal(set.stopped, true);
    assert.ok(site.aborted.length > 0, 'the rest was aborted');
    const read = got.reduce((n, r) => n + ('bytes' in r ? r.bytes.length : 0), 0);
    assert.ok(read <= PREFETCH_MAX_BYTES + 32 * 1024 * 6, `read ${read}`);
    assert.equal(set.claim(), false);
  });

  it('when a click comes after the set’s freshness, does not let it take the set', async () => {
    const site = fakeSite({ [TRUST_ROOTS]: 1 });
    const set = new EvidenceSet(FLEET, site.fetchFile);
    await all(set);
    assert.equal(set.claim(set.startedAt + PREFETCH_MAX_AGE_MS + 1), false);
    assert.equal(set.claim(set.startedAt + PREFETCH_MAX_AGE_MS), true);
  });

  it('when a click has taken the set, no longer applies the limit (the click wants every file)', async () => {
    const files: Record<string, number> = { [TRUST_ROOTS]: 100 };
    for (let i = 0; i < 40; i++) files[`fleets/f/attestations/${i}.json`] = 32 * 1024;
    const site = fakeSite(files, Object.fromEntries(Object.keys(files).map((p) => [p, 10])));
    const set = new EvidenceSet(FLEET, site.fetchFile);
    assert.equal(set.claim(), true);
    const got = await all(set);
    assert.equal(set.stopped, false);
    assert.equal(site.aborted.length, 0);
    assert.ok(got.every((r) => 'bytes' in r));
  });
});
