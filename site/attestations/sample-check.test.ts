/**
 * The attestations page's checker (checkSample: the widget's worker verifying a real vendor sample, WebCrypto
 * answering its ECDSA and RSA questions, noble what WebCrypto cannot) against the reference (noble alone), on every
 * sample the site serves and on copies with one byte changed: the same outcome, code and claim each time. Node's
 * WebCrypto stands in for the browser's here; site/attestations/attestations.e2e.test.ts runs the real one.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { withCryptoProvider } from '../../verify/crypto/provider.ts';
import { referenceProvider } from '../../verify/crypto/reference.ts';
import { checkSample } from './sample-check.ts';
import { SAMPLES, type Sample } from './sample-list.ts';
import { verifySample } from './samples.ts';

const served = (p: string) =>
  new Uint8Array(readFileSync(new URL(`../public/samples/hsm/${p}`, import.meta.url)));

// The checker asks the global WebCrypto (globalThis.crypto.subtle, Node's here): its verify calls are counted, so
// that the tests prove WebCrypto's path ran, not only noble's.
let verifyCalls = 0;
const subtle = globalThis.crypto.subtle;
const verify = subtle.verify.bind(subtle);
subtle.verify = (...args: Parameters<SubtleCrypto['verify']>) => {
  verifyCalls++;
  return verify(...args);
};

/** The reference's outcome and the checker's, which must be equal; with how many signatures WebCrypto checked. */
async function both(sample: Sample, attestation: Uint8Array, certificates: Uint8Array | undefined) {
  const reference = withCryptoProvider(referenceProvider, () =>
    verifySample(sample, attestation, certificates),
  );
  const before = verifyCalls;
  const checked = await checkSample({
    type: 'check-sample',
    job: 1,
    sample: sample.id,
    attestation,
    certificates,
  });
  return { reference, checked, webcrypto: verifyCalls - before };
}

test('when each served vendor sample is checked, the checker’s outcome is the reference’s, with WebCrypto answering its signatures', async () => {
  const verdicts: Record<string, string> = {};
  for (const sample of SAMPLES) {
    const attestation = served(sample.attestation);
    const certificates = sample.certificates ? served(sample.certificates) : undefined;
    const { reference, checked, webcrypto } = await both(sample, attestation, certificates);
    assert.deepEqual(checked, reference, sample.id);
    assert.ok(webcrypto > 0, `${sample.id}: WebCrypto answered ${webcrypto} questions`);
    verdicts[sample.id] = reference.ok ? 'ok' : reference.code!;
  }
  // What the page shows (site/attestations/attestations.e2e.test.ts): so the comparison above is not of two failures.
  assert.deepEqual(verdicts, { 'marvell-ec': 'ok', 'aws-nitro': 'ok', yubihsm2: 'CHAIN_INCOMPLETE' });
});

test('when one byte of a served sample changes, the checker’s outcome is still the reference’s', async () => {
  let failed = 0;
  let cases = 0;
  for (const sample of SAMPLES) {
    const original = served(sample.attestation);
    const certificates = sample.certificates ? served(sample.certificates) : undefined;
    // Twelve positions spread over the file, the last byte included (a signature's, in most formats).
    const at = Array.from({ length: 12 }, (_, i) => Math.floor(((original.length - 1) * i) / 11));
    for (const i of at) {
      const attestation = original.slice();
      attestation[i]! ^= sample.encoding === 'raw' ? 0x01 : 0x02; // base64 and PEM text: stays a printable character
      const { reference, checked } = await both(sample, attestation, certificates);
      assert.deepEqual(checked, reference, `${sample.id}, byte ${i}`);
      cases++;
      if (!reference.ok) failed++;
    }
  }
  assert.equal(cases, 12 * SAMPLES.length);
  assert.ok(failed > cases / 2, `${failed} of ${cases} changed samples fail`);
});
