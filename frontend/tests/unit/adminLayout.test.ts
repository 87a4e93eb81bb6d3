import { describe, expect, it } from 'vitest';
import {
  SEAT_PITCH,
  emptyDraft,
  expand,
  firstOverlap,
  localSeats,
  newSection,
  rowLabel,
  seatAt,
  seatPath,
  validate,
  type LayoutDraft,
  type SectionDraft,
} from '../../src/lib/admin/layout';
import { LayoutFileError, fromCsv, fromJson, parseCsv, toCsv, toJson } from '../../src/lib/admin/layoutFile';

function section(over: Partial<SectionDraft> = {}): SectionDraft {
  return {
    key: over.name ?? 'k',
    name: 'Main',
    priceTier: 'R',
    rows: 2,
    seatsPerRow: 3,
    x: 0,
    y: 100,
    shape: 'straight',
    angle: 0,
    radius: 200,
    aisles: [],
    ...over,
  };
}

function draft(...sections: SectionDraft[]): LayoutDraft {
  return { ...emptyDraft(), sections };
}

describe('layout geometry', () => {
  it('labels rows like core-api', () => {
    expect([0, 1, 25, 26, 27, 701, 702].map(rowLabel)).toEqual(['A', 'B', 'Z', 'AA', 'AB', 'ZZ', 'AAA']);
  });

  it('lays straight rows one pitch apart, with a one-seat gap at each aisle', () => {
    const seats = localSeats(section({ rows: 2, seatsPerRow: 4, aisles: [2] }));
    expect(seats.filter((s) => s.row === 'A').map((s) => s.x)).toEqual([0, 10, 30, 40]);
    expect(seats.filter((s) => s.row === 'B').every((s) => s.y === SEAT_PITCH)).toBe(true);
    expect(seats.map((s) => s.number).slice(0, 4)).toEqual([1, 2, 3, 4]);
  });

  it('turns an angled section around its origin', () => {
    const seats = localSeats(section({ shape: 'angled', angle: 90, rows: 1, seatsPerRow: 3 }));
    expect(seats.map((s) => [s.x, s.y])).toEqual([
      [0, 0],
      [0, 10],
      [0, 20],
    ]);
  });

  it('bends curved rows into arcs around the stage, rows and seats a pitch apart', () => {
    const seats = localSeats(section({ shape: 'curved', radius: 100, rows: 2, seatsPerRow: 9 }));
    const a = seats.filter((s) => s.row === 'A');
    const b = seats.filter((s) => s.row === 'B');
    // Symmetric around the middle seat; the ends come forward (smaller y).
    expect(a[0]!.y).toBeLessThan(a[4]!.y);
    expect(a[0]!.y).toBe(a[8]!.y);
    expect(b[4]!.y - a[4]!.y).toBe(SEAT_PITCH);
    expect(Math.hypot(a[1]!.x - a[0]!.x, a[1]!.y - a[0]!.y)).toBeCloseTo(SEAT_PITCH, 0);
    expect(firstOverlap(seats)).toBeNull();
  });

  it('expands sections to absolute seats with tiers and marks', () => {
    const d = draft(section({ x: 50, y: 100 }));
    d.marks['Main|A|1'] = { kind: 'accessible' };
    d.marks['Main|B|3'] = { offSale: 'production' };
    const seats = expand(d);
    expect(seats).toHaveLength(6);
    expect(seats[0]).toEqual({ section: 'Main', row: 'A', number: 1, x: 50, y: 100, priceTier: 'R', kind: 'accessible', offSale: null });
    expect(seats.find((s) => s.row === 'B' && s.number === 3)?.offSale).toBe('production');
  });

  it('draws a section as one path and finds the seat under the pointer', () => {
    const seats = expand(draft(section()));
    expect(seatPath(seats.slice(0, 2), 6)).toBe('M-3 97h6v6h-6zM7 97h6v6h-6z');
    expect(seatAt(seats, 11, 101)?.number).toBe(2);
    expect(seatAt(seats, 5, 150)).toBeNull();
  });
});

describe('layout validation', () => {
  it('accepts a sound three-section layout', () => {
    let d = draft();
    for (const name of ['Left', 'Centre', 'Right']) d = { ...d, sections: [...d.sections, newSection(d, { name })] };
    expect(validate(d, 'Hall')).toEqual({});
    expect(expand(d)).toHaveLength(150);
  });

  it('refuses overlapping sections, naming both seats, next to both sections', () => {
    const d = draft(section({ key: 'a', name: 'A' }), section({ key: 'b', name: 'B', x: 5, y: 105 }));
    const errors = validate(d, 'Hall');
    expect(errors['sections.b.position']).toMatch(/A row A seat 1 overlaps B row A seat 1/);
    expect(errors['sections.a.position']).toBeDefined();
  });

  it('refuses duplicate labels: two sections with one name, or an imported seat twice', () => {
    const twoNames = validate(draft(section({ key: 'a' }), section({ key: 'b', y: 500 })), 'Hall');
    expect(twoNames['sections.b.name']).toMatch(/Another section is called Main/);
    const dup = section({ seats: [{ row: 'A', number: 1, x: 0, y: 0 }, { row: 'A', number: 1, x: 20, y: 0 }] });
    expect(validate(draft(dup), 'Hall')['sections.k.name']).toMatch(/Main row A seat 1 appears twice/);
  });

  it('names every bad field', () => {
    const d = draft(section({ rows: 0, seatsPerRow: 2.5, priceTier: 'VIP', aisles: [9] }));
    d.tiers = ['R', 'R'];
    const errors = validate(d, ' ');
    expect(Object.keys(errors).sort()).toEqual(
      ['name', 'sections.k.aisles', 'sections.k.priceTier', 'sections.k.rows', 'sections.k.seatsPerRow', 'tiers'].sort(),
    );
    expect(validate(draft(), 'Hall').layout).toMatch(/at least one section/);
  });

  it('checks a 10,000-seat venue quickly', () => {
    const d = draft(...Array.from({ length: 10 }, (_, i) => section({ key: `k${i}`, name: `S${i}`, rows: 20, seatsPerRow: 50, y: i * 250 })));
    const started = performance.now();
    expect(validate(d, 'Arena')).toEqual({});
    expect(expand(d)).toHaveLength(10_000);
    expect(performance.now() - started).toBeLessThan(500);
  });
});

describe('layout files', () => {
  it('round-trips the editor JSON, keeping sections editable', () => {
    const d = draft(section({ shape: 'curved', radius: 150, aisles: [1] }));
    d.marks['Main|A|2'] = { kind: 'companion', offSale: null };
    const back = fromJson(toJson(d, 'Hall'));
    expect(back.name).toBe('Hall');
    expect(back.draft.sections[0]).toMatchObject({ name: 'Main', shape: 'curved', radius: 150, aisles: [1] });
    expect(expand(back.draft)).toEqual(expand(d));
  });

  it('round-trips CSV seat by seat', () => {
    const d = draft(section({ name: 'Stalls, left', shape: 'angled', angle: 15 }));
    d.marks['Stalls, left|A|1'] = { offSale: 'blocked' };
    const csv = toCsv(d);
    expect(csv.split('\n')[0]).toBe('section,row,number,x,y,priceTier,kind,offSale');
    expect(csv).toContain('"Stalls, left",A,1,0,100,R,standard,blocked');
    const back = fromCsv(csv);
    expect(expand(back)).toEqual(expand(d));
  });

  it('reads core-api venue JSON (explicit seats) with per-seat tiers', () => {
    const { draft: d } = fromJson(JSON.stringify({
      layout: {
        stage: { x: 0, y: 0, width: 40, height: 10 },
        seats: [
          { section: 'Main', row: 'A', number: 1, x: 10, y: 30, priceTier: 'R', kind: 'accessible', offSale: null },
          { section: 'Main', row: 'A', number: 2, x: 20, y: 30, priceTier: 'R' },
          { section: 'Main', row: 'A', number: 3, x: 30, y: 30, priceTier: 'S' },
        ],
      },
    }));
    expect(d.stage).toEqual({ x: 0, y: 0, width: 40, height: 10 });
    expect(d.tiers).toEqual(['R', 'S']);
    const seats = expand(d);
    expect(seats.map((s) => [s.x, s.y, s.priceTier, s.kind])).toEqual([
      [10, 30, 'R', 'accessible'],
      [20, 30, 'R', 'standard'],
      [30, 30, 'S', 'standard'],
    ]);
  });

  it('says which line of a CSV is wrong', () => {
    expect(() => fromCsv('section,row\nA,1')).toThrow(LayoutFileError);
    expect(() => fromCsv(`section,row,number,x,y,priceTier\nMain,A,1,0,0,R\nMain,A,two,10,0,R`)).toThrow(/Line 3: number/);
    expect(() => fromCsv(`section,row,number,x,y,priceTier,kind\nMain,A,1,0,0,R,vip`)).toThrow(/Line 2: kind/);
    expect(() => fromJson('{')).toThrow(/Not valid JSON/);
    expect(() => fromJson('{"a":1}')).toThrow(/No layout found/);
  });

  it('parses quoted CSV fields', () => {
    expect(parseCsv('a,"b,c","d""e"\r\n\n1,2,3')).toEqual([['a', 'b,c', 'd"e'], ['1', '2', '3']]);
  });
});
