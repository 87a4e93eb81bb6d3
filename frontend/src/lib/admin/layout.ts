// The venue layout editor's model: sections of rows × seats (straight, angled or curved rows,
// with aisles), a stage, price tiers and per-seat marks (accessible, companion, off sale).
// Everything here is pure: the editor turns a draft into explicit seat x/y (what core-api
// stores), checks it (overlapping seats, duplicate labels, bad fields) and the page only draws.
//
// Units are core-api's layout units: neighbouring seats are SEAT_PITCH (10) apart.

export const SEAT_PITCH = 10;
/** Two seats closer than this (centre to centre) overlap. */
export const MIN_SEAT_GAP = 8;
export const MAX_SEATS = 20_000;

export type RowShape = 'straight' | 'angled' | 'curved';
export type SeatKind = 'standard' | 'accessible' | 'companion';
export type OffSale = 'blocked' | 'production';

/** A seat given explicitly (imported), relative to its section's origin. */
export interface ExplicitSeat {
  row: string;
  number: number;
  x: number;
  y: number;
  /** Only when it differs from the section's tier. */
  priceTier?: string;
}

export interface SectionDraft {
  /** The editor's own key (stable while the name is edited). */
  key: string;
  name: string;
  priceTier: string;
  rows: number;
  seatsPerRow: number;
  /** Origin (layout units): where row A, seat 1 starts. */
  x: number;
  y: number;
  shape: RowShape;
  /** Degrees, clockwise: the whole section turned (angled rows). */
  angle: number;
  /** Curved rows: radius of the front row in layout units (bigger = flatter). */
  radius: number;
  /** Aisles: a gap of one seat after each of these seat numbers. */
  aisles: number[];
  /** Imported seats: when present, rows/seatsPerRow/shape are not used. */
  seats?: ExplicitSeat[];
}

export interface Stage {
  x: number;
  y: number;
  width: number;
  height: number;
}

export interface SeatMark {
  kind?: SeatKind;
  offSale?: OffSale | null;
}

export interface LayoutDraft {
  stage: Stage | null;
  tiers: string[];
  sections: SectionDraft[];
  /** Keyed by seatKey(section, row, number). */
  marks: Record<string, SeatMark>;
}

/** A seat as core-api takes it (POST/PUT /admin/venues `layout.seats`). */
export interface LayoutSeat {
  section: string;
  row: string;
  number: number;
  x: number;
  y: number;
  priceTier: string;
  kind: SeatKind;
  offSale: OffSale | null;
}

/** A seat relative to its section's origin (what the editor draws inside a moved group). */
export interface LocalSeat {
  row: string;
  number: number;
  x: number;
  y: number;
  priceTier?: string;
}

export const seatKey = (section: string, row: string, number: number) => `${section}|${row}|${number}`;

/** Row labels like core-api's: A … Z, AA, AB … */
export function rowLabel(index: number): string {
  let n = index;
  let label = '';
  do {
    label = String.fromCharCode(65 + (n % 26)) + label;
    n = Math.floor(n / 26) - 1;
  } while (n >= 0);
  return label;
}

/** Column offsets (in pitches) of seats 1…n, a one-seat gap after every aisle seat number. */
function columns(seatsPerRow: number, aisles: number[]): number[] {
  const gaps = new Set(aisles);
  const cols: number[] = [];
  let col = 0;
  for (let n = 1; n <= seatsPerRow; n++) {
    cols.push(col);
    col += gaps.has(n) ? 2 : 1;
  }
  return cols;
}

/** The seats of one section relative to its origin, rounded to whole units. */
export function localSeats(s: SectionDraft): LocalSeat[] {
  if (s.seats) return s.seats.map((e) => ({ ...e }));
  const rows = Math.max(0, Math.floor(s.rows));
  const per = Math.max(0, Math.floor(s.seatsPerRow));
  if (rows * per > MAX_SEATS) return [];
  const cols = columns(per, s.aisles);
  const width = cols.length ? cols[cols.length - 1]! * SEAT_PITCH : 0;
  const turn = s.shape === 'straight' ? 0 : (s.angle * Math.PI) / 180;
  const cos = Math.cos(turn);
  const sin = Math.sin(turn);
  const out: LocalSeat[] = [];
  for (let r = 0; r < rows; r++) {
    const label = rowLabel(r);
    for (let i = 0; i < per; i++) {
      let x = cols[i]! * SEAT_PITCH;
      let y = r * SEAT_PITCH;
      if (s.shape === 'curved' && s.radius > 0) {
        // Rows are arcs around a centre in front of the section (towards the stage); seats
        // keep one pitch apart along the arc, so back rows are wider.
        const radius = s.radius + r * SEAT_PITCH;
        const a = (x - width / 2) / radius;
        x = width / 2 + radius * Math.sin(a);
        y = -s.radius + radius * Math.cos(a);
      }
      out.push({ row: label, number: i + 1, x: Math.round(x * cos - y * sin), y: Math.round(x * sin + y * cos) });
    }
  }
  return out;
}

/** Every seat of the layout, absolute, with its tier and marks: what is sent to core-api. */
export function expand(d: LayoutDraft): LayoutSeat[] {
  const out: LayoutSeat[] = [];
  for (const s of d.sections) {
    for (const l of localSeats(s)) {
      const mark = d.marks[seatKey(s.name, l.row, l.number)];
      out.push({
        section: s.name,
        row: l.row,
        number: l.number,
        x: s.x + l.x,
        y: s.y + l.y,
        priceTier: l.priceTier ?? s.priceTier,
        kind: mark?.kind ?? 'standard',
        offSale: mark?.offSale ?? null,
      });
    }
  }
  return out;
}

export type FieldErrors = Record<string, string>;

const seatName = (s: { section: string; row: string; number: number }) => `${s.section} row ${s.row} seat ${s.number}`;

/**
 * What is wrong with a draft, by field: `name`, `tiers`, `sections.<key>.<field>`, `layout`.
 * Empty when it can be saved. Overlaps are found with a grid of MIN_SEAT_GAP cells (each
 * seat compares with the 3×3 cells around it), so 10,000 seats take milliseconds.
 */
export function validate(d: LayoutDraft, name: string): FieldErrors {
  const errors: FieldErrors = {};
  if (!name.trim()) errors.name = 'Give the venue a name.';
  else if (name.trim().length > 200) errors.name = 'At most 200 characters.';
  const tiers = d.tiers.map((t) => t.trim());
  if (tiers.length === 0 || tiers.some((t) => !t)) errors.tiers = 'Every price tier needs a name.';
  else if (new Set(tiers).size !== tiers.length) errors.tiers = 'Two price tiers have the same name.';
  if (d.sections.length === 0) errors.layout = 'Add at least one section.';
  const names = new Map<string, string>();
  for (const s of d.sections) {
    const f = (field: string) => `sections.${s.key}.${field}`;
    const n = s.name.trim();
    if (!n) errors[f('name')] = 'Give the section a name.';
    else if (n.length > 50) errors[f('name')] = 'At most 50 characters.';
    else if (names.has(n)) errors[f('name')] = `Another section is called ${n}: seat labels would repeat.`;
    else names.set(n, s.key);
    if (!tiers.includes(s.priceTier.trim())) errors[f('priceTier')] = 'Pick one of the price tiers.';
    const foreign = s.seats?.find((e) => e.priceTier !== undefined && !tiers.includes(e.priceTier));
    if (foreign) errors[f('priceTier')] = `Row ${foreign.row} seat ${foreign.number} has tier ${foreign.priceTier}, which is not in the list.`;
    if (!s.seats) {
      if (!Number.isInteger(s.rows) || s.rows < 1 || s.rows > 200) errors[f('rows')] = 'Rows: a whole number from 1 to 200.';
      if (!Number.isInteger(s.seatsPerRow) || s.seatsPerRow < 1 || s.seatsPerRow > 500) errors[f('seatsPerRow')] = 'Seats per row: a whole number from 1 to 500.';
      if (s.shape === 'curved' && !(s.radius >= SEAT_PITCH * 2)) errors[f('radius')] = `Curve radius: at least ${SEAT_PITCH * 2}.`;
      if (s.aisles.some((a) => !Number.isInteger(a) || a < 1 || a >= s.seatsPerRow)) {
        errors[f('aisles')] = `Aisles go after a seat number from 1 to ${Math.max(1, s.seatsPerRow - 1)}.`;
      }
    }
  }
  if (Object.keys(errors).length) return errors;

  const seats = expand(d);
  if (seats.length > MAX_SEATS) {
    errors.layout = `${seats.length.toLocaleString('en-US')} seats: a venue has at most ${MAX_SEATS.toLocaleString('en-US')}.`;
    return errors;
  }
  const keyOf = new Map(d.sections.map((s) => [s.name.trim(), s.key]));
  const labels = new Set<string>();
  for (const s of seats) {
    const k = seatKey(s.section, s.row, s.number);
    if (labels.has(k)) {
      errors[`sections.${keyOf.get(s.section)}.name`] = `${seatName(s)} appears twice: seat labels must be unique.`;
      return errors;
    }
    labels.add(k);
  }
  const clash = firstOverlap(seats);
  if (clash) {
    const [a, b] = clash;
    const msg = `${seatName(a)} overlaps ${seatName(b)}: move the section${a.section === b.section ? ' or widen its curve' : 's apart'}.`;
    errors[`sections.${keyOf.get(b.section)}.position`] = msg;
    if (a.section !== b.section) errors[`sections.${keyOf.get(a.section)}.position`] = msg;
  }
  return errors;
}

/** The first pair of seats closer than MIN_SEAT_GAP, or null. */
export function firstOverlap<T extends { x: number; y: number }>(seats: T[]): [T, T] | null {
  const cell = MIN_SEAT_GAP;
  const grid = new Map<string, T[]>();
  for (const s of seats) {
    const cx = Math.floor(s.x / cell);
    const cy = Math.floor(s.y / cell);
    for (let dx = -1; dx <= 1; dx++) {
      for (let dy = -1; dy <= 1; dy++) {
        for (const o of grid.get(`${cx + dx},${cy + dy}`) ?? []) {
          if (Math.hypot(o.x - s.x, o.y - s.y) < MIN_SEAT_GAP) return [o, s];
        }
      }
    }
    const k = `${cx},${cy}`;
    const list = grid.get(k);
    if (list) list.push(s);
    else grid.set(k, [s]);
  }
  return null;
}

let nextKey = 0;
export function newKey(): string {
  nextKey += 1;
  return `s${Date.now().toString(36)}${nextKey}`;
}

export function newSection(d: LayoutDraft, over: Partial<SectionDraft> = {}): SectionDraft {
  const bottom = expand(d).reduce((m, s) => Math.max(m, s.y), d.stage ? d.stage.y + d.stage.height : 0);
  const used = new Set(d.sections.map((s) => s.name));
  let n = d.sections.length + 1;
  while (used.has(`Section ${n}`)) n++;
  return {
    key: newKey(),
    name: `Section ${n}`,
    priceTier: d.tiers[0] ?? 'R',
    rows: 5,
    seatsPerRow: 10,
    x: 0,
    y: bottom + SEAT_PITCH * 3,
    shape: 'straight',
    angle: 0,
    radius: 200,
    aisles: [],
    ...over,
  };
}

export function emptyDraft(): LayoutDraft {
  return { stage: { x: 0, y: 0, width: 200, height: 30 }, tiers: ['R', 'S'], sections: [], marks: {} };
}

export interface Box {
  minX: number;
  minY: number;
  maxX: number;
  maxY: number;
}

/** The smallest box around the points, or null when there are none. */
export function pointBounds(points: { x: number; y: number }[]): Box | null {
  let minX = Infinity;
  let minY = Infinity;
  let maxX = -Infinity;
  let maxY = -Infinity;
  for (const p of points) {
    if (p.x < minX) minX = p.x;
    if (p.y < minY) minY = p.y;
    if (p.x > maxX) maxX = p.x;
    if (p.y > maxY) maxY = p.y;
  }
  return Number.isFinite(minX) ? { minX, minY, maxX, maxY } : null;
}

/** Bounds of the seats and the stage, padded by a pitch. */
export function extent(seats: { x: number; y: number }[], stage: Stage | null): Box {
  const corners = stage ? [{ x: stage.x, y: stage.y }, { x: stage.x + stage.width, y: stage.y + stage.height }] : [];
  const b = pointBounds([...seats, ...corners]);
  if (!b) return { minX: 0, minY: 0, maxX: 100, maxY: 100 };
  const pad = SEAT_PITCH * 2;
  return { minX: b.minX - pad, minY: b.minY - pad, maxX: b.maxX + pad, maxY: b.maxY + pad };
}

/** One SVG path drawing every seat as a small square (one DOM node per section, not per seat). */
export function seatPath(seats: { x: number; y: number }[], size = 7): string {
  const h = size / 2;
  const parts: string[] = [];
  for (const s of seats) parts.push(`M${s.x - h} ${s.y - h}h${size}v${size}h${-size}z`);
  return parts.join('');
}

/** The seat nearest to a point within half a pitch, or null (marking seats by click). */
export function seatAt<T extends { x: number; y: number }>(seats: T[], x: number, y: number): T | null {
  let best: T | null = null;
  let bestD = SEAT_PITCH / 2;
  for (const s of seats) {
    const d = Math.hypot(s.x - x, s.y - y);
    if (d <= bestD) {
      best = s;
      bestD = d;
    }
  }
  return best;
}

/** Per section key: one path per kind of mark (accessible, companion, blocked, production), relative to the section. */
export function markPaths(d: LayoutDraft, seats: LayoutSeat[]): Map<string, { kind: string; d: string }[]> {
  const origin = new Map(d.sections.map((s) => [s.name, s]));
  const by = new Map<string, Record<string, { x: number; y: number }[]>>();
  for (const st of seats) {
    const kind = st.offSale ?? (st.kind !== 'standard' ? st.kind : null);
    const o = kind ? origin.get(st.section) : undefined;
    if (!kind || !o) continue;
    const rec = by.get(o.key) ?? {};
    (rec[kind] ??= []).push({ x: st.x - o.x, y: st.y - o.y });
    by.set(o.key, rec);
  }
  const out = new Map<string, { kind: string; d: string }[]>();
  for (const [k, rec] of by) out.set(k, Object.entries(rec).map(([kind, list]) => ({ kind, d: seatPath(list, 8) })));
  return out;
}

/** Section paths cached by geometry (not position): moving a section never redraws its seats. */
export class SectionPaths {
  private cache = new Map<string, { sig: string; d: string; box: Box }>();

  /** The seats as one path, and the box around them (the area that grabs the section). */
  get(s: SectionDraft): { d: string; box: Box } {
    const sig = s.seats ? null : JSON.stringify([s.rows, s.seatsPerRow, s.shape, s.angle, s.radius, s.aisles]);
    const hit = this.cache.get(s.key);
    if (sig !== null && hit?.sig === sig) return hit;
    const seats = localSeats(s);
    const b = pointBounds(seats) ?? { minX: 0, minY: 0, maxX: 0, maxY: 0 };
    const h = SEAT_PITCH / 2;
    const out = { sig: sig ?? '', d: seatPath(seats), box: { minX: b.minX - h, minY: b.minY - h, maxX: b.maxX + h, maxY: b.maxY + h } };
    if (sig !== null) this.cache.set(s.key, out);
    return out;
  }
}
