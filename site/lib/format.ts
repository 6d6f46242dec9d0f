/** Plain-text formatting for pages. Times are always shown in UTC, as the evidence states them. */
import type { FleetState } from '../../verify/report.ts';

const MONTHS = [
  'January',
  'February',
  'March',
  'April',
  'May',
  'June',
  'July',
  'August',
  'September',
  'October',
  'November',
  'December',
];

function asDate(t: Date | string | number): Date {
  return t instanceof Date ? t : new Date(t);
}

/** "14 June 2021" */
export function longDate(t: Date | string | number): string {
  const d = asDate(t);
  return `${d.getUTCDate()} ${MONTHS[d.getUTCMonth()]} ${d.getUTCFullYear()}`;
}

/** "June 2021" */
export function monthYear(t: Date | string | number): string {
  const d = asDate(t);
  return `${MONTHS[d.getUTCMonth()]} ${d.getUTCFullYear()}`;
}

/** "2021-06-14 09:00 UTC" */
export function utcMinute(t: Date | string | number): string {
  const iso = asDate(t).toISOString();
  return `${iso.slice(0, 10)} ${iso.slice(11, 16)} UTC`;
}

/** "2021-06-14T09:00:00.579Z" → the ISO text for a <time datetime>. */
export function isoTime(t: Date | string | number): string {
  return asDate(t).toISOString();
}

export function isoDay(t: Date | string | number): string {
  return asDate(t).toISOString().slice(0, 10);
}

export const STATE_LABEL: Record<FleetState, string> = {
  active: 'Active',
  standby: 'Standby',
  retiring: 'Retiring',
  retired: 'Retired',
  pending: 'Pending',
};

export const STATE_MEANING: Record<FleetState, string> = {
  active: 'the latest epoch carries at least one of its keys as active: clients use it',
  standby: 'the latest epoch announces its keys as standby, ahead of use',
  retiring: 'the latest epoch carries its keys as retiring: accepted only to recover existing backups',
  retired: 'its keys were published before and are no longer carried',
  pending: 'deployed, but no epoch has carried its keys yet',
};

export const CIPHERSUITE_LABEL: Record<number, string> = {
  1: '0x0001 ED25519_PROTOBUF',
  2: '0x0002 ED25519_BINCODE (legacy)',
};

export function plural(n: number, one: string, many = `${one}s`): string {
  return `${n.toLocaleString('en-GB')} ${n === 1 ? one : many}`;
}

/** Whether a `published_at` value is a link we can render as one (http(s) only). */
export function isHttpUrl(s: string): boolean {
  try {
    const u = new URL(s);
    return u.protocol === 'https:' || u.protocol === 'http:';
  } catch {
    return false;
  }
}
