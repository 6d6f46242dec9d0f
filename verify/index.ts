/**
 * Fleetproof's verification core. Browser-safe: no Node built-in is imported anywhere under verify/
 * (tests/no-node-imports.test.ts). The CLI, the site's build and the in-browser widget all call this.
 */
export { VerificationError, isVerificationError, type VerificationErrorJSON } from './errors.ts';
export { ERROR_CODES, ruleOf, type ErrorCode } from './error-rules.ts';
export { LIMITS } from './limits.ts';
export { verifyEvidence, type EvidenceFiles, type VerifyOptions } from './tree.ts';
export {
  formatError,
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
// For the in-browser widget (site/widget/): a dropped proof or validation bundle is checked step by step with the
// same functions the tree verification uses.
export { Checklist } from './checklist.ts';
export {
  TRUST_ROOTS_FILE,
  parseTrustRoots,
  isValidAt,
  isoOfMs,
  type TrustRoots,
  type NamespacePolicy,
  type PinnedKey,
} from './trust.ts';
export { parseProof, verifyCountersignature, type Proof } from './bundle/proof.ts';
export { parseArtifact, type Artifact } from './bundle/artifact.ts';
export { placeEvidence, type Placement, type EvidenceKind } from './place.ts';
export { parseAuditorKey, type RecordCheck } from './check-record.ts';
export {
  verifyVendorAttestation,
  checkVendorAttestation,
  VENDOR_INPUT_FORMATS,
  type VendorClaim,
  type VendorInputFormat,
} from './vendors/index.ts';
export {
  buildLog,
  openLog,
  checkConsistency,
  checkExtends,
  rememberCheckpoint,
  type Remembered,
  readLogEntries,
  logOrigin,
  CHECKPOINT_PATH,
  VERIFIER_KEY_PATH,
  type LogEntry,
} from './release-log.ts';
