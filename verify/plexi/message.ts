/**
 * The bytes a Plexi auditor signs: a `SignatureMessage` {ciphersuite, namespace, timestamp, epoch, digest}.
 * Source: cloudflare/plexi `plexi_core/src/lib.rs` and `plexi_core/src/proto/specs/types.proto`.
 *
 * - 0x0001 (`ED25519_PROTOBUF`): proto2 wire format, fields in number order, all present:
 *   1 varint ciphersuite, 2 string namespace, 3 varint timestamp, 4 message Epoch {1 varint}, 5 bytes digest.
 * - 0x0002 (`ED25519_BINCODE`, legacy): bincode 1 legacy config, little-endian fixed-width integers:
 *   u32 ciphersuite, u64 length + namespace UTF-8, u64 timestamp, u64 epoch, u64 length + digest.
 */
import { concatBytes, utf8 } from '../encoding.ts';

export const CIPHERSUITE_PROTOBUF = 0x0001;
export const CIPHERSUITE_BINCODE = 0x0002;

export interface SignatureMessage {
  ciphersuite: number;
  namespace: string;
  /** Milliseconds since the Unix epoch. */
  timestamp: number;
  epoch: number;
  digest: Uint8Array;
}

function varint(n: bigint): Uint8Array {
  const out: number[] = [];
  do {
    let b = Number(n & 0x7fn);
    n >>= 7n;
    if (n > 0n) b |= 0x80;
    out.push(b);
  } while (n > 0n);
  return Uint8Array.from(out);
}

function lengthDelimited(field: number, body: Uint8Array): Uint8Array {
  return concatBytes(Uint8Array.of((field << 3) | 2), varint(BigInt(body.length)), body);
}

function varintField(field: number, n: bigint): Uint8Array {
  return concatBytes(Uint8Array.of(field << 3), varint(n));
}

export function encodeProtobuf(m: SignatureMessage): Uint8Array {
  return concatBytes(
    varintField(1, BigInt(m.ciphersuite)),
    lengthDelimited(2, utf8(m.namespace)),
    varintField(3, BigInt(m.timestamp)),
    lengthDelimited(4, varintField(1, BigInt(m.epoch))),
    lengthDelimited(5, m.digest),
  );
}

function u32le(n: number): Uint8Array {
  const b = new Uint8Array(4);
  new DataView(b.buffer).setUint32(0, n, true);
  return b;
}

function u64le(n: bigint): Uint8Array {
  const b = new Uint8Array(8);
  new DataView(b.buffer).setBigUint64(0, n, true);
  return b;
}

export function encodeBincode(m: SignatureMessage): Uint8Array {
  const ns = utf8(m.namespace);
  return concatBytes(
    u32le(m.ciphersuite),
    u64le(BigInt(ns.length)),
    ns,
    u64le(BigInt(m.timestamp)),
    u64le(BigInt(m.epoch)),
    u64le(BigInt(m.digest.length)),
    m.digest,
  );
}

/** The signed bytes for the message's ciphersuite; null for a ciphersuite Plexi does not define. */
export function encodeSignatureMessage(m: SignatureMessage): Uint8Array | null {
  if (m.ciphersuite === CIPHERSUITE_PROTOBUF) return encodeProtobuf(m);
  if (m.ciphersuite === CIPHERSUITE_BINCODE) return encodeBincode(m);
  return null;
}
