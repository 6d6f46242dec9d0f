/**
 * `fleetproof check-attestation FILE --format marvell|nitro|yubihsm2 [--chain PEMFILE] [--roots DIR] [--at TIME]
 * [--allow-incomplete-chain] [--json]`: verifies one vendor attestation with verify/vendors/ and prints the
 * normalized claim. FILE is raw or base64 (a YubiHSM key attestation may also be PEM). Exit status: 0 verified,
 * 1 not verified (an incomplete chain included, unless --allow-incomplete-chain; FILE, --chain or a --roots file
 * missing, unreadable or too large, as for check-record), 2 usage error.
 */
import { parseArgs } from 'node:util';
import { readdirSync, statSync } from 'node:fs';
import { basename, extname, join } from 'node:path';
import { VerificationError } from '../verify/errors.ts';
import { formatError } from '../verify/report.ts';
import { TreeReadError, namedReadError, readNamedFile } from './lib/read-tree.ts';
import { fromBase64, toHex } from '../verify/encoding.ts';
import {
  VENDOR_INPUT_FORMATS,
  type VendorInputFormat,
  checkVendorAttestation,
  decodePemCertificates,
  knownRoots,
  type PinnedRootInput,
  type VendorClaim,
} from '../verify/vendors/index.ts';
import { parseIsoTime } from '../verify/vendors/claim.ts';

const USAGE = `usage:
  fleetproof check-attestation FILE --format marvell|nitro|yubihsm2 [--chain PEMFILE] [--roots DIR] [--at TIME]
                               [--allow-incomplete-chain] [--json]
      verify one HSM vendor attestation and print what it attests
      FILE      the attestation, raw or base64 (Marvell: Google's gzip .dat; Nitro: the COSE document;
                YubiHSM 2: the key attestation certificate, DER or PEM)
      --chain   PEM bundle (Marvell: both chains as Google returns them; YubiHSM 2: the device certificate and,
                if you have it, the Yubico sub-CA); Nitro documents carry their own
      --roots   folder of pinned root certificates (*.pem, *.crt); default: the vendor roots built in
      --at      time to judge certificate validity at (YYYY-MM-DDTHH:MM:SSZ), for Marvell and YubiHSM 2,
                which carry none (e.g. the deployment's attested_at); default: now. Nitro uses its timestamp
      --allow-incomplete-chain  accept a chain that stops short of a pinned root (it is still reported)
exit status: 0 verified, 1 not verified, 2 usage error`;

/** Largest input file read, in bytes. */
const MAX_INPUT_BYTES = 1024 * 1024;

class UsageError extends Error {}

/**
 * The bytes of `path`. TreeReadError (FILE_MISSING, FILE_UNREADABLE) if it cannot be read, FILE_TOO_LARGE past
 * MAX_INPUT_BYTES.
 */
function readSmallFile(path: string): Uint8Array {
  // Read up to one byte past the limit (a file that grows after a size check cannot get past it).
  const bytes = readNamedFile(path, MAX_INPUT_BYTES + 1);
  if (bytes.length > MAX_INPUT_BYTES)
    throw new VerificationError('FILE_TOO_LARGE', `the file is larger than ${MAX_INPUT_BYTES} bytes`, {
      file: path,
    });
  return bytes;
}

const latin1 = (b: Uint8Array) => String.fromCharCode(...b);

/** Raw bytes, or base64 text (whitespace ignored), or for YubiHSM 2 also PEM. */
export function decodeInput(
  bytes: Uint8Array,
  format: VendorInputFormat,
  file: string,
): { main: Uint8Array; extra: Uint8Array[] } {
  const isText = bytes.every((b) => b === 9 || b === 10 || b === 13 || (b >= 32 && b < 127));
  if (!isText) return { main: bytes, extra: [] };
  const text = latin1(bytes);
  if (text.includes('-----BEGIN')) {
    if (format !== 'yubihsm2') throw new UsageError(`${file}: PEM input is only for --format yubihsm2`);
    const certs = decodePemCertificates(text, { file });
    if (certs.length === 0) throw new UsageError(`${file}: no CERTIFICATE block`);
    return { main: certs[0]!, extra: certs.slice(1) };
  }
  const b64 = text.replace(/\s+/g, '');
  if (b64.length > 0 && /^[A-Za-z0-9+/]+={0,2}$/.test(b64))
    return { main: fromBase64(b64, { file }), extra: [] };
  return { main: bytes, extra: [] };
}

function readRoots(dir: string): PinnedRootInput[] {
  let names: string[];
  try {
    names = readdirSync(dir).sort();
  } catch (e) {
    throw namedReadError(dir, e, true);
  }
  const roots: PinnedRootInput[] = [];
  for (const name of names) {
    if (!['.pem', '.crt', '.cer'].includes(extname(name).toLowerCase())) continue;
    const p = join(dir, name);
    let isFile: boolean;
    try {
      isFile = statSync(p).isFile();
    } catch (e) {
      throw namedReadError(p, e);
    }
    if (!isFile) continue;
    const certs = decodePemCertificates(latin1(readSmallFile(p)), { file: p });
    certs.forEach((der, i) =>
      roots.push({
        id: certs.length === 1 ? basename(name, extname(name)) : `${basename(name, extname(name))}#${i + 1}`,
        der,
      }),
    );
  }
  if (roots.length === 0)
    throw new UsageError(`--roots: no PEM certificates (*.pem, *.crt, *.cer) in ${dir}`);
  return roots;
}

/** JSON with byte arrays as lowercase hex. */
export function claimToJson(claim: VendorClaim | undefined): unknown {
  return claim === undefined
    ? undefined
    : JSON.parse(JSON.stringify(claim, (_k, v: unknown) => (v instanceof Uint8Array ? toHex(v) : v)));
}

function printClaim(c: VendorClaim): void {
  const exp =
    c.exportable === 'under-wrap' ? 'exportable under wrap' : c.exportable ? 'EXPORTABLE' : 'not exportable';
  console.log(
    `  vendor      ${c.vendor} ${c.model}, serial ${c.serial}${c.firmware ? `, firmware ${c.firmware}` : ''}`,
  );
  console.log(
    `  key         ${c.keyType}${c.publicKey?.bits ? ` (${c.publicKey.bits} bits)` : ''}, ${c.generatedOnDevice ? 'generated on the device' : 'NOT attested as generated on the device'}, ${exp}`,
  );
  if (c.publicKey?.spki) console.log(`  public key  SPKI ${toHex(c.publicKey.spki)}`);
  if (c.attestedAt) console.log(`  attested at ${c.attestedAt}`);
  console.log(`  judged at   ${c.timeUsed} (${c.timeSource})`);
  for (const [k, v] of Object.entries(c.measurements))
    if (!/^0+$/.test(v)) console.log(`  ${k.padEnd(11)} ${v}`);
  console.log(`  chain       ${c.chainComplete ? `complete, root ${c.rootId}` : 'INCOMPLETE'}`);
  for (const e of c.chain)
    console.log(
      `    ${e.group ? `${e.group} ` : ''}${e.role}: ${e.subject} (${e.notBefore} – ${e.notAfter})`,
    );
  for (const [k, v] of Object.entries(c.details))
    if (v !== undefined && !(typeof v === 'string' && v.length > 120))
      console.log(`  ${k.padEnd(11)} ${Array.isArray(v) ? v.join(', ') : String(v)}`);
  for (const n of c.notes) console.log(`  note: ${n}`);
}

export function runCheckAttestation(args: string[]): number {
  try {
    const { values, positionals } = parseArgs({
      args,
      options: {
        format: { type: 'string' },
        chain: { type: 'string' },
        roots: { type: 'string' },
        at: { type: 'string' },
        'allow-incomplete-chain': { type: 'boolean' },
        json: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
      allowPositionals: true,
    });
    if (values.help) {
      console.log(USAGE);
      return 0;
    }
    if (positionals.length !== 1) throw new UsageError('check-attestation takes exactly one FILE');
    const format = values.format as VendorInputFormat | undefined;
    if (!format || !VENDOR_INPUT_FORMATS.includes(format))
      throw new UsageError(`--format must be one of ${VENDOR_INPUT_FORMATS.join(', ')}`);
    if (format === 'nitro' && values.chain)
      throw new UsageError('--chain: a Nitro document carries its own chain');
    if (format === 'marvell' && !values.chain)
      throw new UsageError(
        '--chain is required for marvell (the certificate bundle Google returns with the attestation)',
      );
    if (values.at !== undefined) {
      try {
        parseIsoTime(values.at, '--at');
      } catch {
        throw new UsageError('--at: expected a UTC time YYYY-MM-DDTHH:MM:SSZ');
      }
    }
    const file = positionals[0]!;
    const input = decodeInput(readSmallFile(file), format, file);
    const chain = values.chain
      ? decodePemCertificates(latin1(readSmallFile(values.chain)), { file: values.chain })
      : [];
    if (values.chain && chain.length === 0)
      throw new UsageError(`--chain: no CERTIFICATE block in ${values.chain}`);
    const roots = values.roots ? readRoots(values.roots) : knownRoots();
    const r = checkVendorAttestation(format, input.main, [...input.extra, ...chain], {
      roots,
      at: values.at,
      file,
      allowIncompleteChain: values['allow-incomplete-chain'] ?? false,
    });
    if (values.json) {
      console.log(
        JSON.stringify({ ok: r.ok, format, file, claim: claimToJson(r.claim), errors: r.errors }, null, 2),
      );
    } else {
      if (r.claim) printClaim(r.claim);
      for (const e of r.errors) console.log(formatError(e));
      console.log(
        r.ok
          ? `✓ verified: ${r.claim!.vendor} ${r.claim!.model} ${r.claim!.serial}${r.claim!.chainComplete ? '' : ' (chain incomplete, allowed)'}`
          : '✗ NOT verified',
      );
    }
    return r.ok ? 0 : 1;
  } catch (e) {
    if (e instanceof UsageError || (e as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
      console.error(`fleetproof check-attestation: ${(e as Error).message}\n\n${USAGE}`);
      return 2;
    }
    if (e instanceof VerificationError || e instanceof TreeReadError) {
      // An input that cannot be read or is too large, a malformed --chain or --roots certificate, or base64 input
      // that does not decode.
      const err = (e instanceof TreeReadError ? e.toVerificationError() : e).toJSON();
      if (args.includes('--json')) console.log(JSON.stringify({ ok: false, errors: [err] }, null, 2));
      else console.log(`${formatError(err)}\n✗ NOT verified`);
      return 1;
    }
    throw e;
  }
}
