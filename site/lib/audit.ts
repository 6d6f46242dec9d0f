/**
 * "Verify without us": shell scripts that check published evidence with standard tools only (bash, sha256sum,
 * python3's standard library, openssl ≥ 3.0), shown on /audit/, on each epoch page and on each fleet page.
 * The scripts are data, rendered as text (escaped) and exercised by site/lib/audit.test.ts against real evidence,
 * so what the site tells readers to run is what the tests ran.
 *
 * Every script runs in the root of an evidence tree (a copy of /evidence/), writes only to a temporary folder,
 * prints one "ok" line per check and exits non-zero at the first failure.
 */
import type { EpochModel, FleetModel } from '../../verify/index.ts';

/** Python: turn a pinned key (algorithm, hex) into DER SubjectPublicKeyInfo that openssl reads. */
const PY_SPKI = `SPKI = {
    ("ed25519", 32): "302a300506032b6570032100",
    ("ecdsa-p256-sha256", 65): "3059301306072a8648ce3d020106082a8648ce3d030107034200",
    ("ecdsa-p256-sha256", 33): "3039301306072a8648ce3d020106082a8648ce3d030107032200",
}
def der(algorithm, hexkey):
    return bytes.fromhex(SPKI[(algorithm, len(hexkey) // 2)] + hexkey)`;

/**
 * Plexi's SignatureMessage from a proof's fields (docs/evidence-format.md §4), in Python: one definition for the
 * whole script and the step that writes msg.bin. `\\x08` is written so: the text is inside a template literal.
 */
const PY_SIGNATURE_MESSAGE = `def varint(n):
    out = bytearray()
    while True:
        b, n = n & 0x7F, n >> 7
        out.append(b | 0x80 if n else b)
        if not n:
            return bytes(out)
def signature_message(p):
    ns, digest = p["namespace"].encode(), bytes.fromhex(p["digest"])
    if p["ciphersuite"] == 1:    # protobuf: fields 1..5, the epoch wrapped in a message of its own
        epoch = b"\\x08" + varint(p["epoch"])
        return (b"\\x08" + varint(1) + b"\\x12" + varint(len(ns)) + ns + b"\\x18" + varint(p["timestamp"])
                + b"\\x22" + varint(len(epoch)) + epoch + b"\\x2a" + varint(len(digest)) + digest)
    if p["ciphersuite"] == 2:    # bincode 1 (legacy): little-endian integers, u64 length prefixes
        le = lambda n, size: n.to_bytes(size, "little")
        return le(2, 4) + le(len(ns), 8) + ns + le(p["timestamp"], 8) + le(p["epoch"], 8) + le(len(digest), 8) + digest
    raise SystemExit("CIPHERSUITE_UNKNOWN")`;

/** Bash: verify signature file $3 over message file $4 with DER key $2 of algorithm $1. */
const SH_VERIFY = `verify() {  # verify ALGORITHM KEY.der SIG.bin MESSAGE.bin
  if [ "$1" = ed25519 ]; then
    openssl pkeyutl -verify -pubin -keyform DER -inkey "$2" -rawin -sigfile "$3" -in "$4" >/dev/null
  else  # ecdsa-p256-sha256: DER signature over SHA-256 of the message
    openssl dgst -sha256 -keyform DER -verify "$2" -signature "$3" "$4" >/dev/null
  fi
}`;

function q(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

export function epochDir(e: Pick<EpochModel, 'namespace' | 'epoch'>): string {
  return `namespaces/${e.namespace}/${e.epoch}`;
}

/**
 * Everything §5.4 asks of one epoch, with standard tools: the artifact digest, the SignatureMessage rebuilt from
 * the proof's fields, the auditor's Ed25519 signature, the operator's counter-signature over the raw 64 signature
 * bytes, the auditor record against the proof, key validity at the epoch's time, and each carried key against the
 * deployment record that declares it.
 */
export function epochScript(
  e: Pick<EpochModel, 'namespace' | 'epoch' | 'auditorKeyId' | 'operatorKeyId'>,
): string {
  return `#!/usr/bin/env bash
# Epoch ${e.epoch} of ${e.namespace}: run in the root of the evidence tree.
set -euo pipefail
E=${q(epochDir(e))}
W=$(mktemp -d)
python3 - "$E" "$W" ${q(e.auditorKeyId ?? 'AUDITOR-KEY-ID')} ${q(e.operatorKeyId ?? 'OPERATOR-KEY-ID')} <<'PY'
import base64, datetime, hashlib, json, sys
E, W, AUDITOR, OPERATOR = sys.argv[1:5]
${PY_SPKI}
roots = {k["id"]: k for k in json.load(open("trust-roots.json"))["keys"]}
proof = json.load(open(E + "/proof.json"))
record = json.load(open(E + "/auditor-record.json"))
artifact_bytes = open(E + "/artifact.json", "rb").read()
artifact = json.loads(artifact_bytes)

# 1. The signed digest is SHA-256 over the artifact's bytes as stored (same as: sha256sum artifact.json).
assert hashlib.sha256(artifact_bytes).hexdigest() == proof["digest"], "DIGEST_MISMATCH"
print("ok   artifact SHA-256 equals the signed digest", proof["digest"])

# 2. The Plexi SignatureMessage, rebuilt from the proof's fields.
${PY_SIGNATURE_MESSAGE}
msg = signature_message(proof)
assert proof["version"] == proof["ciphersuite"], "CIPHERSUITE_MISMATCH"
assert proof.get("serialized_message", msg.hex()) == msg.hex(), "SERIALIZED_MESSAGE_MISMATCH"
print("ok   SignatureMessage rebuilt (ciphersuite %d, %d bytes)" % (proof["ciphersuite"], len(msg)))

# 3. The auditor record is the proof without meta_signature.
assert {k: v for k, v in proof.items() if k != "meta_signature"} == record, "PROOF_RECORD_MISMATCH"
print("ok   auditor-record.json equals proof.json without meta_signature")

# 4. Keys: pinned, of the right role, valid at the epoch's time; key_id is the auditor key's last byte.
t = datetime.datetime.fromtimestamp(proof["timestamp"] // 1000, datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
for kid, role in ((AUDITOR, "auditor"), (OPERATOR, "operator")):
    k = roots[kid]
    assert k["role"] == role and k["valid_from"] <= t < k["valid_until"], kid + " is not a valid " + role + " key at " + t
auditor = bytes.fromhex(roots[AUDITOR]["public_key"])
assert proof.get("key_id", auditor[-1]) == auditor[-1], "KEY_ID_MISMATCH"
print("ok   auditor key", AUDITOR, "and operator key", OPERATOR, "valid at", t)
assert artifact["namespace"] == proof["namespace"] and artifact["epoch"] == proof["epoch"] and artifact["issued_at"] <= t, "ARTIFACT_MISMATCH"

# 5. Every key the bundle carries is a key of a deployment record, deployed before the epoch.
for key in artifact["keys"]:
    env = json.load(open("fleets/%s/deployment.json" % key["fleet_id"]))
    d = json.loads(base64.b64decode(env["payload"]))["predicate"]
    assert any(k["key_id"] == key["key_id"] and k["public_key"] == key["public_key"] and k["algorithm"] == key["algorithm"] for k in d["keys"]), "FLEET_KEY_UNKNOWN " + key["key_id"]
    assert d["deployed_at"] < t, "TIME_ORDER_INVALID " + key["key_id"]
print("ok   %d carried keys match their deployment records" % len(artifact["keys"]))

open(W + "/msg.bin", "wb").write(msg)
open(W + "/sig.bin", "wb").write(bytes.fromhex(proof["signature"]))
open(W + "/meta_sig.bin", "wb").write(bytes.fromhex(proof["meta_signature"]))
open(W + "/auditor.der", "wb").write(der("ed25519", roots[AUDITOR]["public_key"]))
open(W + "/operator.der", "wb").write(der(roots[OPERATOR]["algorithm"], roots[OPERATOR]["public_key"]))
open(W + "/operator.alg", "w").write(roots[OPERATOR]["algorithm"])
PY
${SH_VERIFY}
# 6. The auditor's Ed25519 signature over the SignatureMessage.
verify ed25519 "$W/auditor.der" "$W/sig.bin" "$W/msg.bin"
echo "ok   auditor signature verifies"
# 7. The operator's counter-signature over the 64 raw bytes of the auditor's signature (not their hex).
verify "$(cat "$W/operator.alg")" "$W/operator.der" "$W/meta_sig.bin" "$W/sig.bin"
echo "ok   operator counter-signature verifies"
rm -r "$W"
`;
}

/**
 * A fleet's deployment record and attestations (§6–§8) with standard tools: the DSSE pre-authentication encoding,
 * every signature (operator, witnesses, certificate chain up to the pinned vendor root, attestation by the device
 * key), subjects against key fingerprints, members against attestations, and the fleet keys as generated on the
 * HSM that the record names and not exportable.
 */
export function fleetScript(f: Pick<FleetModel, 'fleetId' | 'dir'>): string {
  return `#!/usr/bin/env bash
# Fleet ${f.fleetId}: run in the root of the evidence tree.
set -euo pipefail
F=${q(f.dir)}
W=$(mktemp -d)
python3 - "$F" "$W" <<'PY'
import base64, glob, hashlib, json, os, sys
F, W = sys.argv[1:3]
${PY_SPKI}
roots = {k["id"]: k for k in json.load(open("trust-roots.json"))["keys"]}
fp = lambda hexkey: hashlib.sha256(bytes.fromhex(hexkey)).hexdigest()
links = open(W + "/links", "w")
n = 0
def open_envelope(env, what):
    assert env["payloadType"] == "application/vnd.in-toto+json", "DSSE_INVALID"
    body = base64.b64decode(env["payload"], validate=True)
    t = env["payloadType"].encode()
    return json.loads(body), b"DSSEv1 %d %s %d %s" % (len(t), t, len(body), body)
def link(what, algorithm, hexkey, sig_b64, pae):
    global n
    n += 1
    open("%s/%d.pae" % (W, n), "wb").write(pae)
    open("%s/%d.sig" % (W, n), "wb").write(base64.b64decode(sig_b64))
    open("%s/%d.der" % (W, n), "wb").write(der(algorithm, hexkey))
    links.write("%d %s %s\\n" % (n, algorithm, what))
def subjects_match(st, pairs):
    assert sorted((s["name"], s["digest"]["sha256"]) for s in st["subject"]) == sorted(pairs), "SUBJECT_MISMATCH"

# The deployment record: signed by a pinned operator key and by every witness of the ceremony.
st, pae = open_envelope(json.load(open(F + "/deployment.json")), "deployment")
d = st["predicate"]
subjects_match(st, [(k["key_id"], fp(k["public_key"])) for k in d["keys"]])
signers = set()
for s in json.load(open(F + "/deployment.json"))["signatures"]:
    k = roots[s["keyid"]]    # KeyError: UNKNOWN_KEY
    assert k["role"] in ("operator", "witness") and k["valid_from"] <= d["deployed_at"] < k["valid_until"], s["keyid"]
    link("deployment signed by %s (%s)" % (s["keyid"], k["role"]), k["algorithm"], k["public_key"], s["sig"], pae)
    signers.add((s["keyid"], k["role"]))
assert any(role == "operator" for _, role in signers), "DEPLOYMENT_SIGNATURE_INVALID: no operator signature"
missing = {w["key"] for w in d["ceremony"]["witnesses"]} - {kid for kid, _ in signers}
assert not missing, "WITNESS_SIGNATURE_MISSING " + ", ".join(sorted(missing))
assert d["ceremony"]["performed_at"] <= d["deployed_at"], "TIME_ORDER_INVALID"
assert 2 * d["quorum"]["threshold"] > len(d["members"]), "QUORUM_INVALID"
print("ok   deployment record of %s: %d members, %d keys, %d witnesses" % (d["fleet_id"], len(d["members"]), len(d["keys"]), len(d["ceremony"]["witnesses"])))

# Each member's attestation: certificate chain to a pinned vendor root, attestation signed by the device key.
members = {m["hsm_id"]: m for m in d["members"]}
files = sorted(glob.glob(F + "/attestations/*.json"))
assert sorted(os.path.basename(p)[:-5] for p in files) == sorted(members), "ATTESTATION_MISSING or ATTESTATION_UNEXPECTED"
attested = {}
for path in files:
    a = json.load(open(path))
    m = members[os.path.basename(path)[:-5]]
    certs = [open_envelope(env, "certificate") for env in a["chain"]]
    for i, (env, (cst, cpae)) in enumerate(zip(a["chain"], certs)):
        c = cst["predicate"]
        name = c["subject"]["vendor"] + "/" + (c["subject"]["model"] if c["is_ca"] else c["subject"]["serial"])
        subjects_match(cst, [(name, fp(c["public_key"]["public_key"]))])
        assert c["is_ca"] == (i > 0), "CHAIN_BROKEN"
        (sig,) = env["signatures"]
        if i + 1 < len(certs):
            issuer = certs[i + 1][0]["predicate"]["public_key"]
            assert sig["keyid"] == fp(issuer["public_key"]), "CHAIN_BROKEN"
            link("%s certificate %d signed by its issuer" % (m["hsm_id"], i), issuer["algorithm"], issuer["public_key"], sig["sig"], cpae)
        else:
            r = roots[sig["keyid"]]
            assert r["role"] == "vendor-root" and r["vendor"] == c["subject"]["vendor"], "UNKNOWN_KEY"
            link("%s chain signed by pinned root %s" % (m["hsm_id"], sig["keyid"]), r["algorithm"], r["public_key"], sig["sig"], cpae)
    device = certs[0][0]["predicate"]
    ast, apae = open_envelope(a["attestation"], "attestation")
    p = ast["predicate"]
    subjects_match(ast, [(k["key_id"], fp(k["public_key"])) for k in p["keys"]])
    (sig,) = a["attestation"]["signatures"]
    assert sig["keyid"] == fp(device["public_key"]["public_key"]), "ATTESTATION_SIGNATURE_INVALID"
    link("%s attestation signed by its device key" % m["hsm_id"], device["public_key"]["algorithm"], device["public_key"]["public_key"], sig["sig"], apae)
    for field in ("vendor", "model", "serial"):
        assert p["hsm"][field] == m[field] == device["subject"][field], "MEMBER_MISMATCH " + field
    assert p["fleet_id"] == d["fleet_id"] and p["hsm"]["hsm_id"] == m["hsm_id"], "MEMBER_MISMATCH"
    assert p["hsm"]["firmware_measurement"] == m["firmware_measurement"], "FIRMWARE_MISMATCH"
    assert p["attested_at"] <= d["deployed_at"], "TIME_ORDER_INVALID"
    for k in p["keys"]:
        assert not (k["exportable"] and k["key_id"] in {x["key_id"] for x in d["keys"]}), "KEY_EXPORTABLE " + k["key_id"]
    attested[m["hsm_id"]] = p["keys"]
print("ok   %d attestations: chains, subjects, members and firmware match" % len(files))

# Every fleet key was generated inside the HSM the record names.
for k in d["keys"]:
    assert any(x["key_id"] == k["key_id"] and x["public_key"] == k["public_key"] and x["algorithm"] == k["algorithm"] and x["origin"] == "generated"
               for x in attested[k["generated_on"]]), "KEY_NOT_ATTESTED " + k["key_id"]
print("ok   every fleet key is attested as generated on its HSM")
PY
${SH_VERIFY}
count=0
while read -r i algorithm what; do
  verify "$algorithm" "$W/$i.der" "$W/$i.sig" "$W/$i.pae" || { echo "FAIL $what"; exit 1; }
  count=$((count + 1))
done < "$W/links"
echo "ok   $count signatures verify (deployment, certificate chains, attestations)"
rm -r "$W"
`;
}

/** The rules across a namespace's epochs (§5.5), with python3 alone. */
export function namespaceScript(namespace: string, rootEpoch: number): string {
  return `#!/usr/bin/env bash
# Namespace ${namespace}: run in the root of the evidence tree.
set -euo pipefail
python3 - ${q(namespace)} ${q(String(rootEpoch))} <<'PY'
import json, os, sys
ns, root = sys.argv[1], int(sys.argv[2])
base = "namespaces/" + ns
epochs = sorted(int(e) for e in os.listdir(base))
assert epochs == list(range(root, root + len(epochs))), "EPOCH_GAP"
seen_digests, gone, previous, last_time = set(), set(), {}, 0
for n in epochs:
    proof = json.load(open("%s/%d/proof.json" % (base, n)))
    keys = {k["key_id"]: k["public_key"] for k in json.load(open("%s/%d/artifact.json" % (base, n)))["keys"]}
    assert proof["digest"] not in seen_digests, "DIGEST_REUSED at epoch %d" % n
    assert proof["timestamp"] >= last_time, "TIMESTAMP_REGRESSION at epoch %d" % n
    for key_id, public_key in previous.items():
        if keys.get(key_id) != public_key:
            gone.add((key_id, public_key))
    assert not gone & set(keys.items()), "KEY_REINTRODUCED at epoch %d" % n
    seen_digests.add(proof["digest"])
    last_time, previous = proof["timestamp"], keys
print("ok   %d epochs, %d to %d: consecutive, digests unique, time never goes back, no key comes back" % (len(epochs), epochs[0], epochs[-1]))
PY
`;
}

/** Download every published evidence file and check it against /evidence/index.json (python3 standard library). */
export function downloadScript(site: string): string {
  return `#!/usr/bin/env bash
# Copy the published evidence into ./evidence, checking every file against /evidence/index.json.
set -euo pipefail
python3 - ${q(site)} <<'PY'
import hashlib, json, os, sys, urllib.parse, urllib.request
site = sys.argv[1].rstrip("/")
index_bytes = urllib.request.urlopen(site + "/evidence/index.json").read()
print("index.json SHA-256", hashlib.sha256(index_bytes).hexdigest())
for f in json.loads(index_bytes)["files"]:
    assert ".." not in f["path"].split("/") and not f["path"].startswith("/"), f["path"]
    data = urllib.request.urlopen(site + "/evidence/" + urllib.parse.quote(f["path"])).read()
    assert len(data) == f["size"] and hashlib.sha256(data).hexdigest() == f["sha256"], "changed: " + f["path"]
    target = os.path.join("evidence", *f["path"].split("/"))
    os.makedirs(os.path.dirname(target), exist_ok=True)
    open(target, "wb").write(data)
print("ok   %d files downloaded into evidence/, each matching its SHA-256" % len(json.loads(index_bytes)["files"]))
PY
`;
}

export interface ManualStep {
  id: string;
  title: string;
  command: string;
  /** What a successful run prints (or how to read its output). */
  expect: string;
}

const SPKI_PREFIX: Record<string, string> = {
  'ed25519/32': '302a300506032b6570032100',
  'ecdsa-p256-sha256/65': '3059301306072a8648ce3d020106082a8648ce3d030107034200',
  'ecdsa-p256-sha256/33': '3039301306072a8648ce3d020106082a8648ce3d030107032200',
};

/** The DER SubjectPublicKeyInfo prefix that turns a raw key of the evidence into something openssl reads. */
export function spkiPrefix(algorithm: string, publicKeyHex: string): string {
  const p = SPKI_PREFIX[`${algorithm}/${publicKeyHex.length / 2}`];
  if (!p)
    throw new Error(
      `no SubjectPublicKeyInfo prefix for ${algorithm} keys of ${publicKeyHex.length / 2} bytes`,
    );
  return p;
}

const HEX_TO_FILE = `python3 -c 'import sys; sys.stdout.buffer.write(bytes.fromhex(sys.argv[1]))'`;

/**
 * One epoch checked by hand, step by step, in the epoch's folder; each step a few commands. Shared state lives in
 * "$W" (a temporary folder created in the first step).
 */
export function manualEpochSteps(
  e: Pick<EpochModel, 'namespace' | 'epoch'>,
  auditor: { id: string; publicKey: string },
  operator: { id: string; algorithm: string; publicKey: string },
): ManualStep[] {
  const opDer = `${spkiPrefix(operator.algorithm, operator.publicKey)}${operator.publicKey}`;
  const counter =
    operator.algorithm === 'ed25519'
      ? `openssl pkeyutl -verify -pubin -keyform DER -inkey "$W/operator.der" -rawin -in "$W/sig.bin" -sigfile "$W/meta_sig.bin"`
      : `openssl dgst -sha256 -keyform DER -verify "$W/operator.der" -signature "$W/meta_sig.bin" "$W/sig.bin"`;
  return [
    {
      id: 'step-digest',
      title: 'The artifact’s digest',
      command: `cd evidence/${epochDir(e)}
W=$(mktemp -d)
sha256sum artifact.json
python3 -c 'import json; print(json.load(open("proof.json"))["digest"])'`,
      expect:
        'Both lines show the same 64 hex digits: the SHA-256 of artifact.json exactly as stored is the digest the auditor signed.',
    },
    {
      id: 'step-message',
      title: 'The SignatureMessage the auditor signed',
      command: `python3 - "$W" <<'PY'
import json, sys
p = json.load(open("proof.json"))
${PY_SIGNATURE_MESSAGE}
msg = signature_message(p)
open(sys.argv[1] + "/msg.bin", "wb").write(msg)
print("serialized_message", "matches" if p.get("serialized_message", msg.hex()) == msg.hex() else "DIFFERS")
PY`,
      expect: '“serialized_message matches”, and msg.bin holds the exact bytes that were signed.',
    },
    {
      id: 'step-auditor',
      title: `The auditor’s Ed25519 signature (key ${auditor.id})`,
      command: `python3 -c 'import json; print(json.load(open("proof.json"))["signature"])' | python3 -c 'import sys; sys.stdout.buffer.write(bytes.fromhex(sys.stdin.read().strip()))' > "$W/sig.bin"
${HEX_TO_FILE} ${spkiPrefix('ed25519', auditor.publicKey)}${auditor.publicKey} > "$W/auditor.der"
openssl pkeyutl -verify -pubin -keyform DER -inkey "$W/auditor.der" -rawin -in "$W/msg.bin" -sigfile "$W/sig.bin"`,
      expect:
        '“Signature Verified Successfully”. The 12-byte prefix wraps the raw 32-byte key as an X.509 SubjectPublicKeyInfo.',
    },
    {
      id: 'step-counter',
      title: `The operator’s counter-signature (key ${operator.id}, ${operator.algorithm})`,
      command: `python3 -c 'import json; print(json.load(open("proof.json"))["meta_signature"])' | python3 -c 'import sys; sys.stdout.buffer.write(bytes.fromhex(sys.stdin.read().strip()))' > "$W/meta_sig.bin"
${HEX_TO_FILE} ${opDer} > "$W/operator.der"
${counter}`,
      expect:
        operator.algorithm === 'ed25519'
          ? '“Signature Verified Successfully”: the operator signed the 64 raw bytes of the auditor’s signature (sig.bin), not its hex.'
          : '“Verified OK”: an ECDSA P-256 signature (DER) over SHA-256 of the 64 raw bytes of the auditor’s signature (sig.bin), not its hex.',
    },
    {
      id: 'step-record',
      title: 'The auditor’s own record',
      command: `python3 -c 'import json; p = json.load(open("proof.json")); p.pop("meta_signature"); print("record", "matches" if p == json.load(open("auditor-record.json")) else "DIFFERS")'`,
      expect:
        '“record matches”: auditor-record.json, as the auditor’s API returns it, is the proof without the counter-signature.',
    },
  ];
}
