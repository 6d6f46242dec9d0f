/**
 * The narrative posts for content/posts/: one per fleet, written as the operator's security team would, and one
 * about the namespace and its rotations. Evidence is cited with `:key[<key-id>]` and `:epoch[<n>]` directives
 * (rendered by site/remark/citations.ts); only keys and epochs that the generated tree holds are cited.
 */
import { MODELS, WITNESSES, type WitnessInfo } from './catalog.ts';
import type { DemoContext } from './context.ts';
import { ms } from './json.ts';
import { type EpochPlan, type FleetPlan } from './model.ts';
import { monthYear } from '../site/lib/format.ts';

/** A YAML scalar as Prettier writes it: single-quoted unless the text holds a single quote. */
function yamlString(v: string): string {
  return v.includes("'") ? JSON.stringify(v) : `'${v}'`;
}

function frontMatter(fields: Record<string, string>): string {
  const lines = Object.entries(fields).map(([k, v]) =>
    k === 'pubDate' ? `${k}: ${v}` : `${k}: ${yamlString(v)}`,
  );
  return `---\n${lines.join('\n')}\n---\n`;
}

const day = (iso: string) => iso.slice(0, 10);

const count = (n: number) => ['Zero', 'One', 'Two', 'Three', 'Four'][n] ?? String(n);

/** "Sydney 1 data center (Sydney, `ap-southeast-2`)" from the plan. */
function ceremonyPlace(fleet: FleetPlan): string {
  const region = fleet.regions[0]!;
  return `${region.dataCenters[0]!.name} data center (${region.name}, \`${region.id}\`)`;
}

function humanList(items: string[]): string {
  if (items.length <= 1) return items.join('');
  return `${items.slice(0, -1).join(', ')} and ${items.at(-1)}`;
}

function witnessLine(w: WitnessInfo): string {
  return `${w.name} (${w.organization}, ${w.kind}; key \`${w.id}\`, published at ${w.publishedAt})`;
}

/** The first epoch carrying any key of the fleet, and the first where one of its keys is active. */
function fleetEpochs(
  ctx: DemoContext,
  fleet: FleetPlan,
): { first?: EpochPlan; active?: EpochPlan; retiring?: EpochPlan; gone?: EpochPlan } {
  const carries = (e: EpochPlan) => e.keys.filter((k) => k.fleet_id === fleet.fleetId);
  const first = ctx.model.epochs.find((e) => carries(e).length > 0);
  const active = ctx.model.epochs.find((e) => carries(e).some((k) => k.role === 'active'));
  const retiring = ctx.model.epochs.find((e) => carries(e).some((k) => k.role === 'retiring'));
  const gone = first
    ? ctx.model.epochs.find((e) => e.epoch > first.epoch && carries(e).length === 0)
    : undefined;
  return { first, active, retiring, gone };
}

function predecessor(ctx: DemoContext, fleet: FleetPlan): FleetPlan | undefined {
  return ctx.model.fleets
    .filter((f) => f.group === fleet.group && f.generation.year < fleet.generation.year)
    .at(-1);
}

function whyParagraph(ctx: DemoContext, fleet: FleetPlan): string {
  const prev = predecessor(ctx, fleet);
  const hw = MODELS[fleet.generation.model]!;
  switch (fleet.generation.why) {
    case 'first':
      return (
        `Encrypted backups are only as private as the keys that guard them. From ${monthYear(ms(fleet.deployedAt))} on, ` +
        `those keys live in ${fleet.fleetId}: a fleet of ${fleet.members.length} ${hw.model} hardware security modules that ` +
        `generate the fleet keys inside the hardware, never let them out, and enforce the guess limits on every recovery ` +
        `attempt. Not even our own engineers can take a key out of the fleet or read a backup. This post explains what we ` +
        `deployed, how the keys were made, and how you can check every claim here without trusting us.`
      );
    case 'refresh':
      return (
        `${prev ? `${prev.fleetId} has served encrypted backups since ${monthYear(ms(prev.deployedAt))}. ` : ''}Its ` +
        `${prev ? MODELS[prev.generation.model]!.model : 'previous'} units are reaching the end of their vendor support, and ` +
        `we want every key to live on hardware that still receives firmware fixes. So we built a successor, ${fleet.fleetId}: ` +
        `${fleet.members.length} ${hw.model} HSMs with fresh keys generated in a new ceremony. Nothing moves from the old ` +
        `fleet to the new one: the new keys never existed outside the new hardware, and the old keys retire with the old fleet.`
      );
    default:
      return (
        `${fleet.fleetId} brings a new generation of hardware (${hw.model}) and a different set of regions, so that a ` +
        `recovery request is answered close to where people are${prev ? `, while ${prev.fleetId} winds down` : ''}. ` +
        `As with every fleet, the keys were generated inside the new HSMs during a witnessed ceremony and cannot be exported.`
      );
  }
}

function fleetPost(ctx: DemoContext, fleet: FleetPlan): string {
  const hw = MODELS[fleet.generation.model]!;
  const ep = fleetEpochs(ctx, fleet);
  const witnesses = fleet.ceremony.witnesses.map((w) => WITNESSES.find((x) => x.id === w.id)!);
  const regionLines = fleet.regions.map((r) => {
    const count = fleet.members.filter((m) => m.region === r.id).length;
    const dcs = r.dataCenters.map((d) => `${d.name} (\`${d.id}\`)`);
    return `- **${r.name}** (\`${r.id}\`): ${count} HSMs in ${humanList(dcs)}`;
  });
  const keyLines = fleet.keys.map(
    (k) =>
      `- \`${k.keyId}\` (${k.algorithm}), fingerprint :key[${k.keyId}], generated on \`${k.generatedOn}\`. ${k.purpose}`,
  );
  const service: string[] = [];
  if (ep.first) {
    const firstRole = ep.first.keys.find((k) => k.fleet_id === fleet.fleetId)!.role;
    service.push(
      `Its keys first appeared in the fleet-key namespace at :epoch[${ep.first.epoch}], as ${firstRole}.`,
    );
  }
  if (ep.active && ep.active !== ep.first)
    service.push(`Clients started using them at :epoch[${ep.active.epoch}].`);
  if (ep.retiring)
    service.push(
      `They were marked retiring at :epoch[${ep.retiring.epoch}], accepted only to recover existing backups.`,
    );
  if (ep.gone) service.push(`They left the namespace at :epoch[${ep.gone.epoch}] and can never come back.`);
  const intro = whyParagraph(ctx, fleet);
  const title =
    fleet.generation.why === 'first'
      ? `Introducing ${fleet.fleetId}, the HSM fleet that guards encrypted backups`
      : fleet.generation.why === 'refresh'
        ? `Refreshing the hardware: ${fleet.fleetId} takes over`
        : `${fleet.fleetId}: new hardware and new regions`;
  const description =
    `${fleet.fleetId} runs ${fleet.members.length} ${hw.model} HSMs in ${fleet.regions.length} regions. ` +
    `Its keys were generated in a ceremony on ${day(fleet.ceremony.performedAt)} before ${count(witnesses.length).toLowerCase()} independent witnesses.`;
  return (
    frontMatter({ title, description, pubDate: day(fleet.deployedAt), fleet: fleet.fleetId }) +
    `
${intro}

## Where it runs

${fleet.fleetId} went into service on ${day(fleet.deployedAt)}. Its ${fleet.members.length} members are spread over ${fleet.regions.length} regions, so that losing a data center, or a whole region, loses no key and no backup:

${regionLines.join('\n')}

Changes to the fleet as a whole need a quorum of ${fleet.threshold} members out of ${fleet.members.length}: a strict majority, so no minority of HSMs, and no single region, can act alone. The members run firmware ${humanList(fleet.firmwareVersions)}; each member's attestation states the measurement of the firmware it runs, and the deployment record lists the measurement we expect.

## The key ceremony

On ${day(fleet.ceremony.performedAt)} we generated the fleet keys in the key-ceremony room of the ${ceremonyPlace(fleet)}. ${count(witnesses.length)} people from organisations independent of us watched every step:

${witnesses.map((w) => `- ${witnessLine(w)}`).join('\n')}

Each witness checked the key fingerprints shown by the HSMs against the deployment record, and then signed the record with their own key. Their keys are pinned in \`trust-roots.json\` next to the address where each of them published it, so you do not have to take our word for who they are.

The fleet holds three keys:

${keyLines.join('\n')}

Every key was generated inside one HSM and imported by the others over the vendor's fleet-cloning protocol; every member's attestation says so, and says the keys are not exportable. ${service.join(' ')}

## Check it yourself

Everything above is in the evidence published with this site, and every piece of it is signed:

1. \`fleets/${fleet.fleetId}/deployment.json\` is the deployment record, signed by our operator key \`${fleet.operatorKeyId}\` and by each witness.
2. \`fleets/${fleet.fleetId}/attestations/\` holds one attestation per HSM, signed by the HSM's device key, whose certificate chains to the vendor root pinned in \`trust-roots.json\`.
3. The namespace's epochs show when clients were given these keys; each epoch is signed by the auditor and counter-signed by us.

Run the verifier on your own machine, offline:

\`\`\`sh
npx fleetproof verify --evidence evidence
\`\`\`

Then compare the fingerprints of the pinned keys in \`trust-roots.json\` with the places they were published. If anything does not verify, the verifier tells you which file, which field and which rule. Please tell us too.

_Every key in this evidence is a demo key, derived from a public seed: this fleet is an illustration, not a production system._
`
  );
}

function namespacePost(ctx: DemoContext): string {
  const m = ctx.model;
  const epochs = m.epochs;
  const first = epochs[0]!;
  const last = epochs.at(-1)!;
  const find = (p: (e: EpochPlan, prev: EpochPlan) => boolean) =>
    epochs.find((e, i) => i > 0 && p(e, epochs[i - 1]!));
  const roleOf = (e: EpochPlan, id: string) => e.keys.find((k) => k.key_id === id)?.role;
  const main = m.fleets.filter((f) => f.group === 0);
  const [f21, f24, f26] = main;
  const events: string[] = [];
  const when = (e: EpochPlan) => day(new Date(e.timestamp).toISOString());
  const changed = (e: EpochPlan, prev: EpochPlan) =>
    e.keys.filter((k) => roleOf(prev, k.key_id) !== undefined && roleOf(prev, k.key_id) !== k.role);
  const roleChange = find((e, prev) => changed(e, prev).length === 1);
  events.push(
    `- ${when(first)}, :epoch[${first.epoch}]: the namespace starts with the keys of ${f21?.fleetId ?? 'the first fleet'}.`,
  );
  if (roleChange) {
    const prev = epochs[roleChange.epoch - 2]!;
    const k = changed(roleChange, prev)[0]!;
    events.push(
      `- ${when(roleChange)}, :epoch[${roleChange.epoch}]: \`${k.key_id}\` (:key[${k.key_id}]) goes from ${roleOf(prev, k.key_id)} to ${k.role}, once cross-region replication was switched on. A role change, not a new key.`,
    );
  }
  for (const f of [f24, f26]) {
    if (!f) continue;
    const ep = fleetEpochs(ctx, f);
    if (ep.first)
      events.push(
        `- ${when(ep.first)}, :epoch[${ep.first.epoch}]: ${f.fleetId}'s keys are announced as standby, so that clients learn them before they need them.`,
      );
    if (ep.active) {
      const prev = main[main.indexOf(f) - 1];
      events.push(
        `- ${when(ep.active)}, :epoch[${ep.active.epoch}]: ${f.fleetId} becomes active${prev ? ` and ${prev.fleetId} retiring: new backups go to the new fleet, old ones can still be recovered` : ''}.`,
      );
    }
  }
  if (f21) {
    const gone = fleetEpochs(ctx, f21).gone;
    if (gone)
      events.push(
        `- ${when(gone)}, :epoch[${gone.epoch}]: ${f21.fleetId}'s keys leave the namespace for good. The verifier checks that a key that left never comes back.`,
      );
  }
  events.sort((a, b) => Number(/:epoch\[(\d+)\]/.exec(a)![1]) - Number(/:epoch\[(\d+)\]/.exec(b)![1]));
  const protobuf = epochs.find((e) => e.ciphersuite === 1);
  const auditorSwitch = find((e, prev) => e.auditorKeyId !== prev.auditorKeyId);
  const operatorSwitch = find((e, prev) => e.operatorKeyId !== prev.operatorKeyId);
  const notes: string[] = [];
  if (protobuf)
    notes.push(
      `From :epoch[${protobuf.epoch}] the auditor signs with Plexi's protobuf ciphersuite (0x0001); earlier epochs use the legacy bincode one (0x0002). The verifier rebuilds the signed bytes for both.`,
    );
  if (auditorSwitch)
    notes.push(
      `At :epoch[${auditorSwitch.epoch}] the auditor moved from \`${epochs[auditorSwitch.epoch - 2]!.auditorKeyId}\` to \`${auditorSwitch.auditorKeyId}\`, inside the months when both keys are valid.`,
    );
  if (operatorSwitch)
    notes.push(
      `At :epoch[${operatorSwitch.epoch}] our counter-signature moved from \`${epochs[operatorSwitch.epoch - 2]!.operatorKeyId}\` (Ed25519) to \`${operatorSwitch.operatorKeyId}\` (ECDSA P-256).`,
    );
  return (
    frontMatter({
      title: 'How clients learn the fleet keys, and how we rotate them',
      description: `The ${m.namespace} namespace: ${epochs.length} signed epochs, ${main.length} fleets, and two key rotations that anyone can replay.`,
      pubDate: day(new Date(last.timestamp).toISOString()),
      namespace: m.namespace,
    }) +
    `
Your device needs to know which keys to encrypt its backup to. It learns them from the namespace \`${m.namespace}\`: a sequence of epochs, each publishing one artifact that lists the fleet keys in service and their role. \`active\` keys are used for new backups, \`standby\` keys are announced ahead of use, and \`retiring\` keys are accepted only to recover existing backups.

Every epoch's artifact is hashed, the digest is signed by an independent auditor running Cloudflare's Plexi, and we counter-sign the auditor's signature. Your device accepts a new artifact only with both signatures. Because the auditor signs every epoch in order, we cannot show different keys to different people, or quietly swap a key and swap it back: the epochs run consecutively, every digest appears once, and the auditor keeps its own record of each one.

## The rotations so far

${events.join('\n')}

The namespace has published ${epochs.length} epochs so far, from :epoch[${first.epoch}] to :epoch[${last.epoch}]. A key may only appear in an epoch after its fleet was deployed, and each key in each epoch must be a key that a verified fleet deployment holds, with the same public key.

## Signatures over time

${notes.join('\n\n')}

## Check it yourself

\`\`\`sh
npx fleetproof verify --evidence evidence
\`\`\`

checks every epoch: the artifact's digest, the auditor's signature, our counter-signature, the auditor's own record, and the rules above. The report lists, for every epoch, the keys added, removed and changed since the one before.

_Every key in this evidence is a demo key, derived from a public seed: this namespace is an illustration, not a production system._
`
  );
}

/** File name (in content/posts/) → Markdown. */
export function generatePosts(ctx: DemoContext): Map<string, string> {
  const out = new Map<string, string>();
  for (const f of ctx.model.fleets) out.set(`${f.fleetId}.md`, fleetPost(ctx, f));
  out.set('fleet-key-rotation.md', namespacePost(ctx));
  return new Map([...out.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}
