/**
 * Fleetproof's verification core. Browser-safe: no Node built-in is imported anywhere under verify/
 * (tests/no-node-imports.test.ts). The CLI, the site's build and the in-browser widget all call this.
 */
export {
  ERROR_CODES,
  VerificationError,
  isVerificationError,
  type ErrorCode,
  type VerificationErrorJSON,
} from './errors.ts';
export { LIMITS } from './limits.ts';
export { verifyEvidence, type EvidenceFiles, type VerifyOptions } from './tree.ts';
export {
  formatReport,
  type Report,
  type EvidenceModel,
  type FleetModel,
  type EpochModel,
  type NamespaceModel,
  type TrustKeyModel,
  type MemberModel,
  type KeyModel,
} from './report.ts';
export type { CheckResult } from './checklist.ts';
export { parseAuditorRecord, verifyAuditorSignature, type AuditorRecord } from './plexi/record.ts';
export { encodeSignatureMessage, encodeProtobuf, encodeBincode } from './plexi/message.ts';
export { readJson } from './json.ts';
export { fromHex, toHex, fromBase64, toBase64 } from './encoding.ts';
export { sha256, fingerprint } from './crypto/sha256.ts';
export { verifyEd25519Strict } from './crypto/ed25519.ts';
export { verifyP256 } from './crypto/ecdsa.ts';
export { checkRecord } from './check-record.ts';
