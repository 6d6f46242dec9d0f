/**
 * A fleet as large as real ones get: its deployment record's DSSE payload is longer than any other JSON string may
 * be (docs/evidence-format.md §2 exempts it), and the whole tree still verifies.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createContext } from '../demo/context.ts';
import { buildFiles } from '../demo/generate.ts';
import { targetFleet } from '../demo/tamper-kit.ts';
import { fromUtf8 } from '../verify/encoding.ts';
import { LIMITS } from '../verify/limits.ts';
import { verifyEvidence } from '../verify/index.ts';

test('when a fleet has 240 members, its deployment payload passes the string limit and the tree verifies', () => {
  const ctx = createContext({ seed: 'fleetproof-demo-v1' });
  const fleet = targetFleet(ctx);
  const last = fleet.members[fleet.members.length - 1]!;
  for (let i = 1; fleet.members.length < 240; i++) {
    fleet.members.push({ ...last, hsmId: `${fleet.fleetId}-big-${i}`, serial: `${last.serial}-${i}` });
  }
  fleet.threshold = Math.floor(fleet.members.length / 2) + 1;
  const files = buildFiles(ctx);
  const envelope = JSON.parse(fromUtf8(files.get(`fleets/${fleet.fleetId}/deployment.json`)!)) as {
    payload: string;
  };
  assert.ok(
    envelope.payload.length > LIMITS.maxStringLength,
    `the payload (${envelope.payload.length} characters) is over the string limit`,
  );
  const r = verifyEvidence(files);
  assert.deepEqual(r.errors, []);
  assert.equal(r.ok, true);
  assert.equal(r.model.fleets.find((f) => f.fleetId === fleet.fleetId)?.members.length, 240);
});
