// Shapes of the Holdfast API. Everything core-api answers is generated from its OpenAPI
// document (`npm run gen:api` turns docs/openapi.json into schema.d.ts; scripts/test fails
// when that file is out of date); this file only names them (the gateway's waiting room is
// in queue.ts). Money is integer KRW; instants are RFC 3339 strings.

import type { components } from './schema';

type Schemas = components['schemas'];

export type SeatStatus = Schemas['SeatStatus'];
/** The one seat type of the app: layout (x/y), name, price and status, as the seat map sends it. */
export type Seat = Schemas['SeatView'];
/** A seat's id and status (stream snapshots, polled maps). */
export type SeatState = Schemas['SeatState'];
export type SeatMap = Schemas['SeatMapView'];
/** `GET /performances/{id}/seat-layout`: the immutable places, tiers and prices, in a fixed order. */
export type SeatLayout = Schemas['SeatLayoutView'];
/** `GET /performances/{id}/seat-status`: every seat's status packed two bits a seat, in layout order. */
export type SeatStatusVector = Schemas['SeatStatusView'];
export type Performance = Schemas['PerformanceView'];
export type EventSummary = Schemas['EventView'];
export type TokenPair = Schemas['TokenPair'];
export type User = Schemas['UserView'];
export type Hold = Schemas['HoldView'];
/** `POST /holds`: `seatIds`, or `quantity` (and `section`) for the best seats together. */
export type HoldRequest = Schemas['CreateHoldRequest'];
/** What the buyer enters at checkout. */
export type Attendee = Schemas['AttendeeInput'];
export type ReservationStatus = Schemas['ReservationStatus'];
export type Reservation = Schemas['ReservationView'];
export type Wallet = Schemas['WalletView'];
export type Payment = Schemas['PaymentView'];
/** `event: snapshot` of the seat stream. */
export type SeatSnapshot = Schemas['SeatSnapshot'];
export type SeatChangeReason = Schemas['SeatChangeReason'];
/** `event: seat` of the seat stream. */
export type SeatChange = Schemas['SeatEvent'];
export type ErrorBody = Schemas['ErrorBody'];
/** A general-admission product: a priced quantity (standing, for example). */
export type Product = Schemas['ProductView'];
/** A general-admission product as an organizer writes it (create, and whole on edit). */
export type ProductInput = Schemas['ProductRequest'];
/** General-admission units in a hold or reservation. */
export type Item = Schemas['ItemView'];
