// "Best available N" on this side, used when the server does not take quantity holds:
// the best-priced section first, then the row closest to the front, then seats next to each
// other closest to the row's centre. The server still decides (all-or-nothing hold).

export interface PickSeat {
  id: string;
  section: string;
  row: string;
  number: number;
  x: number;
  y: number;
  price: number;
}

export function pickBestAvailable(
  seats: PickSeat[],
  isAvailable: (id: string) => boolean,
  quantity: number,
  section?: string,
): string[] | null {
  if (quantity < 1) return null;
  const rows = new Map<string, PickSeat[]>();
  for (const s of seats) {
    if (section && s.section !== section) continue;
    const key = `${s.section}\u0000${s.row}`;
    let list = rows.get(key);
    if (!list) rows.set(key, (list = []));
    list.push(s);
  }
  let best: { ids: string[]; score: number[] } | null = null;
  for (const list of rows.values()) {
    list.sort((a, b) => a.number - b.number);
    const first = list[0];
    if (!first) continue;
    const centre = (list.length - 1) / 2;
    for (let i = 0; i + quantity <= list.length; i++) {
      const run = list.slice(i, i + quantity);
      // Adjacent: consecutive numbers, all free.
      const adjacent = run.every((s, k) => isAvailable(s.id) && (k === 0 || s.number === (run[k - 1]?.number ?? 0) + 1));
      if (!adjacent) continue;
      const offCentre = Math.abs(i + (quantity - 1) / 2 - centre);
      // Lower is better: higher price tier first, then front rows (smaller y), then centre.
      const score = [-first.price, Math.min(...run.map((s) => s.y)), offCentre];
      if (!best || lexLess(score, best.score)) best = { ids: run.map((s) => s.id), score };
    }
  }
  return best?.ids ?? null;
}

function lexLess(a: number[], b: number[]): boolean {
  for (let i = 0; i < a.length; i++) {
    const x = a[i] ?? 0;
    const y = b[i] ?? 0;
    if (x !== y) return x < y;
  }
  return false;
}
