/**
 * Explicit limits, checked before any expensive work (docs/evidence-format.md §2, "Limits").
 * A file over a limit fails with its own code at once: FILE_TOO_LARGE, JSON_TOO_DEEP or LIMIT_EXCEEDED.
 */
export const LIMITS = {
  /** Largest evidence file of any kind, in bytes. */
  maxFileBytes: 4 * 1024 * 1024,
  /** Largest auditor record or proof, in bytes (they are a few hundred bytes in practice). */
  maxRecordBytes: 64 * 1024,
  /** Deepest JSON nesting (objects and arrays) accepted in any file. */
  maxJsonDepth: 32,
  /** Most entries in any JSON array. */
  maxArrayEntries: 10_000,
  /** Longest string in any field, in UTF-16 code units (DSSE payloads excepted: they obey maxFileBytes). */
  maxStringLength: 64 * 1024,
  /** Most files in one evidence tree. */
  maxFiles: 500_000,
  /** Most signatures on one DSSE envelope. */
  maxSignatures: 64,
  /** Most certificates in one HSM chain (device certificate first). */
  maxChainLength: 4,
  /** Most members of one fleet. */
  maxMembers: 4_096,
  /** Largest epoch number and timestamp accepted: JSON numbers must be exact integers. */
  maxSafeInteger: Number.MAX_SAFE_INTEGER,
} as const;
