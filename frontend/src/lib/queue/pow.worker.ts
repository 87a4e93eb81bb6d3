// Solves a proof-of-work challenge off the page's thread; posts progress, then the nonce.
import { solvePow } from './pow';

self.onmessage = async (e: MessageEvent<{ challenge: string; bits: number }>) => {
  const { challenge, bits } = e.data;
  const nonce = await solvePow(challenge, bits, (p) => self.postMessage({ kind: 'progress', ...p }));
  self.postMessage({ kind: 'done', nonce });
};
