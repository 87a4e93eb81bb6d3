// Layout files: the editor's JSON (sections as drawn, so they stay editable), core-api's shape
// (explicit seats, as GET /admin/venues/{id} answers) and CSV (one seat a line). Pure.

import {
  expand,
  newKey,
  type ExplicitSeat,
  type LayoutDraft,
  type LayoutSeat,
  type OffSale,
  type RowShape,
  type SeatKind,
  type SeatMark,
  type SectionDraft,
  type Stage,
  seatKey,
} from './layout';

export const CSV_HEADER = 'section,row,number,x,y,priceTier,kind,offSale';
const KINDS: SeatKind[] = ['standard', 'accessible', 'companion'];
const OFF_SALE: OffSale[] = ['blocked', 'production'];
const SHAPES: RowShape[] = ['straight', 'angled', 'curved'];

export class LayoutFileError extends Error {}

/** The editor's JSON: `{format, version, name, stage, tiers, sections, marks}`. */
export function toJson(d: LayoutDraft, name: string): string {
  const marks = Object.entries(d.marks)
    .filter(([, m]) => (m.kind && m.kind !== 'standard') || m.offSale)
    .map(([k, m]) => {
      const [section, row, number] = k.split('|');
      return { section, row, number: Number(number), ...m };
    });
  return JSON.stringify(
    {
      format: 'holdfast-layout',
      version: 1,
      name,
      stage: d.stage,
      tiers: d.tiers,
      sections: d.sections.map(({ key: _key, ...s }) => s),
      marks,
    },
    null,
    2,
  );
}

/** Every seat, one a line, with a header. */
export function toCsv(d: LayoutDraft): string {
  const lines = [CSV_HEADER];
  for (const s of expand(d)) {
    lines.push([s.section, s.row, s.number, s.x, s.y, s.priceTier, s.kind, s.offSale ?? ''].map(csvField).join(','));
  }
  return `${lines.join('\n')}\n`;
}

function csvField(v: string | number): string {
  const s = String(v);
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** RFC 4180 lines: quoted fields may hold commas, quotes ("") and newlines. */
export function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') {
      row.push(field);
      field = '';
    } else if (c === '\n' || c === '\r') {
      if (c === '\r' && text[i + 1] === '\n') i++;
      row.push(field);
      if (row.some((f) => f !== '')) rows.push(row);
      row = [];
      field = '';
    } else field += c;
  }
  row.push(field);
  if (row.some((f) => f !== '')) rows.push(row);
  return rows;
}

/** Reads the CSV above; every bad line is named. */
export function fromCsv(text: string): LayoutDraft {
  const rows = parseCsv(text.replace(/^\uFEFF/, ''));
  const header = rows.shift()?.map((h) => h.trim());
  const col = (name: string) => header?.indexOf(name) ?? -1;
  for (const need of ['section', 'row', 'number', 'x', 'y', 'priceTier']) {
    if (col(need) < 0) throw new LayoutFileError(`The CSV needs a header line with ${CSV_HEADER} (missing "${need}").`);
  }
  const seats: LayoutSeat[] = rows.map((r, i) => {
    const line = i + 2;
    const get = (name: string) => (col(name) >= 0 ? (r[col(name)] ?? '').trim() : '');
    const int = (name: string) => {
      const v = Number(get(name));
      if (!get(name) || !Number.isInteger(v)) throw new LayoutFileError(`Line ${line}: ${name} must be a whole number.`);
      return v;
    };
    const kind = (get('kind') || 'standard') as SeatKind;
    if (!KINDS.includes(kind)) throw new LayoutFileError(`Line ${line}: kind must be standard, accessible or companion.`);
    const off = get('offSale');
    if (off && !OFF_SALE.includes(off as OffSale)) throw new LayoutFileError(`Line ${line}: offSale must be empty, blocked or production.`);
    if (!get('section') || !get('row') || !get('priceTier')) throw new LayoutFileError(`Line ${line}: section, row and priceTier must not be empty.`);
    const number = int('number');
    if (number < 1) throw new LayoutFileError(`Line ${line}: number must be 1 or more.`);
    return {
      section: get('section'),
      row: get('row'),
      number,
      x: int('x'),
      y: int('y'),
      priceTier: get('priceTier'),
      kind,
      offSale: (off || null) as OffSale | null,
    };
  });
  if (seats.length === 0) throw new LayoutFileError('The CSV has no seats.');
  return fromSeats(seats, null);
}

/** Explicit seats (core-api's shape or a CSV) as editable sections: one per section name. */
export function fromSeats(
  seats: Array<Pick<LayoutSeat, 'section' | 'row' | 'number' | 'x' | 'y' | 'priceTier'> & { kind?: string | null; offSale?: string | null }>,
  stage: Stage | null,
): LayoutDraft {
  const bySection = new Map<string, typeof seats>();
  for (const s of seats) {
    const list = bySection.get(s.section);
    if (list) list.push(s);
    else bySection.set(s.section, [s]);
  }
  const tiers = [...new Set(seats.map((s) => s.priceTier))];
  const marks: Record<string, SeatMark> = {};
  const sections: SectionDraft[] = [];
  for (const [name, list] of bySection) {
    const x = Math.min(...list.map((s) => s.x));
    const y = Math.min(...list.map((s) => s.y));
    const counts = new Map<string, number>();
    for (const s of list) counts.set(s.priceTier, (counts.get(s.priceTier) ?? 0) + 1);
    const tier = [...counts].sort((a, b) => b[1] - a[1])[0]![0];
    const explicit: ExplicitSeat[] = list.map((s) => ({
      row: s.row,
      number: s.number,
      x: s.x - x,
      y: s.y - y,
      ...(s.priceTier !== tier ? { priceTier: s.priceTier } : {}),
    }));
    for (const s of list) {
      const kind = KINDS.includes(s.kind as SeatKind) ? (s.kind as SeatKind) : 'standard';
      const offSale = OFF_SALE.includes(s.offSale as OffSale) ? (s.offSale as OffSale) : null;
      if (kind !== 'standard' || offSale) marks[seatKey(name, s.row, s.number)] = { kind, offSale };
    }
    const rows = new Set(list.map((s) => s.row)).size;
    sections.push({
      key: newKey(),
      name,
      priceTier: tier,
      rows,
      seatsPerRow: Math.max(...list.map((s) => s.number)),
      x,
      y,
      shape: 'straight',
      angle: 0,
      radius: 200,
      aisles: [],
      seats: explicit,
    });
  }
  return { stage, tiers, sections, marks };
}

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const num = (v: unknown, fallback: number) => (typeof v === 'number' && Number.isFinite(v) ? v : fallback);

function readStage(v: unknown): Stage | null {
  if (!isObj(v)) return null;
  return { x: num(v.x, 0), y: num(v.y, 0), width: num(v.width, 100), height: num(v.height, 20) };
}

/**
 * Reads the editor's JSON, or core-api's `{name?, layout: {stage, seats}}` / `{stage, seats}`.
 * Returns the draft and the name found (if any).
 */
export function fromJson(text: string): { draft: LayoutDraft; name: string | null } {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch (e) {
    throw new LayoutFileError(`Not valid JSON: ${(e as Error).message}`);
  }
  if (!isObj(v)) throw new LayoutFileError('The file must hold a JSON object.');
  const name = typeof v.name === 'string' ? v.name : null;
  if (v.format === 'holdfast-layout') {
    if (!Array.isArray(v.sections) || !Array.isArray(v.tiers)) throw new LayoutFileError('A holdfast-layout file needs "tiers" and "sections" lists.');
    const sections = v.sections.map((raw, i): SectionDraft => {
      if (!isObj(raw)) throw new LayoutFileError(`sections[${i}] must be an object.`);
      const shape = SHAPES.includes(raw.shape as RowShape) ? (raw.shape as RowShape) : 'straight';
      return {
        key: newKey(),
        name: String(raw.name ?? ''),
        priceTier: String(raw.priceTier ?? ''),
        rows: num(raw.rows, 1),
        seatsPerRow: num(raw.seatsPerRow, 1),
        x: num(raw.x, 0),
        y: num(raw.y, 0),
        shape,
        angle: num(raw.angle, 0),
        radius: num(raw.radius, 200),
        aisles: Array.isArray(raw.aisles) ? raw.aisles.filter((a): a is number => typeof a === 'number') : [],
        ...(Array.isArray(raw.seats) ? { seats: raw.seats as ExplicitSeat[] } : {}),
      };
    });
    const marks: Record<string, SeatMark> = {};
    for (const m of Array.isArray(v.marks) ? v.marks : []) {
      if (!isObj(m)) continue;
      const kind = KINDS.includes(m.kind as SeatKind) ? (m.kind as SeatKind) : undefined;
      const offSale = OFF_SALE.includes(m.offSale as OffSale) ? (m.offSale as OffSale) : null;
      marks[seatKey(String(m.section), String(m.row), Number(m.number))] = { ...(kind ? { kind } : {}), offSale };
    }
    return { draft: { stage: readStage(v.stage), tiers: v.tiers.map(String), sections, marks }, name };
  }
  const layout = isObj(v.layout) ? v.layout : v;
  if (Array.isArray(layout.seats) && layout.seats.length) {
    const seats = layout.seats.map((s, i) => {
      if (!isObj(s) || typeof s.section !== 'string' || typeof s.row !== 'string' || typeof s.number !== 'number') {
        throw new LayoutFileError(`seats[${i}] needs section, row, number, x, y and priceTier.`);
      }
      return {
        section: s.section,
        row: s.row,
        number: s.number,
        x: num(s.x, 0),
        y: num(s.y, 0),
        priceTier: String(s.priceTier ?? ''),
        kind: typeof s.kind === 'string' ? s.kind : null,
        offSale: typeof s.offSale === 'string' ? s.offSale : null,
      };
    });
    return { draft: fromSeats(seats, readStage(layout.stage)), name };
  }
  throw new LayoutFileError('No layout found: expected a holdfast-layout file or {layout: {seats: [...]}}.');
}
