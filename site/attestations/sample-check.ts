/**
 * The widget's worker (site/widget/worker.ts) checking a vendor attestation sample for the /attestations/ page's
 * <attestation-verify> element: a chunk of its own, loaded on the first `check-sample` job. It runs ./samples.ts
 * verifySample, the code the page ran at build time, on the bytes the page fetched, as the worker runs every
 * verification (site/widget/prefetch.ts runVerdict): signatures answered by WebCrypto where it can, else by noble,
 * the vendor adapters and noble loaded when a run asks for them, and a verdict kept only from a run that had
 * everything it asked for.
 */
import { runVerdict } from '../widget/prefetch.ts';
import type { CheckSample } from '../widget/protocol.ts';
import { SAMPLES, verifySample, type SampleOutcome } from './samples.ts';

export async function checkSample(m: CheckSample): Promise<SampleOutcome> {
  const sample = SAMPLES.find((s) => s.id === m.sample);
  if (!sample)
    return {
      ok: false,
      code: 'WIDGET_ERROR',
      message: `no sample ${JSON.stringify(m.sample)}`,
      claim: undefined,
    };
  try {
    return await runVerdict(
      () => verifySample(sample, m.attestation, m.certificates),
      globalThis.crypto?.subtle,
    );
  } catch (e) {
    return {
      ok: false,
      code: 'WIDGET_ERROR',
      message: `the verifier stopped: ${(e as Error).message}`,
      claim: undefined,
    };
  }
}
