// Shapes of the Holdfast API (DESIGN.md; core-api's /openapi.json is authoritative).
// Money is integer KRW; instants are RFC 3339 strings.

export type SeatStatus = 'AVAILABLE' | 'HELD' | 'RESERVED' | 'SOLD';

export interface Seat {
  id: string;
  section: string;
  row: string;
  number: number;
  x: number;
  y: number;
  priceTier?: string;
  price: number;
  status: SeatStatus;
}

export interface SeatMap {
  performanceId: string;
  seats: Seat[];
}

export interface Performance {
  id: string;
  eventId: string;
  startsAt: string;
  saleOpensAt: string;
  saleClosesAt: string;
  totalSeats: number;
  availableSeats: number;
  maxSeatsPerUser: number;
  queueEnabled: boolean;
  onSale?: boolean;
}

export interface EventSummary {
  id: string;
  title: string;
  description?: string;
  status: string;
  venue: { id: string; name: string };
  performances?: Performance[];
}

export interface TokenPair {
  accessToken: string;
  refreshToken: string;
  tokenType: 'Bearer';
  expiresIn: number;
}

export interface User {
  id: string;
  email: string;
  name: string;
  role: 'USER' | 'ADMIN';
}

export interface Hold {
  holdId: string;
  performanceId: string;
  seats: Seat[];
  totalAmount: number;
  expiresAt: string;
  extended?: boolean;
}

export interface Attendee {
  name: string;
  phone: string;
  email?: string | null;
}

export type ReservationStatus = 'PENDING_PAYMENT' | 'CONFIRMED' | 'CANCELLED' | 'EXPIRED';

export interface Reservation {
  reservationId: string;
  reservationNumber: string;
  performanceId: string;
  status: ReservationStatus;
  seats: Seat[];
  totalAmount: number;
  expiresAt: string;
  attendee: Attendee;
  createdAt?: string;
  /** Until when the buyer may cancel (paid: the refund cut-off; unpaid: the start); null once ended. */
  cancellableUntil?: string | null;
}

export interface Wallet {
  balance: number;
  totalCharged: number;
  totalUsed: number;
  updatedAt: string;
}

export interface Payment {
  paymentId: string;
  reservationId: string;
  amount: number;
  status: string;
  paidAt: string;
}

export type QueueStatus = 'WAITING' | 'ADMITTED' | 'SOLD_OUT' | 'CLOSED';

export interface QueueTicket {
  queueToken: string;
  position: number;
  estimatedWaitSeconds: number;
  status: QueueStatus;
  pollAfterMs?: number;
  passToken?: string;
}

/** `event: snapshot` of the seat stream. */
export interface SeatSnapshot {
  performanceId: string;
  seats: { id: string; status: SeatStatus }[];
}

export type SeatChangeReason = 'HELD' | 'RELEASED' | 'RESERVED' | 'SOLD' | 'EXPIRED' | 'CANCELLED';

/** `event: seat` of the seat stream. */
export interface SeatChange {
  seatIds: string[];
  status: SeatStatus;
  reason?: SeatChangeReason;
}

export interface ErrorBody {
  code: string;
  message: string;
  details?: Record<string, unknown> | null;
}
