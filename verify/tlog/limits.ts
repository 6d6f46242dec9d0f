/**
 * Limits of the transparency-log primitives, checked before any hashing or signature work. A value over one
 * fails with LIMIT_EXCEEDED.
 */
export const TLOG_LIMITS = {
  /**
   * Most hashes in an inclusion or consistency proof. A tree of at most 2^53 - 1 leaves has paths of at most
   * 53 hashes (RFC 9162 §2.1.3.1, §2.1.4.1), a consistency proof at most 54 with its seed; 64 leaves margin.
   */
  maxProofHashes: 64,
  /** Largest tree size or leaf index: JavaScript numbers are exact up to 2^53 - 1. */
  maxTreeSize: Number.MAX_SAFE_INTEGER,
  /**
   * Largest signed note, in UTF-8 bytes. C2SP signed-note ("Format"): verifiers MUST accept at least 16
   * signatures, and post-quantum signatures approach 5 kB; 1 MiB holds maxNoteSignatures of the longest line.
   */
  maxNoteBytes: 1024 * 1024,
  /** Most signature lines in one note (the limit of golang.org/x/mod/sumdb/note; the spec's floor is 16). */
  maxNoteSignatures: 100,
  /** Longest signature line, in UTF-8 bytes: a 4,627-byte ML-DSA-87 signature is 6,176 base64 characters. */
  maxSignatureLineBytes: 8 * 1024,
  /** Longest verifier key string (name + key ID + base64 of type and key; ML-DSA-44 keys are 1,312 bytes). */
  maxVerifierKeyBytes: 8 * 1024,
  /** Deepest tile level: C2SP tlog-tiles ("Merkle Tree"): `<L>` is between 0 and 63. */
  maxTileLevel: 63,
  /** Longest entry in an entry bundle: entries are uint16 length-prefixed (C2SP tlog-tiles, "Log entries"). */
  maxEntryBytes: 0xffff,
} as const;
