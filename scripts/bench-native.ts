/**
 * The baseline of `verify_vs_native` (scripts/bench.ts): what verifying an evidence tree costs in node:crypto
 * (OpenSSL) alone, single-threaded. Usage: node --import tsx scripts/bench-native.ts DIR
 *
 * Preparation, not timed: the core verifies DIR once with a recording provider (node:crypto underneath), which
 * notes every signature check it asks for (distinct key, signature and message, as the core's memo asks each once).
 * Timed: read every file of DIR, SHA-256 each with node:crypto, verify every recorded signature with node:crypto
 * (a KeyObject per key, made from JWK, as the provider keeps). Prints one JSON line: {ms, files, signatures, ok}.
 */
import { createPublicKey, hash, verify, type KeyObject } from 'node:crypto';
import { type CryptoProvider, setCryptoProvider } from '../verify/crypto/provider.ts';
import { verifyEvidence } from '../verify/tree.ts';
import { nodeCryptoProvider } from './lib/node-crypto.ts';
import { readTree } from './lib/read-tree.ts';

type Sig =
  | { kind: 'ed25519'; pk: Uint8Array; msg: Uint8Array; sig: Uint8Array }
  | { kind: 'ecdsa'; curve: 'p256' | 'p384'; hash: string; pk: Uint8Array; msg: Uint8Array; sig: Uint8Array }
  | { kind: 'rsa'; n: Uint8Array; e: Uint8Array; hash: string; msg: Uint8Array; sig: Uint8Array };

const dir = process.argv[2];
if (!dir) {
  console.error('usage: bench-native.ts DIR');
  process.exit(2);
}

// Preparation (not timed): the signature inputs, extracted by the core's own parsers.
const sigs: Sig[] = [];
const recorder: CryptoProvider = {
  ...nodeCryptoProvider,
  name: 'recorder',
  ed25519(sig, msg, pk) {
    sigs.push({ kind: 'ed25519', pk, msg, sig });
    return nodeCryptoProvider.ed25519(sig, msg, pk);
  },
  ecdsa(curve, hash, pk, msg, rs) {
    sigs.push({ kind: 'ecdsa', curve, hash, pk, msg, sig: rs });
    return nodeCryptoProvider.ecdsa(curve, hash, pk, msg, rs);
  },
  rsaPkcs1v15(key, hash, msg, sig) {
    sigs.push({ kind: 'rsa', n: key.n, e: key.e, hash, msg, sig });
    return nodeCryptoProvider.rsaPkcs1v15(key, hash, msg, sig);
  },
};
setCryptoProvider(recorder);
const report = verifyEvidence(readTree(dir));

// Timed: read, hash, verify.
const t0 = performance.now();
const files = readTree(dir);
let acc = 0;
for (const bytes of files.values()) acc ^= hash('sha256', bytes, 'buffer')[0]!;
const b64url = (b: Uint8Array) => Buffer.from(b.buffer, b.byteOffset, b.length).toString('base64url');
const keys = new Map<string, KeyObject>();
const keyOf = (id: string, make: () => KeyObject) => {
  let k = keys.get(id);
  if (!k) keys.set(id, (k = make()));
  return k;
};
let ok = 0;
for (const s of sigs) {
  let v: boolean;
  if (s.kind === 'ed25519') {
    const x = b64url(s.pk);
    const k = keyOf(`e${x}`, () =>
      createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x }, format: 'jwk' }),
    );
    v = verify(null, s.msg, k, s.sig);
  } else if (s.kind === 'ecdsa') {
    const curve = s.curve;
    const pk = s.pk;
    const k = keyOf(`${curve}${b64url(pk)}`, () =>
      pk.length === 65 || pk.length === 97
        ? createPublicKey({
            key: {
              kty: 'EC',
              crv: curve === 'p256' ? 'P-256' : 'P-384',
              x: b64url(pk.subarray(1, 1 + (pk.length >> 1))),
              y: b64url(pk.subarray(1 + (pk.length >> 1))),
            },
            format: 'jwk',
          })
        : nodeKeyFromCompressed(curve, pk),
    );
    v = verify(s.hash, s.msg, { key: k, dsaEncoding: 'ieee-p1363' }, s.sig);
  } else {
    const k = keyOf(`r${b64url(s.n)}`, () =>
      createPublicKey({ key: { kty: 'RSA', n: b64url(s.n), e: b64url(s.e) }, format: 'jwk' }),
    );
    v = verify(s.hash, s.msg, k, s.sig);
  }
  if (v) ok++;
}
const ms = performance.now() - t0;
console.log(
  JSON.stringify({ ms, files: files.size, signatures: sigs.length, valid: ok, ok: report.ok, acc: acc & 0 }),
);

function nodeKeyFromCompressed(curve: 'p256' | 'p384', pk: Uint8Array): KeyObject {
  const prefix =
    curve === 'p256'
      ? '3039301306072a8648ce3d020106082a8648ce3d030107032200'
      : '3046301006072a8648ce3d020106052b81040022033200';
  return createPublicKey({
    key: Buffer.concat([Buffer.from(prefix, 'hex'), pk]),
    format: 'der',
    type: 'spki',
  });
}
