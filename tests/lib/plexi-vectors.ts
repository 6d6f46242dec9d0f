/**
 * The Plexi test vectors: real auditor signatures over SignatureMessages of both ciphersuites, from
 * cloudflare/plexi plexi_core/tests/test-vectors.json at 0108f7d2 (provenance: tests/data/vectors/README.md). For the
 * tests that run them through each crypto path (verify/plexi, the CLI's node:crypto, the widget's WebCrypto).
 */
import { readFileSync } from 'node:fs';
import { fromHex } from '../../verify/encoding.ts';
import { encodeSignatureMessage } from '../../verify/plexi/message.ts';

export interface PlexiVector {
  verifying_key: string;
  key_id: number;
  namespace: string;
  timestamp: number;
  epoch: number;
  digest: string;
  signature: string;
  ciphersuite: number;
}

export const PLEXI_VECTORS = JSON.parse(
  readFileSync(new URL('../data/vectors/plexi/test-vectors.json', import.meta.url), 'utf8'),
) as PlexiVector[];

/** The bytes the auditor signed for `v`: its SignatureMessage in `v`'s ciphersuite. */
export function signedMessage(v: PlexiVector): Uint8Array {
  const msg = encodeSignatureMessage({
    ciphersuite: v.ciphersuite,
    namespace: v.namespace,
    timestamp: v.timestamp,
    epoch: v.epoch,
    digest: fromHex(v.digest),
  });
  if (!msg) throw new Error(`no SignatureMessage for ciphersuite ${v.ciphersuite}`);
  return msg;
}
