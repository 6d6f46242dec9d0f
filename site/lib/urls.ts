/**
 * The site's URL map, in one place. Fleet ids, HSM ids and namespace names are identifiers the core has checked
 * (`[a-z0-9._-]`, namespaces `[A-Za-z0-9._-]`); every segment is still percent-encoded so that no value can break
 * out of its segment.
 *
 *   /                              posts, newest first
 *   /fleets/<fleet-id>/            a fleet's post and its evidence
 *   /posts/<slug>/                 any other post (the namespace post among them)
 *   /namespace/                    the timeline of the primary namespace (the first the evidence publishes)
 *   /namespace/<epoch>/            one epoch of it
 *   /namespaces/<name>/[<epoch>/]  the same for any further namespace
 *   /trust-roots/  /audit/
 *   /evidence/<path>               every evidence file, byte for byte;  /evidence/index.json
 *   /packs/fleets/<fleet-id>.pack  /packs/namespaces/<name>.pack   the widget's packs of them (site/widget/pack.ts)
 *   /verification-report.json  /feed.xml  /sitemap.xml
 */
const seg = (s: string | number) => encodeURIComponent(String(s));

export function fleetUrl(fleetId: string): string {
  return `/fleets/${seg(fleetId)}/`;
}

/** The HTML id of a fleet key's row on its fleet page. */
export function keyAnchor(keyId: string): string {
  return /^[A-Za-z0-9._/-]+$/.test(keyId)
    ? `key-${keyId}`
    : `key-x${[...new TextEncoder().encode(keyId)].map((b) => b.toString(16).padStart(2, '0')).join('')}`;
}

export function keyUrl(fleetId: string, keyId: string): string {
  return `${fleetUrl(fleetId)}#${keyAnchor(keyId)}`;
}

export function postUrl(slug: string): string {
  return `/posts/${seg(slug)}/`;
}

export function namespaceUrl(namespace: string, primary: boolean): string {
  return primary ? '/namespace/' : `/namespaces/${seg(namespace)}/`;
}

export function epochUrl(namespace: string, epoch: number, primary: boolean): string {
  return `${namespaceUrl(namespace, primary)}${seg(epoch)}/`;
}

export function evidenceUrl(path: string): string {
  return `/evidence/${path.split('/').map(seg).join('/')}`;
}

/** `0123456789abcdef…` — the first `n` characters and an ellipsis (the whole value if it is short). */
export function shortHex(hex: string, n = 16): string {
  return hex.length <= n + 1 ? hex : `${hex.slice(0, n)}…`;
}

/** A pinned key's row on /trust-roots/. */
export function trustKeyUrl(id: string): string {
  return `/trust-roots/#trust-${seg(id)}`;
}
