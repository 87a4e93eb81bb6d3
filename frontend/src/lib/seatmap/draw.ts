// Drawing the seat map on a canvas: section boxes with their names, the visible seats as one
// path per look (fill, outline, and a glyph so looks differ by shape as well as colour, the
// same as the legend), and the keyboard focus ring. Takes a 2D context and a scene, keeps no
// state, so it is unit-tested with a recording context.

import type { Seat } from '../api/types';
import type { SeatLook } from '../state/seatBoard';
import type { SectionBox } from './layout';
import { projector, type View } from './viewport';

export const FILL: Record<SeatLook, string> = {
  available: '#ffffff',
  selected: '#1d5fd1',
  mine: '#137a4b',
  held: '#f2c14e',
  reserved: '#8a94a6',
  sold: '#3b4252',
};

export const STROKE: Record<SeatLook, string> = {
  available: '#1d5fd1',
  selected: '#0f3a85',
  mine: '#0b4d2f',
  held: '#8a6a12',
  reserved: '#5b6475',
  sold: '#1f2430',
};

/** The part of CanvasRenderingContext2D the map uses. */
export type Pen = Pick<
  CanvasRenderingContext2D,
  | 'setTransform'
  | 'clearRect'
  | 'beginPath'
  | 'moveTo'
  | 'lineTo'
  | 'arc'
  | 'rect'
  | 'roundRect'
  | 'fill'
  | 'stroke'
  | 'strokeRect'
  | 'fillText'
  | 'setLineDash'
  | 'font'
  | 'fillStyle'
  | 'strokeStyle'
  | 'lineWidth'
  | 'lineCap'
>;

export interface Scene {
  view: View;
  /** One seat pitch at this zoom, CSS px. */
  seatPx: number;
  sections: SectionBox[];
  /** The seats in view (others are not drawn at all). */
  seats: Iterable<Seat>;
  lookOf: (id: string) => SeatLook;
  /** The seat with keyboard focus, ringed. */
  focus: Seat | null;
}

type Project = ReturnType<typeof projector>;

/** Sizes the canvas to the box at the device's pixel ratio (at most 2), then draws the scene. */
export function paint(canvas: Pick<HTMLCanvasElement, 'width' | 'height'> & { getContext(id: '2d'): Pen | null }, scene: Scene, devicePixelRatio: number) {
  const dpr = Math.min(2, devicePixelRatio || 1);
  const w = Math.round(scene.view.width * dpr);
  const h = Math.round(scene.view.height * dpr);
  if (canvas.width !== w || canvas.height !== h) {
    canvas.width = w;
    canvas.height = h;
  }
  const ctx = canvas.getContext('2d');
  if (!ctx) return;
  ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
  ctx.clearRect(0, 0, scene.view.width, scene.view.height);
  drawScene(ctx, scene);
}

export function drawScene(ctx: Pen, scene: Scene) {
  const at = projector(scene.view);
  drawSections(ctx, scene, at);

  const size = Math.max(1, scene.seatPx * 0.8);
  const groups = new Map<SeatLook, Seat[]>();
  for (const s of scene.seats) {
    const look = scene.lookOf(s.id);
    let g = groups.get(look);
    if (!g) groups.set(look, (g = []));
    g.push(s);
  }
  for (const [look, list] of groups) drawSeats(ctx, look, list, at, size);

  if (scene.focus) {
    ctx.lineWidth = 3;
    ctx.strokeStyle = '#111827';
    ctx.setLineDash([]);
    const f = Math.max(size + 8, 14);
    ctx.strokeRect(at.x(scene.focus.x) - f / 2, at.y(scene.focus.y) - f / 2, f, f);
  }
}

/** Sections: a soft box and a name, so the arena reads as stands even zoomed out. */
function drawSections(ctx: Pen, { view, seatPx, sections }: Scene, at: Project) {
  ctx.font = `600 ${Math.max(11, Math.min(16, seatPx * 0.9))}px system-ui, sans-serif`;
  for (const sec of sections) {
    const x = at.x(sec.minX);
    const y = at.y(sec.minY);
    const sw = (sec.maxX - sec.minX) * view.zoom;
    const sh = (sec.maxY - sec.minY) * view.zoom;
    if (x > view.width || y > view.height || x + sw < 0 || y + sh < 0) continue;
    ctx.fillStyle = '#eef2f7';
    ctx.strokeStyle = '#d5dce6';
    ctx.lineWidth = 1;
    ctx.beginPath();
    ctx.roundRect(x, y, sw, sh, Math.min(8, seatPx * 0.4));
    ctx.fill();
    ctx.stroke();
    if (sections.length > 1) {
      // Above the box, or pinned inside the view while the box's top is scrolled away.
      ctx.fillStyle = '#44506a';
      const ly = y - 4 > 12 ? y - 4 : Math.min(Math.max(y + 16, 16), y + sh - 4);
      const lx = Math.min(Math.max(x + 4, 4), x + sw - 40);
      ctx.fillText(sec.name, lx, ly);
    }
  }
}

/** Seats of one look as one path: rounded squares, outlined once they are 4 px. */
function drawSeats(ctx: Pen, look: SeatLook, list: Seat[], at: Project, size: number) {
  const half = size / 2;
  const radius = size > 8 ? size * 0.22 : 0;
  ctx.beginPath();
  for (const s of list) {
    if (radius) ctx.roundRect(at.x(s.x) - half, at.y(s.y) - half, size, size, radius);
    else ctx.rect(at.x(s.x) - half, at.y(s.y) - half, size, size);
  }
  ctx.fillStyle = FILL[look];
  ctx.fill();
  if (size >= 4) {
    ctx.lineWidth = look === 'mine' || look === 'selected' ? Math.max(1.5, size * 0.09) : Math.max(1, size * 0.05);
    ctx.strokeStyle = STROKE[look];
    ctx.stroke();
  }
  if (size >= 9) drawGlyphs(ctx, look, list, at, size);
}

/** The shape that tells the looks apart without colour: ✓ yours, stripes held, • reserved, ✕ sold. */
function drawGlyphs(ctx: Pen, look: SeatLook, list: Seat[], at: Project, size: number) {
  const q = size * 0.28;
  ctx.beginPath();
  for (const s of list) {
    const cx = at.x(s.x);
    const cy = at.y(s.y);
    switch (look) {
      case 'selected':
      case 'mine':
        ctx.moveTo(cx - q, cy);
        ctx.lineTo(cx - q * 0.2, cy + q * 0.8);
        ctx.lineTo(cx + q * 1.1, cy - q * 0.8);
        break;
      case 'held':
        // Three diagonal stripes.
        for (const k of [-1, 0, 1]) {
          ctx.moveTo(cx + k * q * 0.9 - q * 0.5, cy + q * 0.6);
          ctx.lineTo(cx + k * q * 0.9 + q * 0.5, cy - q * 0.6);
        }
        break;
      case 'reserved':
        ctx.moveTo(cx + q * 0.55, cy);
        ctx.arc(cx, cy, q * 0.55, 0, Math.PI * 2);
        break;
      case 'sold':
        ctx.moveTo(cx - q, cy - q);
        ctx.lineTo(cx + q, cy + q);
        ctx.moveTo(cx + q, cy - q);
        ctx.lineTo(cx - q, cy + q);
        break;
      default:
        break;
    }
  }
  ctx.lineWidth = Math.max(1.5, size * 0.1);
  ctx.lineCap = 'round';
  ctx.strokeStyle = look === 'held' ? '#6b4f00' : '#ffffff';
  if (look === 'reserved') {
    ctx.fillStyle = '#ffffff';
    ctx.fill();
  } else if (look !== 'available') ctx.stroke();
}
