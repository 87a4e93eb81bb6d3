//! Ticketing: the catalog, seat and general-admission holds, reservations, payments, the
//! waiting room's core-api side and the live seat stream. Nothing here knows about booking.

pub mod domain;
pub(crate) mod http;
pub mod services;
pub mod storage;
