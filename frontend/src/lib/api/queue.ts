// The waiting room's shapes. The waiting room is the gateway's own (`/api/v1/queue/...`), not
// core-api's, so it is not in core-api's OpenAPI document and cannot be generated with the
// rest (types.ts); docs/api.md "Waiting room" describes these fields.

export type QueueStatus = 'PREQUEUE' | 'WAITING' | 'ADMITTED' | 'SOLD_OUT' | 'EXPIRED' | 'CLOSED';

export interface QueueTicket {
  queueToken: string;
  position: number;
  estimatedWaitSeconds: number;
  status: QueueStatus;
  pollAfterMs?: number;
  passToken?: string;
  reason?: string;
  /** The wait at the configured and at the measured admission rate (max null: not measured). */
  waitRangeSeconds?: { min: number; max: number | null };
  peopleInLine?: number;
  /** Unix seconds. */
  saleOpensAt?: number;
  prequeueOpensAt?: number;
  /** SHA-256 of the pre-queue's seed, committed when the pre-queue opened. */
  seedHash?: string | null;
  /** The pre-queue join token: keep it to check the draw (verify page). */
  joinToken?: string;
  joinSequence?: number;
  /** 0..1: the seats left after everyone ahead took the average, per one buyer (null: unknown). */
  chance?: number | null;
  seatsLeft?: number | null;
  /** The thumbprint of the key the pass is bound to (null: not bound). */
  passBoundTo?: string | null;
}

/** `POST /queue/{id}/challenge`: a proof-of-work puzzle for the join (docs/api.md "Bot friction"). */
export interface QueueChallenge {
  /** False when this line asks for no puzzle. */
  required: boolean;
  challenge: string;
  /** Leading zero bits of SHA-256(challenge + ":" + nonce). */
  difficulty: number;
  expiresAt: number;
  peopleInLine: number;
}

/** The join's body: the solved puzzle, and this tab's public key when passes are bound. */
export interface QueueJoin {
  pow?: { challenge: string; nonce: string };
  jwk?: { kty: 'EC'; crv: 'P-256'; x: string; y: string };
}

/** `GET /queue/{id}/fairness`: the pre-queue's published proof (docs/api.md). */
export interface QueueFairness {
  seedHash: string | null;
  seed: string | null;
  sealed: boolean;
  ordered: boolean;
  joinTokenHashesTotal: number;
  offset: number;
  joinTokenHashes: string[];
  algorithm: string;
}
