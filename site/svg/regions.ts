/**
 * Geometry of a fleet's schematic: a grid of region boxes, each listing its data centers with one small square
 * per member HSM (filled when its attestation verified). No map, no coordinates: a schematic.
 */
import type { FleetModel } from '../../verify/index.ts';

export interface HsmDot {
  x: number;
  y: number;
  hsmId: string;
  serial: string;
  verified: boolean;
}

export interface DataCenterBox {
  id: string;
  name: string;
  x: number;
  y: number;
  w: number;
  h: number;
  count: number;
  dots: HsmDot[];
}

export interface RegionBox {
  id: string;
  name: string;
  x: number;
  y: number;
  w: number;
  h: number;
  count: number;
  dataCenters: DataCenterBox[];
}

export interface RegionsLayout {
  width: number;
  height: number;
  regions: RegionBox[];
}

const DOT = 7;
const GAP = 3;

export function layoutRegions(
  fleet: Pick<FleetModel, 'regions' | 'members'>,
  opts: { width?: number; columns?: number } = {},
): RegionsLayout {
  const width = opts.width ?? 960;
  const columns = Math.max(1, Math.min(opts.columns ?? 3, fleet.regions.length || 1));
  const pad = 12;
  const colGap = 16;
  const rowGap = 16;
  const boxW = (width - colGap * (columns - 1)) / columns;
  const innerW = boxW - 2 * pad;
  const perRow = Math.max(1, Math.floor((innerW - 8 + GAP) / (DOT + GAP)));
  const boxes: RegionBox[] = fleet.regions.map((r) => {
    let y = 44;
    const dataCenters = r.dataCenters.map((dc) => {
      const members = fleet.members.filter((m) => m.region === r.id && m.dataCenter === dc.id);
      const rows = Math.max(1, Math.ceil(members.length / perRow));
      const h = 26 + rows * (DOT + GAP) + 6;
      const box: DataCenterBox = {
        id: dc.id,
        name: dc.name,
        x: pad,
        y,
        w: innerW,
        h,
        count: members.length,
        dots: members.map((m, i) => ({
          x: 8 + (i % perRow) * (DOT + GAP),
          y: 26 + Math.floor(i / perRow) * (DOT + GAP),
          hsmId: m.hsmId,
          serial: m.serial,
          verified: m.attestation.verified,
        })),
      };
      y += h + 8;
      return box;
    });
    return {
      id: r.id,
      name: r.name,
      x: 0,
      y: 0,
      w: boxW,
      h: y + 4,
      count: dataCenters.reduce((n, d) => n + d.count, 0),
      dataCenters,
    };
  });
  // Rows of `columns` boxes; each row as tall as its tallest box.
  let y = 0;
  for (let i = 0; i < boxes.length; i += columns) {
    const row = boxes.slice(i, i + columns);
    const h = Math.max(...row.map((b) => b.h));
    row.forEach((b, j) => {
      b.x = round(j * (boxW + colGap));
      b.y = y;
      b.w = round(boxW);
      b.h = h;
    });
    y += h + rowGap;
  }
  return { width, height: Math.max(y - rowGap, 1), regions: boxes };
}

function round(v: number): number {
  return Math.round(v * 10) / 10;
}
