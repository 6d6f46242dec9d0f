/**
 * docs/evidence-format.md §13 against the verifier. Each table of §13 names an object; each is matched here with a
 * valid instance of that object (from the committed demo evidence, evidence/; the vendor formats, which the demo
 * does not use, from the committed vendor samples of tests/data/vectors/hsm/) and with the functions that read it:
 * its wire schema (the part that raises SCHEMA_INVALID for a field's own form) and the parse function of its file
 * (which adds the encodings and counts that §2 and the bracketed codes name). Every row is then probed on them,
 * never read off their source:
 * - the fields: the table lists exactly the instance's fields and the optional ones; any other field is rejected;
 * - required: deleting a field the table calls required is rejected, deleting any other is accepted (a field
 *   "required as a rule says" is the schema's optional: the rule is another section's);
 * - type: a value of another type is rejected;
 * - bounds and form: each stated bound accepts a value at the bound and rejects one just past it; a bound the table
 *   does not state does not exist (an unbounded string takes "" and 65,536 characters, an unbounded array none and
 *   10,000 entries, an integer 0 to 2^53 − 1); a "one of" accepts each value listed and no other value the document
 *   names anywhere.
 * A rejection must carry the row's code (SCHEMA_INVALID unless the row or §2 names another) at the field's path.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { VerificationError, pathOf, type ErrorCode } from '../verify/errors.ts';
import { parseWith } from '../verify/schema.ts';
import type { ZodMiniType } from '../verify/zmini.ts';
import { fromBase64, fromUtf8, toBase64, utf8 } from '../verify/encoding.ts';
import { parseTrustRoots, trustRootsWire } from '../verify/trust.ts';
import { auditorRecordWire, parseAuditorRecord } from '../verify/plexi/record.ts';
import { parseProof, proofWire } from '../verify/bundle/proof.ts';
import { artifactWire, parseArtifact } from '../verify/bundle/artifact.ts';
import { envelopeWire, parseEnvelope, statementWire } from '../verify/dsse.ts';
import { DEPLOYMENT_PREDICATE, parseDeployment, predicateWire } from '../verify/fleet/deployment.ts';
import { attestationWire, certificateWire, fileWire, parseAttestation } from '../verify/fleet/attestation.ts';
import { parseVendorAttestation, wire as vendorWire } from '../verify/fleet/vendor.ts';
import { decodePemCertificates } from '../verify/vendors/x509.ts';

// ---------------------------------------------------------------------------------------------------------------
// §13, as tables

const DOC = readFileSync('docs/evidence-format.md', 'utf8');

type FieldType =
  | { kind: 'string' | 'integer' | 'boolean' }
  | { kind: 'object'; ref: number | undefined }
  | { kind: 'array'; of: 'strings' | 'objects'; ref: number | undefined }
  | { kind: 'enum'; values: (string | number)[] };

type Clause =
  | { kind: 'chars' | 'entries' | 'range'; min: number; max: number; code: ErrorCode | undefined }
  | { kind: 'identifier' | 'time' | 'keyId' | 'eachIdentifier' | 'base64' | 'note' }
  | { kind: 'namespaceName'; min: number; max: number }
  | { kind: 'eachChars'; min: number }
  | { kind: 'hex'; bytes: [number, number] | undefined }
  | { kind: 'firmware'; max: number; bytes: number[] };

interface Row {
  field: string;
  type: FieldType;
  required: 'yes' | 'no' | 'rule';
  clauses: Clause[];
  /** The row as written, for messages. */
  text: string;
}

interface Table {
  number: number;
  title: string;
  rows: Row[];
}

const num = (s: string) => Number(s.replace(/,/g, ''));
const N = '(\\d[\\d,]*)';
const re = (s: string) => new RegExp(`^${s}$`);

function parseType(cell: string): FieldType {
  if (cell === 'string' || cell === 'integer' || cell === 'boolean') return { kind: cell };
  let m = re('object(?: \\(§13\\.(\\d+)\\))?').exec(cell);
  if (m) return { kind: 'object', ref: m[1] === undefined ? undefined : Number(m[1]) };
  m = re('array of (strings|objects)(?: \\(§13\\.(\\d+)\\))?').exec(cell);
  if (m) return { kind: 'array', of: m[1] as 'strings', ref: m[2] === undefined ? undefined : Number(m[2]) };
  if (re('(?:one of )?`[^`]+`(?:, `[^`]+`)*').test(cell))
    return {
      kind: 'enum',
      values: [...cell.matchAll(/`([^`]+)`/g)].map((x) => (/^\d+$/.test(x[1]!) ? Number(x[1]) : x[1]!)),
    };
  throw new Error(`§13: unknown type "${cell}"`);
}

function parseClause(c: string): Clause {
  const code = / \[([A-Z_]+)\]$/.exec(c)?.[1] as ErrorCode | undefined;
  const s = c.replace(/ \[[A-Z_]+\]$/, '');
  let m: RegExpExecArray | null;
  if ((m = re(`${N}–${N} characters`).exec(s)))
    return { kind: 'chars', min: num(m[1]!), max: num(m[2]!), code };
  if ((m = re(`at least ${N} characters?`).exec(s)))
    return { kind: 'chars', min: num(m[1]!), max: Infinity, code };
  if ((m = re(`at most ${N} characters?`).exec(s))) return { kind: 'chars', min: 0, max: num(m[1]!), code };
  if ((m = re(`${N}–${N} entries`).exec(s)))
    return { kind: 'entries', min: num(m[1]!), max: num(m[2]!), code };
  if ((m = re(`at least ${N} entr(?:y|ies)`).exec(s)))
    return { kind: 'entries', min: num(m[1]!), max: Infinity, code };
  if ((m = re(`at most ${N} entr(?:y|ies)`).exec(s)))
    return { kind: 'entries', min: 0, max: num(m[1]!), code };
  if ((m = re(`${N}–${N}`).exec(s))) return { kind: 'range', min: num(m[1]!), max: num(m[2]!), code };
  if ((m = re(`at least ${N}`).exec(s)))
    return { kind: 'range', min: num(m[1]!), max: Number.MAX_SAFE_INTEGER, code };
  if (s === 'an identifier (§1)') return { kind: 'identifier' };
  if (s === 'each an identifier (§1)') return { kind: 'eachIdentifier' };
  if (s === 'a time (§2)') return { kind: 'time' };
  if (s === '`<fleet-id>/<name>`, each an identifier (§1)') return { kind: 'keyId' };
  if ((m = re(`${N}–${N} characters of \`A-Z a-z 0-9 \\. _ -\`, starting with a letter or digit`).exec(s)))
    return { kind: 'namespaceName', min: num(m[1]!), max: num(m[2]!) };
  if ((m = re(`each at least ${N} characters?`).exec(s))) return { kind: 'eachChars', min: num(m[1]!) };
  if (s === 'lowercase hex (§2)') return { kind: 'hex', bytes: undefined };
  if ((m = re(`lowercase hex of ${N}(?:–${N})? bytes \\(§2\\)`).exec(s)))
    return { kind: 'hex', bytes: [num(m[1]!), num(m[2] ?? m[1]!)] };
  if (s === 'base64 (§2)') return { kind: 'base64' };
  if (
    (m = re(
      `a version \`N\\.N\\.N\`, each N 0–${N} without leading zeros, or lowercase hex of ([\\d, ]+ or \\d+) bytes \\(§2\\)`,
    ).exec(s))
  )
    return { kind: 'firmware', max: num(m[1]!), bytes: m[2]!.split(/, | or /).map(Number) };
  if (re('see §[\\d.–]+(?:, §[\\d.–]+)*').test(s)) return { kind: 'note' };
  throw new Error(`§13: unknown bound "${c}"`);
}

function parseTables(doc: string): Table[] {
  const start = doc.indexOf('\n## 13. Fields\n');
  assert.ok(start > 0, 'docs/evidence-format.md has §13');
  const end = doc.indexOf('\n## ', start + 1);
  const section = doc.slice(start, end < 0 ? undefined : end);
  return section
    .split('\n### ')
    .slice(1)
    .map((chunk) => {
      const [heading, ...lines] = chunk.split('\n');
      const h = /^13\.(\d+) (.+)$/.exec(heading!);
      assert.ok(h, `§13 heading "${heading}"`);
      const tableLines = lines.filter((l) => l.startsWith('|'));
      const cells = (l: string) =>
        l
          .slice(1, -1)
          .split('|')
          .map((c) => c.trim());
      assert.deepEqual(cells(tableLines[0]!), ['field', 'type', 'required', 'bounds and form'], heading);
      const rows = tableLines.slice(2).map((l): Row => {
        const [field, type, required, bounds] = cells(l) as [string, string, string, string];
        assert.match(field, /^`[^`]+`$/, `${heading}: ${l}`);
        return {
          field: field.slice(1, -1),
          type: parseType(type),
          required: /^yes\b/.test(required) ? 'yes' : /^no\b/.test(required) ? 'no' : 'rule',
          clauses: bounds === '—' ? [] : bounds.split('; ').map(parseClause),
          text: `${field} | ${type} | ${required} | ${bounds}`,
        };
      });
      return { number: Number(h[1]), title: h[2]!, rows };
    });
}

// ---------------------------------------------------------------------------------------------------------------
// The objects, from the committed evidence, and the functions that read them

type Key = string | number;
type Obj = Record<string, unknown>;
type Err = { code: ErrorCode; path: string } | null;

/** A document the probes edit: a whole file, or a DSSE payload or predicate inside one. */
interface Host {
  root: unknown;
  /** JSONPath of `root` in its file. */
  base: string;
  /** The wire schema alone (SCHEMA_INVALID for each field's own form). */
  wire: (root: unknown) => Err;
  /** The file's parse function (no signature is verified), with `root` in place. */
  full: (root: unknown) => Err;
}

function attempt(run: () => unknown): Err {
  try {
    run();
    return null;
  } catch (e) {
    if (e instanceof VerificationError) return { code: e.code, path: e.path ?? '' };
    throw e;
  }
}
const schemaOf =
  <T>(schema: ZodMiniType<T>, base: string) =>
  (root: unknown): Err =>
    attempt(() => parseWith(schema, root, 'probe.json', base));

const readJson = (p: string) => JSON.parse(readFileSync(p, 'utf8')) as Obj;
const firstEntry = (dir: string) => readdirSync(dir).sort()[0]!;
const decodePayload = (env: Obj) => JSON.parse(fromUtf8(fromBase64(env['payload'] as string))) as Obj;
const encodePayload = (env: Obj, statement: unknown) => ({
  ...env,
  payload: toBase64(utf8(JSON.stringify(statement))),
});

const TRUST = readJson('evidence/trust-roots.json');
const NS_DIR = `evidence/namespaces/${firstEntry('evidence/namespaces')}`;
const EPOCH_DIR = `${NS_DIR}/${readdirSync(NS_DIR).sort((a, b) => Number(a) - Number(b))[0]!}`;
const FLEET_DIR = `evidence/fleets/${firstEntry('evidence/fleets')}`;
const DEPLOYMENT = readJson(`${FLEET_DIR}/deployment.json`);
const STATEMENT = decodePayload(DEPLOYMENT);
const ATTESTATION_FILE = readJson(`${FLEET_DIR}/attestations/${firstEntry(`${FLEET_DIR}/attestations`)}`);
const CHAIN = ATTESTATION_FILE['chain'] as Obj[];
const ATTESTATION_ENVELOPE = ATTESTATION_FILE['attestation'] as Obj;
const YUBIHSM = 'tests/data/vectors/hsm/yubihsm2/';
const VENDOR_FILE = {
  format: 'yubihsm2-key-attestation',
  fleet_id: 'fleet-2027',
  hsm_id: 'fleet-2027-fra-1-01',
  attestation: toBase64(
    decodePemCertificates(readFileSync(`${YUBIHSM}key-attestation-0x7e57.pem`, 'utf8'))[0]!,
  ),
  certificates: [readFileSync(`${YUBIHSM}device-attestation-31650425.pem`, 'utf8')],
  keys: [{ key_id: 'fleet-2027/signing' }],
};

const HOSTS = {
  trust: {
    root: TRUST,
    base: '$',
    wire: schemaOf(trustRootsWire, '$'),
    full: (r) => attempt(() => parseTrustRoots(r)),
  },
  record: {
    root: readJson(`${EPOCH_DIR}/auditor-record.json`),
    base: '$',
    wire: schemaOf(auditorRecordWire, '$'),
    full: (r) => attempt(() => parseAuditorRecord(r, 'probe.json')),
  },
  proof: {
    root: readJson(`${EPOCH_DIR}/proof.json`),
    base: '$',
    wire: schemaOf(proofWire, '$'),
    full: (r) => attempt(() => parseProof(r, 'probe.json')),
  },
  artifact: {
    root: readJson(`${EPOCH_DIR}/artifact.json`),
    base: '$',
    wire: schemaOf(artifactWire, '$'),
    full: (r) => attempt(() => parseArtifact(r, 'probe.json')),
  },
  envelope: {
    root: DEPLOYMENT,
    base: '$',
    wire: schemaOf(envelopeWire, '$'),
    full: (r) => attempt(() => parseEnvelope(r, 'probe.json', '$', DEPLOYMENT_PREDICATE)),
  },
  statement: {
    root: STATEMENT,
    base: '$.payload',
    wire: schemaOf(statementWire, '$.payload'),
    full: (r) => attempt(() => parseDeployment(encodePayload(DEPLOYMENT, r), 'probe.json')),
  },
  deployment: {
    root: STATEMENT['predicate'],
    base: '$.payload.predicate',
    wire: schemaOf(predicateWire, '$.payload.predicate'),
    full: (r) =>
      attempt(() => parseDeployment(encodePayload(DEPLOYMENT, { ...STATEMENT, predicate: r }), 'probe.json')),
  },
  certificate: {
    root: decodePayload(CHAIN[0]!)['predicate'],
    base: '$.chain[0].payload.predicate',
    wire: schemaOf(certificateWire, '$.chain[0].payload.predicate'),
    full: (r) =>
      attempt(() =>
        parseAttestation(
          {
            ...ATTESTATION_FILE,
            chain: [
              encodePayload(CHAIN[0]!, { ...decodePayload(CHAIN[0]!), predicate: r }),
              ...CHAIN.slice(1),
            ],
          },
          'probe.json',
        ),
      ),
  },
  attestation: {
    root: decodePayload(ATTESTATION_ENVELOPE)['predicate'],
    base: '$.attestation.payload.predicate',
    wire: schemaOf(attestationWire, '$.attestation.payload.predicate'),
    full: (r) =>
      attempt(() =>
        parseAttestation(
          {
            ...ATTESTATION_FILE,
            attestation: encodePayload(ATTESTATION_ENVELOPE, {
              ...decodePayload(ATTESTATION_ENVELOPE),
              predicate: r,
            }),
          },
          'probe.json',
        ),
      ),
  },
  attestationFile: {
    root: ATTESTATION_FILE,
    base: '$',
    wire: schemaOf(fileWire, '$'),
    full: (r) => attempt(() => parseAttestation(r, 'probe.json')),
  },
  vendorFile: {
    root: VENDOR_FILE,
    base: '$',
    wire: schemaOf(vendorWire, '$'),
    full: (r) => attempt(() => parseVendorAttestation(r, 'probe.json')),
  },
} satisfies Record<string, Host>;

const vendorRoot = (TRUST['keys'] as Obj[]).findIndex((k) => k['role'] === 'vendor-root');

/** Each table's object: where a valid one sits in its host. */
const TARGETS: Record<string, { host: Host; at: Key[] }> = {
  'Trust-roots file': { host: HOSTS.trust, at: [] },
  'Trust key': { host: HOSTS.trust, at: ['keys', vendorRoot] },
  'Namespace policy': { host: HOSTS.trust, at: ['namespaces', 0] },
  'Auditor record': { host: HOSTS.record, at: [] },
  Proof: { host: HOSTS.proof, at: [] },
  Artifact: { host: HOSTS.artifact, at: [] },
  'Artifact key': { host: HOSTS.artifact, at: ['keys', 0] },
  'DSSE envelope': { host: HOSTS.envelope, at: [] },
  'Envelope signature': { host: HOSTS.envelope, at: ['signatures', 0] },
  'In-toto statement': { host: HOSTS.statement, at: [] },
  'Statement subject': { host: HOSTS.statement, at: ['subject', 0] },
  'Subject digest': { host: HOSTS.statement, at: ['subject', 0, 'digest'] },
  'Deployment predicate': { host: HOSTS.deployment, at: [] },
  Region: { host: HOSTS.deployment, at: ['regions', 0] },
  'Data center': { host: HOSTS.deployment, at: ['regions', 0, 'data_centers', 0] },
  Member: { host: HOSTS.deployment, at: ['members', 0] },
  Quorum: { host: HOSTS.deployment, at: ['quorum'] },
  'Fleet key': { host: HOSTS.deployment, at: ['keys', 0] },
  Ceremony: { host: HOSTS.deployment, at: ['ceremony'] },
  Witness: { host: HOSTS.deployment, at: ['ceremony', 'witnesses', 0] },
  'Certificate predicate': { host: HOSTS.certificate, at: [] },
  'Certificate subject': { host: HOSTS.certificate, at: ['subject'] },
  'Certificate public key': { host: HOSTS.certificate, at: ['public_key'] },
  'Attestation predicate': { host: HOSTS.attestation, at: [] },
  'Attested HSM': { host: HOSTS.attestation, at: ['hsm'] },
  'Attested key': { host: HOSTS.attestation, at: ['keys', 0] },
  'Attestation file, `fleetproof-dsse-v1`': { host: HOSTS.attestationFile, at: [] },
  'Attestation file, vendor formats': { host: HOSTS.vendorFile, at: [] },
  'Vendor attestation key': { host: HOSTS.vendorFile, at: ['keys', 0] },
};

// ---------------------------------------------------------------------------------------------------------------
// Probes

const ABSENT = Symbol('absent');
const ENCODINGS: ErrorCode[] = ['HEX_INVALID', 'LENGTH_INVALID', 'BASE64_INVALID'];

function objectAt(root: unknown, at: Key[]): Obj {
  let o = root;
  for (const k of at) o = (o as Record<Key, unknown>)[k];
  return o as Obj;
}

/** The host's root with the target's `field` set to `value` (or deleted). */
function edited(target: { host: Host; at: Key[] }, field: string, value: unknown): unknown {
  const root = structuredClone(target.host.root);
  const o = objectAt(root, target.at);
  if (value === ABSENT) delete o[field];
  else o[field] = value;
  return root;
}

const within = (path: string, field: string) =>
  path === field || path.startsWith(`${field}[`) || path.startsWith(`${field}.`);

class Prober {
  readonly path: string;
  constructor(
    readonly target: { host: Host; at: Key[] },
    readonly row: Row,
  ) {
    this.path = pathOf(target.host.base, ...target.at, row.field);
  }

  private show = (v: unknown): string => {
    if (v === ABSENT) return 'no value';
    if (typeof v === 'string' && v.length > 40) return `"${v.slice(0, 12)}…" (${v.length} characters)`;
    if (Array.isArray(v) && v.length > 2) return `[${v.length} entries]`;
    const s = JSON.stringify(v);
    return s.length > 80 ? `${s.slice(0, 60)}…` : s;
  };

  /**
   * Rejected, with one of `codes`, at the field (or inside it unless `exact`), by the wire schema or else (unless
   * `schemaOnly`) by the parse function. Returns whether the wire schema alone let it through.
   */
  rejects(
    value: unknown,
    codes: ErrorCode[] = ['SCHEMA_INVALID'],
    exact = false,
    schemaOnly = false,
  ): boolean {
    const root = edited(this.target, this.row.field, value);
    let e = this.target.host.wire(root);
    const byParse = e === null;
    if (!schemaOnly) e ??= this.target.host.full(root);
    assert.ok(
      e && codes.includes(e.code) && (exact ? e.path === this.path : within(e.path, this.path)),
      `${this.row.text}: ${this.show(value)} at ${this.path} should fail with ${codes.join(' or ')}, got ${
        e ? `${e.code} at ${e.path}` : 'no error'
      }`,
    );
    return byParse;
  }

  /** Accepted by the wire schema and, when `byParse`, not refused by the parse function at the field itself. */
  accepts(value: unknown, byParse = false, codes?: ErrorCode[]): void {
    const root = edited(this.target, this.row.field, value);
    const e = this.target.host.wire(root);
    assert.equal(e, null, `${this.row.text}: ${this.show(value)} at ${this.path} should be accepted`);
    if (!byParse) return;
    const f = this.target.host.full(root);
    assert.ok(
      !(f && f.path === this.path && (codes === undefined || codes.includes(f.code))),
      `${this.row.text}: ${this.show(value)} at ${this.path} should be accepted, got ${f?.code} at ${f?.path}`,
    );
  }

  /** Not refused at the field for an encoding (hex, base64 and their lengths, §2) that the row does not state. */
  notEncoded(value: unknown): void {
    const root = edited(this.target, this.row.field, value);
    const e = this.target.host.wire(root) ?? this.target.host.full(root);
    assert.ok(
      !(e && e.path === this.path && ENCODINGS.includes(e.code)),
      `${this.row.text}: ${this.show(value)} at ${this.path} fails with ${e?.code}, which the row does not state`,
    );
  }

  /** Each of `reject` is refused with `codes`, each of `accept` accepted (by the parse function too if it refused). */
  bound(accept: unknown[], reject: unknown[], codes: ErrorCode[] = ['SCHEMA_INVALID'], exact = false): void {
    let byParse = false;
    for (const v of reject) byParse = this.rejects(v, codes, exact) || byParse;
    for (const v of accept) this.accepts(v, byParse);
  }
}

type Bound = Extract<Clause, { kind: 'chars' | 'entries' | 'range' }>;
const boundsOf = (row: Row, kind: Bound['kind']) => row.clauses.filter((x): x is Bound => x.kind === kind);

const instanceOf = (target: { host: Host; at: Key[] }) => objectAt(target.host.root, target.at);

/** A value the row allows, for a field the instance does not carry. */
function sample(row: Row): unknown {
  const t = row.type;
  if (t.kind === 'enum') return t.values[0];
  if (t.kind === 'integer') return boundsOf(row, 'range')[0]?.min ?? 0;
  if (t.kind === 'boolean') return false;
  if (t.kind === 'object') return {};
  if (t.kind === 'array') return [];
  const c = row.clauses;
  if (c.some((x) => x.kind === 'identifier')) return 'a';
  if (c.some((x) => x.kind === 'hex')) return '00';
  return 'a'.repeat(Math.max(1, boundsOf(row, 'chars')[0]?.min ?? 0));
}

/** A string longer than any bound a schema could have, a DSSE payload's included (16 Mi characters). */
const UNBOUNDED = 'a'.repeat(16 * 1024 * 1024);

const WRONG_TYPE: Record<string, unknown[]> = {
  string: [0, null, true, [], {}],
  integer: ['1', 1.5, null, true, [], {}],
  boolean: ['true', 0, null],
  object: ['x', 0, null, []],
  array: [{}, 'x', null],
};

/** Every value the document writes in backticks: the candidates a "one of" must accept exactly when it lists them. */
const TOKENS = [...new Set([...DOC.matchAll(/`([^`\n]+)`/g)].map((m) => m[1]!))];

function probeRow(target: { host: Host; at: Key[] }, row: Row): void {
  const p = new Prober(target, row);
  const value = instanceOf(target)[row.field];
  const present = value !== undefined ? value : sample(row);

  // Required: by the schema itself (a field that a rule requires only in some cases is the schema's optional).
  if (row.required === 'yes') p.rejects(ABSENT, ['SCHEMA_INVALID'], true, true);
  else p.accepts(ABSENT);

  // Type: the instance's value has it, and a value of another type is rejected.
  const t = row.type;
  if (value !== undefined) {
    const is = {
      string: typeof value === 'string',
      integer: Number.isInteger(value),
      boolean: typeof value === 'boolean',
      object: typeof value === 'object' && value !== null && !Array.isArray(value),
      array:
        Array.isArray(value) &&
        value.every((v) =>
          t.kind === 'array' && t.of === 'strings' ? typeof v === 'string' : typeof v === 'object',
        ),
      enum: t.kind === 'enum' && t.values.includes(value as string),
    }[t.kind];
    assert.ok(is, `${row.text}: the instance's ${JSON.stringify(value).slice(0, 40)} is of this type`);
  }
  const wrong =
    t.kind === 'enum' ? (typeof t.values[0] === 'number' ? ['1', null] : [0, null]) : WRONG_TYPE[t.kind]!;
  for (const v of wrong) p.rejects(v);
  if (t.kind === 'array') {
    p.rejects([t.of === 'strings' ? 0 : 'x']);
  }

  // One of.
  if (t.kind === 'enum') {
    for (const v of t.values) p.accepts(v);
    const others = TOKENS.filter((x) => !t.values.includes(x) && !t.values.includes(Number(x)));
    for (const v of others) {
      const candidate = typeof t.values[0] === 'number' && /^\d+$/.test(v) ? Number(v) : v;
      p.rejects(candidate);
    }
    if (typeof t.values[0] === 'number') for (const v of [0, 2, 3]) if (!t.values.includes(v)) p.rejects(v);
  }

  // Bounds and forms.
  const c = row.clauses;
  const has = (k: Clause['kind']) => c.some((x) => x.kind === k);
  const forms = has('identifier') || has('time') || has('keyId') || has('namespaceName');
  if (t.kind === 'string' && !forms) {
    const chars = boundsOf(row, 'chars');
    if (!chars.some((x) => x.min > 0)) p.accepts('');
    if (!chars.some((x) => x.max < Infinity)) p.accepts(UNBOUNDED);
  }
  if (t.kind === 'string' && !has('hex') && !has('base64') && !has('firmware')) p.notEncoded('a');
  if (t.kind === 'array' && Array.isArray(present)) {
    const entries = boundsOf(row, 'entries');
    if (!entries.some((x) => x.min > 0)) p.accepts([], true);
    if (!entries.some((x) => x.max < Infinity)) {
      const many = Array<unknown>(10_000).fill(present[0]);
      p.accepts(many, true, ['LIMIT_EXCEEDED']);
    }
  }
  if (t.kind === 'integer' && !has('range')) p.bound([0, Number.MAX_SAFE_INTEGER], [-1, 2 ** 53]);

  for (const clause of c) {
    const codes: ErrorCode[] = 'code' in clause && clause.code ? [clause.code] : ['SCHEMA_INVALID'];
    switch (clause.kind) {
      case 'chars': {
        const { min, max } = clause;
        const accept = [min === 0 ? '' : 'a'.repeat(min)];
        const reject = min > 0 ? ['a'.repeat(min - 1)] : [];
        if (max < Infinity) {
          // Characters are UTF-16 code units: an emoji counts 2.
          accept.push('a'.repeat(max), 'a'.repeat(max - 2) + '😀');
          reject.push('a'.repeat(max + 1), 'a'.repeat(max - 1) + '😀');
        } else accept.push(UNBOUNDED);
        p.bound(accept, reject, codes);
        break;
      }
      case 'entries': {
        // Each bound of a row is judged alone (each may have its own code), with values the others allow.
        assert.ok(Array.isArray(present) && present.length > 0, `${row.text}: the instance has entries`);
        const n = (k: number) => Array<unknown>(k).fill(present[0]);
        if (clause.min > 0) p.bound([n(clause.min)], [n(clause.min - 1)], codes, true);
        if (clause.max < Infinity) p.bound([n(clause.max)], [n(clause.max + 1)], codes, true);
        break;
      }
      case 'range':
        p.bound([clause.min, clause.max], [clause.min - 1, clause.max + 1], codes);
        break;
      case 'identifier':
        p.bound(
          ['a'.repeat(128), '0a._-', 'z9'],
          ['a'.repeat(129), '', 'A', '-a', '.a', 'a/b', 'a b', 'é'],
          codes,
        );
        break;
      case 'eachIdentifier':
        p.bound([['a'.repeat(128)]], [['a'.repeat(129)], [''], ['A'], ['-a']], codes);
        break;
      case 'keyId':
        p.bound(
          [`${'a'.repeat(128)}/${'b'.repeat(128)}`, 'a/b', '0._-/9._-'],
          [`${'a'.repeat(129)}/b`, `a/${'b'.repeat(129)}`, 'ab', 'a/b/c', 'A/b', 'a/B', '/b', 'a/', '-a/b'],
          codes,
        );
        break;
      case 'namespaceName':
        p.bound(
          ['A' + 'a'.repeat(clause.max - 1), '0', 'Z.a_b-c'],
          ['a'.repeat(clause.max + 1), '', '-a', '.a', 'a b', 'a/b', 'é'],
          codes,
        );
        break;
      case 'eachChars':
        p.bound([['a'.repeat(clause.min)]], clause.min > 0 ? [['a'.repeat(clause.min - 1)]] : [], codes);
        break;
      case 'time':
        p.bound(
          ['2024-02-29T23:59:59Z', '1970-01-01T00:00:00Z'],
          [
            '2023-02-29T00:00:00Z',
            '2021-06-14T24:00:00Z',
            '2021-06-14T09:00:00.000Z',
            '2021-06-14 09:00:00Z',
            '2021-06-14T09:00:00+00:00',
            '2021-06-14T09:00Z',
            '',
          ],
          codes,
        );
        break;
      case 'hex': {
        const [lo, hi] = clause.bytes ?? [1, 1];
        const valid = clause.bytes ? 'ab'.repeat(lo) : present;
        // The form: lowercase, even length [HEX_INVALID].
        p.bound([valid], ['AB'.repeat(lo), 'a'.repeat(2 * lo + 1), 'zz'.repeat(lo)], ['HEX_INVALID'], true);
        // The decoded length [LENGTH_INVALID] (§2).
        if (clause.bytes)
          p.bound(
            ['ab'.repeat(lo), 'ab'.repeat(hi)],
            ['ab'.repeat(lo - 1), 'ab'.repeat(hi + 1)],
            ['LENGTH_INVALID'],
            true,
          );
        // No length stated, and no section named that would state one: any length.
        else if (!has('note')) for (const n of [0, 1, 100]) p.notEncoded('ab'.repeat(n));
        break;
      }
      case 'firmware':
        p.bound(
          [
            '2.4.0',
            '0.0.0',
            `${clause.max}.${clause.max}.${clause.max}`,
            ...clause.bytes.map((n) => 'ab'.repeat(n)),
          ],
          [
            `${clause.max + 1}.0.0`,
            '01.2.3',
            '2.4',
            '2.4.0.1',
            ...clause.bytes.map((n) => 'AB'.repeat(n)),
            ...Array.from({ length: 100 }, (_, n) => 'ab'.repeat(n)).filter(
              (_, n) => !clause.bytes.includes(n),
            ),
          ],
          ['HEX_INVALID', 'LENGTH_INVALID'],
          true,
        );
        break;
      case 'base64':
        p.bound([present], ['QQ', 'QR==', 'Q===', 'QUJD!'], ['BASE64_INVALID'], true);
        break;
      case 'note':
        break;
    }
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Tests

const TABLES = parseTables(DOC);

test('when §13 is read, its tables are numbered in order and each is an object of the evidence', () => {
  assert.deepEqual(
    TABLES.map((t) => t.number),
    TABLES.map((_, i) => i + 1),
  );
  assert.deepEqual(TABLES.map((t) => t.title).sort(), Object.keys(TARGETS).sort());
  for (const host of Object.values(HOSTS)) {
    assert.equal(host.wire(host.root), null, 'the instance passes its wire schema');
    assert.equal(host.full(host.root), null, 'the instance passes its parse function');
  }
});

for (const table of TABLES) {
  const target = TARGETS[table.title];
  describe(`§13.${table.number} ${table.title}`, () => {
    test(`when §13.${table.number} lists the fields of ${table.title}, they are those the verifier reads`, () => {
      assert.ok(target, `no object of the evidence is matched with "${table.title}"`);
      const instance = instanceOf(target);
      const listed = table.rows.map((r) => r.field);
      assert.equal(new Set(listed).size, listed.length, 'each field once');
      for (const k of Object.keys(instance)) assert.ok(listed.includes(k), `${k} is in the table`);
      for (const r of table.rows) {
        if (r.required === 'yes') assert.ok(r.field in instance, `${r.field}, required, is in the instance`);
        else if (!(r.field in instance)) new Prober(target, r).accepts(sample(r));
        // A nested object's table lists its fields.
        const t = r.type;
        const ref = t.kind === 'object' || t.kind === 'array' ? t.ref : undefined;
        if (ref !== undefined) {
          const nested = TABLES.find((x) => x.number === ref);
          assert.ok(nested, `${r.field}: §13.${ref} exists`);
          const v = instance[r.field];
          const o = (Array.isArray(v) ? v[0] : v) as Obj;
          const fields = nested.rows.map((x) => x.field);
          for (const k of Object.keys(o)) assert.ok(fields.includes(k), `${r.field}: ${k} is in §13.${ref}`);
          for (const x of nested.rows)
            if (x.required === 'yes') assert.ok(x.field in o, `${r.field}.${x.field}`);
        }
      }
      const objPath = pathOf(target.host.base, ...target.at);
      const e = target.host.wire(edited(target, 'x_unlisted', 'x'));
      assert.ok(
        e && e.code === 'SCHEMA_INVALID' && e.path === objPath,
        `an unlisted field is rejected at ${objPath}: ${e?.code} at ${e?.path}`,
      );
    });

    for (const row of table.rows) {
      test(`when §13.${table.number} says ${row.text}, the verifier agrees`, () => {
        assert.ok(target);
        probeRow(target, row);
      });
    }
  });
}
