/**
 * Every failure the core can report. The code is stable and public (docs/evidence-format.md, "Error codes");
 * the text beside it is the rule that was broken, in the words the report prints. A module of its own so that the
 * widget's worker can load the texts only when it shows a failure (site/widget/lazy/error-rules.ts); the codes'
 * type is all the rest of the core needs (./errors.ts).
 */
export const ERROR_CODES = {
  // Reading and limits (docs/evidence-format.md §2)
  FILE_MISSING: 'a file the evidence layout requires, or a file or folder given to the command, is absent',
  FILE_UNREADABLE: 'a file or folder of the evidence tree, or one given to the command, cannot be read',
  FILE_UNEXPECTED: 'a file is present where the evidence layout allows none',
  FILE_EXISTS: 'a new file would overwrite evidence already published (ingest)',
  FILE_TOO_LARGE: 'a file is larger than the size limit for its kind',
  LIMIT_EXCEEDED: 'a count (files, array entries, signatures, string length) is over its limit',
  JSON_INVALID: 'a file is not well-formed UTF-8 JSON, or an object in it has a member name twice',
  JSON_TOO_DEEP: 'JSON is nested deeper than the limit',
  SCHEMA_INVALID: 'a field is missing, of the wrong type, or not in its allowed form',
  HEX_INVALID: 'a hex field is not lowercase hex of even length',
  BASE64_INVALID: 'a base64 field is not canonical padded base64',
  LENGTH_INVALID: 'a decoded field does not have the length its type requires',
  PATH_MISMATCH: "a file's place in the tree disagrees with what it says it is",

  // Trust roots (§3)
  UNKNOWN_KEY: 'a signature names, or verifies only under, a key that is not pinned in the trust roots',
  KEY_ROLE_INVALID: 'a pinned key is used for a role other than its own',
  KEY_OUTSIDE_VALIDITY: 'a key is used at a time outside its validity window',
  KEY_INVALID: 'a public key does not decode to a valid point of its algorithm',
  DUPLICATE_ID: 'two entries share an identifier that must be unique',

  // Auditor records (§4)
  CIPHERSUITE_UNKNOWN: 'the ciphersuite is neither 0x0001 (protobuf) nor 0x0002 (bincode)',
  CIPHERSUITE_MISMATCH: 'version and ciphersuite differ',
  KEY_ID_MISMATCH: "key_id is not the last byte of the auditor's public key",
  SERIALIZED_MESSAGE_MISMATCH: 'serialized_message differs from the SignatureMessage rebuilt from the fields',
  AUDITOR_SIGNATURE_INVALID: "the auditor's Ed25519 signature does not verify under any pinned auditor key",

  // Validation bundles and the namespace (§5)
  NAMESPACE_UNKNOWN: 'the namespace is not declared in the trust roots',
  DIGEST_MISMATCH: "the artifact's SHA-256 differs from the signed digest",
  COUNTERSIGNATURE_INVALID: "the operator's counter-signature does not verify over the auditor's signature",
  PROOF_RECORD_MISMATCH: "the proof differs from the auditor's own log record for the epoch",
  ARTIFACT_MISMATCH: 'the artifact names another namespace or epoch than its proof, or is dated after it',
  EPOCH_GAP: "the namespace's epochs do not run consecutively from its root epoch",
  EPOCH_REPUBLISHED: 'an epoch appears more than once',
  DIGEST_REUSED: 'a digest appears in more than one epoch',
  TIMESTAMP_REGRESSION: "an epoch's timestamp is earlier than the previous epoch's",
  FLEET_KEY_UNKNOWN: 'a bundle carries a key that no fleet deployment record declares',
  KEY_REINTRODUCED: 'a key removed from the namespace comes back in a later epoch',

  // Fleet deployments and attestations (§6, §7)
  DSSE_INVALID:
    'a DSSE envelope has the wrong payload type, or its statement a predicate type its place does not take',
  SUBJECT_MISMATCH: "a statement's subjects disagree with its predicate",
  DEPLOYMENT_SIGNATURE_INVALID:
    "the operator's signature on the deployment record is missing or does not verify",
  WITNESS_SIGNATURE_MISSING: 'a ceremony witness listed in the record did not sign it',
  WITNESS_SIGNATURE_INVALID: "a ceremony witness's signature does not verify",
  ATTESTATION_MISSING: 'a member HSM has no attestation',
  ATTESTATION_UNEXPECTED: 'an attestation belongs to no member of the fleet',
  ATTESTATION_SIGNATURE_INVALID:
    "an attestation's signature does not verify under the HSM's certified device key",
  CHAIN_BROKEN: "the HSM's certificate chain does not link, signature by signature, to a pinned vendor root",
  MEMBER_MISMATCH:
    'an attestation and the deployment record disagree on the HSM (vendor, model, serial, fleet)',
  FIRMWARE_MISMATCH: "the attested firmware measurement differs from the deployment record's",
  KEY_NOT_ATTESTED: 'a fleet key is not attested by a member HSM as generated on the device',
  KEY_EXPORTABLE: 'an attestation marks a fleet key as exportable',
  QUORUM_INVALID: 'the quorum is not a strict majority that the attested members can meet',
  KEY_REUSED: 'a key appears in more than one fleet, or twice in one',
  TIME_ORDER_INVALID:
    'times disagree: attestations after the deployment, or a bundle carrying keys before their deployment',

  // Vendor attestations read natively (verify/vendors/: Marvell LiquidSecurity, AWS Nitro Enclaves, YubiHSM 2)
  VENDOR_FORMAT_INVALID: "a vendor attestation does not follow its vendor's binary format",
  CERTIFICATE_INVALID: 'an X.509 certificate is not well-formed DER or uses an unsupported algorithm',
  TWIN_KEY_MISMATCH: "an owner certificate does not carry the same public key as its manufacturer's twin",
  CHAIN_INCOMPLETE:
    'a certificate the chain needs was not supplied, so the chain stops short of a pinned root',

  // The site's transparency log (verify/tlog/): RFC 9162 proofs, C2SP signed notes, checkpoints, cosignatures, tiles
  PROOF_INVALID: 'an inclusion proof is malformed or does not lead from the leaf hash to the root',
  CONSISTENCY_FAILED:
    'a consistency proof fails to link the older tree head to the newer one, or a logged file is missing or changed',
  NOTE_INVALID: 'a signed note is not UTF-8 text, a blank line and well-formed signature lines',
  NOTE_SIGNATURE_INVALID: 'a note signature by a known key does not verify over the note text',
  VERIFIER_KEY_INVALID:
    'a verifier key is malformed, of an unsupported type, has a wrong key ID, or is listed twice',
  CHECKPOINT_INVALID:
    'a checkpoint is not origin, tree size, root hash and extension lines, or names another log',
  COSIGNATURE_INVALID: 'a witness cosignature is malformed or does not verify, or too few witnesses cosigned',
  TILE_INVALID: 'a tile or entry bundle is missing, malformed, or disagrees with the signed root',
  TRUST_ROOTS_MISMATCH: "the trust roots a site serves differ from the monitor's pinned copy",

  // Vendor attestations as fleet evidence (§3.4, §8.3): pinned X.509 roots and attested keys as fleet keys
  ROOT_CERTIFICATE_MISMATCH: "a pinned root's certificate does not carry the root's public_key",
  ATTESTED_KEY_UNSUPPORTED:
    'a vendor attestation is mapped to a fleet key, but attests a kind of key no fleet key can be',
  ATTESTED_KEY_MISMATCH:
    'the key a vendor attestation attests differs from the fleet key it is mapped to, or that fleet key does not exist',
} as const;

export type ErrorCode = keyof typeof ERROR_CODES;

/** The rule a code stands for, as the report prints it. */
export function ruleOf(code: ErrorCode): string {
  return ERROR_CODES[code];
}
