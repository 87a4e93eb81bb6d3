// Runs the proof-of-work solver in a Web Worker, reporting progress; falls back to the page's
// thread where workers are unavailable (old browsers, tests).
import { solvePow, powShare, type PowProgress } from './pow';

export function solveInWorker(challenge: string, bits: number, onShare: (share: number) => void): Promise<string> {
  const report = (p: PowProgress) => onShare(powShare(p));
  if (typeof Worker === 'undefined') return solvePow(challenge, bits, report);
  return new Promise((resolve, reject) => {
    const worker = new Worker(new URL('./pow.worker.ts', import.meta.url), { type: 'module' });
    worker.onmessage = (e: MessageEvent<{ kind: 'progress' | 'done'; nonce?: string } & PowProgress>) => {
      if (e.data.kind === 'progress') {
        report(e.data);
      } else {
        worker.terminate();
        onShare(1);
        resolve(e.data.nonce ?? '');
      }
    };
    worker.onerror = (err) => {
      worker.terminate();
      reject(new Error(err.message || 'the puzzle solver failed'));
    };
    worker.postMessage({ challenge, bits });
  });
}
