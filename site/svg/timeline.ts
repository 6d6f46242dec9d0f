/**
 * Geometry of the epoch timeline: one lane per fleet, one mark per epoch that carries any of the fleet's keys,
 * placed by the epoch's time and styled by the strongest role the fleet's keys hold in it (active > standby >
 * retiring). Pure data; site/components/EpochTimeline.astro draws it: the marks, the same on every epoch page of a
 * namespace, as markup built once per layout with Astro's escaping (site/svg/timeline-markup.ts), the rest through
 * Astro's templates.
 */
import type { EpochModel } from '../../verify/index.ts';

export type MarkRole = 'active' | 'standby' | 'retiring';

export interface TimelineMark {
  x: number;
  y: number;
  w: number;
  h: number;
  epoch: number;
  fleetId: string;
  role: MarkRole;
  colour: number;
  label: string;
  href: string;
}

export interface TimelineLane {
  fleetId: string;
  colour: number;
  y: number;
  labelY: number;
  count: number;
}

export interface TimelineTick {
  x: number;
  label: string;
}

export interface TimelineLayout {
  width: number;
  height: number;
  plotLeft: number;
  plotRight: number;
  axisY: number;
  lanes: TimelineLane[];
  marks: TimelineMark[];
  ticks: TimelineTick[];
}

const RANK: Record<MarkRole, number> = { active: 3, standby: 2, retiring: 1 };

export interface TimelineInput {
  epochs: Pick<EpochModel, 'epoch' | 'timestamp' | 'time' | 'keys'>[];
  /** Fleet id → colour slot, in lane order. */
  colours: Map<string, number>;
  href: (epoch: number) => string;
  width?: number;
}

export function layoutTimeline(input: TimelineInput): TimelineLayout {
  const width = input.width ?? 960;
  const plotLeft = 120;
  const plotRight = width - 16;
  const laneH = 30;
  const markH = 18;
  const top = 8;
  const fleets = [...input.colours.keys()].filter((f) =>
    input.epochs.some((e) => e.keys.some((k) => k.fleetId === f)),
  );
  const lanes: TimelineLane[] = fleets.map((fleetId, i) => ({
    fleetId,
    colour: input.colours.get(fleetId) ?? 0,
    y: top + i * laneH,
    labelY: top + i * laneH + markH / 2 + 4,
    count: 0,
  }));
  const axisY = top + lanes.length * laneH + 4;
  const height = axisY + 26;
  const times = input.epochs.map((e) => e.timestamp);
  const t0 = times.length ? Math.min(...times) : 0;
  const t1 = times.length ? Math.max(...times) : 1;
  const span = Math.max(t1 - t0, 1);
  const plotW = plotRight - plotLeft;
  const x = (t: number) => plotLeft + ((t - t0) / span) * plotW;
  const n = Math.max(input.epochs.length, 1);
  const w = Math.max(1.5, Math.min(10, (plotW / n) * 0.7));
  const marks: TimelineMark[] = [];
  for (const e of input.epochs) {
    for (const lane of lanes) {
      const roles = e.keys.filter((k) => k.fleetId === lane.fleetId).map((k) => k.role as MarkRole);
      if (!roles.length) continue;
      const role = roles.reduce((a, b) => (RANK[b] > RANK[a] ? b : a));
      lane.count++;
      const cx = x(e.timestamp);
      marks.push({
        x: round(Math.min(Math.max(cx - w / 2, plotLeft - w / 2), plotRight - w / 2)),
        y: lane.y,
        w: round(w),
        h: markH,
        epoch: e.epoch,
        fleetId: lane.fleetId,
        role,
        colour: lane.colour,
        label: `Epoch ${e.epoch}, ${e.time.slice(0, 10)}: ${lane.fleetId} ${roles.length === 1 ? `key ${role}` : `keys ${[...new Set(roles)].join(', ')}`}`,
        href: input.href(e.epoch),
      });
    }
  }
  const ticks: TimelineTick[] = [];
  const y0 = new Date(t0).getUTCFullYear();
  const y1 = new Date(t1).getUTCFullYear();
  for (let y = y0; y <= y1 + 1; y++) {
    const t = Date.UTC(y, 0, 1);
    if (t < t0 || t > t1) continue;
    ticks.push({ x: round(x(t)), label: String(y) });
  }
  if (ticks.length === 0 && times.length)
    ticks.push({ x: plotLeft, label: new Date(t0).toISOString().slice(0, 7) });
  return { width, height, plotLeft, plotRight, axisY, lanes, marks, ticks };
}

function round(v: number): number {
  return Math.round(v * 10) / 10;
}

/** Layouts already computed, per epochs array (the verified model, not changed once built), then per other input. */
const MEMO = new WeakMap<object, Map<string, TimelineLayout>>();

/**
 * `layoutTimeline`, computed once per namespace: every epoch page of a namespace draws the same timeline (only the
 * highlight of its own epoch differs, which the component draws on top), so at scale 20 the same layout was computed
 * 65 times per namespace. Keyed by the epochs array itself (the verified model's, never changed after it is built;
 * a new model is a new array) and by everything else the layout reads: the colours, every mark's link, the width.
 * The layout returned is shared: callers must not change it.
 */
export function cachedTimelineLayout(input: TimelineInput): TimelineLayout {
  const key = JSON.stringify([
    [...input.colours],
    input.epochs.map((e) => input.href(e.epoch)),
    input.width ?? null,
  ]);
  let byKey = MEMO.get(input.epochs);
  if (!byKey) MEMO.set(input.epochs, (byKey = new Map()));
  let layout = byKey.get(key);
  if (!layout) byKey.set(key, (layout = layoutTimeline(input)));
  return layout;
}
