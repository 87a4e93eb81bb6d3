// The waiting room's shapes. The waiting room is the gateway's own (`/api/v1/queue/...`), not
// core-api's, so it is not in core-api's OpenAPI document and cannot be generated with the
// rest (types.ts); docs/api.md "Waiting room" describes these fields.

export type QueueStatus = 'WAITING' | 'ADMITTED' | 'SOLD_OUT' | 'CLOSED';

export interface QueueTicket {
  queueToken: string;
  position: number;
  estimatedWaitSeconds: number;
  status: QueueStatus;
  pollAfterMs?: number;
  passToken?: string;
}
