/**
 * The chain of trust, from the HSM vendor's pinned root to the operator's counter-signature on a bundle:
 *
 *   vendor root → intermediate CA → HSM device key → fleet key → bundle (epoch) → auditor signature
 *   → operator counter-signature
 *
 * `chainNodes` picks the concrete links for one fleet key from the verified model; `layoutChain` places them
 * (a vertical chain: it stays legible on a phone).
 */
import type { EpochModel, EvidenceModel, FleetModel } from '../../verify/index.ts';
import { epochUrl, fleetUrl, keyUrl, shortHex, trustKeyUrl } from '../lib/urls.ts';

export type ChainKind = 'root' | 'cert' | 'key' | 'data' | 'sig';

export interface ChainNode {
  kind: ChainKind;
  role: string;
  title: string;
  detail: string;
  href?: string | undefined;
  /** The edge label from this node to the next. */
  edge?: string | undefined;
}

/** The chain for a fleet key (default: the fleet's first), through the latest epoch that carried it. */
export function chainNodes(model: EvidenceModel, fleet: FleetModel, keyId?: string): ChainNode[] {
  const key = fleet.keys.find((k) => k.keyId === keyId) ?? fleet.keys[0];
  const member = fleet.members.find((m) => m.hsmId === key?.generatedOn);
  const chain = member?.attestation.chain ?? [];
  const device = chain[0];
  const intermediates = chain.slice(1);
  const root = model.trustRoots.find((r) => r.id === member?.attestation.rootId);
  const ns = model.namespaces[0];
  const epoch: EpochModel | undefined = key
    ? [...(ns?.epochs ?? [])].reverse().find((e) => e.keys.some((k) => k.keyId === key.keyId))
    : undefined;
  const nodes: ChainNode[] = [];
  nodes.push({
    kind: 'root',
    role: 'Vendor root (pinned)',
    title: root ? `${root.id}` : 'vendor root',
    detail: root ? `${root.vendor ?? ''} · SHA-256 ${shortHex(root.fingerprint)}` : '',
    href: root ? trustKeyUrl(root.id) : undefined,
    edge: 'certifies',
  });
  for (const c of [...intermediates].reverse()) {
    nodes.push({
      kind: 'cert',
      role: 'Intermediate CA',
      title: `${c.vendor} / ${c.model}`,
      detail: `SHA-256 ${shortHex(c.fingerprint)}`,
      edge: 'certifies',
    });
  }
  nodes.push({
    kind: 'cert',
    role: 'HSM device key',
    title: member ? `${member.hsmId} · serial ${member.serial}` : 'device',
    detail: device ? `SHA-256 ${shortHex(device.fingerprint)}` : '',
    href: member ? `${fleetUrl(fleet.fleetId)}#hsm-${member.hsmId}` : undefined,
    edge: 'attests: generated inside the HSM, not exportable',
  });
  nodes.push({
    kind: 'key',
    role: 'Fleet key',
    title: key ? key.keyId : 'fleet key',
    detail: key ? `${key.algorithm} · SHA-256 ${shortHex(key.fingerprint)}` : '',
    href: key ? keyUrl(fleet.fleetId, key.keyId) : undefined,
    edge: 'published in',
  });
  nodes.push({
    kind: 'data',
    role: 'Validation bundle',
    title: epoch ? `epoch ${epoch.epoch} of ${epoch.namespace}` : 'not yet published',
    detail: epoch ? `artifact SHA-256 ${shortHex(epoch.digest)}` : '',
    href: epoch && ns ? epochUrl(ns.name, epoch.epoch, true) : undefined,
    edge: 'digest signed by',
  });
  nodes.push({
    kind: 'sig',
    role: 'Auditor signature (Plexi)',
    title: epoch?.auditorKeyId ?? 'auditor',
    detail: epoch ? `Ed25519 · ${shortHex(epoch.signature)}` : '',
    href: epoch?.auditorKeyId ? trustKeyUrl(epoch.auditorKeyId) : undefined,
    edge: 'signature counter-signed by',
  });
  nodes.push({
    kind: 'sig',
    role: 'Operator counter-signature',
    title: epoch?.operatorKeyId ?? 'operator',
    detail: epoch ? `${shortHex(epoch.metaSignature)}` : '',
    href: epoch?.operatorKeyId ? trustKeyUrl(epoch.operatorKeyId) : undefined,
  });
  return nodes;
}

export interface ChainBox extends ChainNode {
  x: number;
  y: number;
  w: number;
  h: number;
}

export interface ChainLayout {
  width: number;
  height: number;
  boxes: ChainBox[];
  edges: { x: number; y1: number; y2: number; label: string }[];
}

export function layoutChain(nodes: ChainNode[], opts: { width?: number } = {}): ChainLayout {
  const width = opts.width ?? 520;
  const boxH = 58;
  const gap = 40;
  const boxW = 518;
  const x = 0;
  const boxes = nodes.map((n, i) => ({ ...n, x, y: i * (boxH + gap) + 1, w: boxW, h: boxH }));
  const edges = boxes
    .slice(0, -1)
    .map((b) => ({ x: x + 36, y1: b.y + boxH, y2: b.y + boxH + gap, label: b.edge ?? '' }));
  return { width, height: nodes.length * (boxH + gap) - gap + 2, boxes, edges };
}
