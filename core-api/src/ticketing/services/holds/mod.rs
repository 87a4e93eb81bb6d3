//! Holds: all-or-nothing claims with a TTL, the per-user limit, release and extension. What a
//! request asks for is read here; exact seats are claimed in `seats`, best-available blocks
//! found in `best_available`, general-admission units in `general_admission`.

mod best_available;
mod general_admission;
mod refusals;
mod seats;
mod wanted;

pub(crate) use refusals::{hold_expired, limit_exceeded, sold_out};

use crate::error::ErrorCode;
use wanted::Wanted;

use std::{collections::HashSet, sync::Arc};

use chrono::{DateTime, Utc};
use holdfast_contract::clock::Clock;
use serde_json::json;
use uuid::Uuid;

use crate::{
    config::Config,
    error::{Error, Result},
    ticketing::{
        domain::status::{SeatChangeReason, SeatStatus},
        storage::{
            ga::{GaRepo, ProductRow},
            holds::{Backend, ExtendOutcome, HoldRecord, Holds},
            seats::SeatRepo,
        },
    },
};
use crate::{
    shared::services::auth::Caller,
    ticketing::services::{
        rules::RulesCache,
        seat_layout::SeatLayouts,
        seat_map_cache::SnapshotCache,
        stream::Publisher,
        views::{Seat, millis_to_utc, sale_is_open},
    },
};

/// What a buyer asks to hold: exact seats, the best `quantity` adjacent ones (optionally in
/// one section), or `quantity` units of a general-admission product.
#[derive(Debug)]
pub(crate) struct HoldRequest {
    pub(crate) performance_id: Uuid,
    pub(crate) seat_ids: Option<Vec<Uuid>>,
    pub(crate) quantity: Option<u32>,
    pub(crate) section: Option<String>,
    pub(crate) product_id: Option<Uuid>,
}

/// A live hold: its seats (or general-admission units), their total and when it lapses.
#[derive(Clone, Debug)]
pub(crate) struct Hold {
    pub(crate) hold_id: Uuid,
    pub(crate) performance_id: Uuid,
    pub(crate) seats: Vec<Seat>,
    /// KRW.
    pub(crate) total_amount: i64,
    pub(crate) expires_at: DateTime<Utc>,
    /// Whether the one allowed extension was used.
    pub(crate) extended: bool,
    /// General-admission units held (empty for a seat hold).
    pub(crate) items: Vec<Item>,
}

/// General-admission units in a hold or reservation.
#[derive(Clone, Debug)]
pub struct Item {
    pub product_id: Uuid,
    pub name: String,
    pub quantity: u32,
    /// KRW per unit.
    pub unit_price: i64,
}

/// The stores and caches a hold reads.
#[derive(Clone)]
pub(crate) struct HoldSources {
    pub(crate) rules: RulesCache,
    pub(crate) layouts: SeatLayouts,
    /// Free seat ids per performance, for best-available.
    pub(crate) free_seats: SnapshotCache<Arc<HashSet<Uuid>>>,
    pub(crate) seats: SeatRepo,
    pub(crate) store: Holds,
    pub(crate) ga: GaRepo,
    /// The time of day, for the sale window.
    pub(crate) clock: Arc<dyn Clock>,
}

#[derive(Clone)]
pub struct HoldService {
    config: Arc<Config>,
    rules: RulesCache,
    layouts: SeatLayouts,
    free_seats: SnapshotCache<Arc<HashSet<Uuid>>>,
    seats: SeatRepo,
    store: Holds,
    publisher: Publisher,
    ga: GaRepo,
    clock: Arc<dyn Clock>,
}

impl HoldService {
    pub(crate) fn new(config: Arc<Config>, sources: HoldSources, publisher: Publisher) -> Self {
        let HoldSources {
            rules,
            layouts,
            free_seats,
            seats,
            store,
            ga,
            clock,
        } = sources;
        HoldService {
            config,
            rules,
            layouts,
            free_seats,
            seats,
            store,
            publisher,
            ga,
            clock,
        }
    }

    pub(crate) fn store(&self) -> &Holds {
        &self.store
    }

    pub(crate) async fn create(&self, caller: Caller, req: HoldRequest) -> Result<Hold> {
        metrics::counter!("holds_attempted_total").increment(1);
        let result = self.try_create(caller, req).await;
        match &result {
            Ok(_) => metrics::counter!("holds_granted_total").increment(1),
            Err(Error::SeatUnavailable { .. }) => {
                metrics::counter!("holds_conflicted_total", "reason" => "taken").increment(1)
            }
            Err(Error::Rule {
                code: ErrorCode::SeatLimitExceeded,
                ..
            }) => metrics::counter!("holds_conflicted_total", "reason" => "limit").increment(1),
            Err(_) => {}
        }
        result
    }

    async fn try_create(&self, caller: Caller, req: HoldRequest) -> Result<Hold> {
        let performance_id = req.performance_id;
        let wanted = Wanted::parse(req)?;
        let performance = self
            .rules
            .get(performance_id)
            .await?
            .ok_or(Error::NotFound("performance"))?;
        if !sale_is_open(&performance, self.clock.now()) {
            return Err(Error::rule(
                ErrorCode::SaleNotOpen,
                "this performance is not on sale right now",
                json!({ "saleOpensAt": performance.sale_opens_at, "saleClosesAt": performance.sale_closes_at }),
            ));
        }
        let limit = performance.max_seats_per_user.max(0) as u32;
        if wanted.len() > limit {
            return Err(limit_exceeded(limit));
        }
        match wanted {
            Wanted::Seats(selection) => {
                self.claim_exact(caller, performance_id, &selection, limit)
                    .await
            }
            Wanted::Product {
                product_id,
                quantity,
            } => {
                let reserved = self
                    .seats
                    .live_reserved_count(caller.user_id, performance_id)
                    .await?
                    .max(0) as u32;
                self.claim_product(
                    caller,
                    performance_id,
                    product_id,
                    quantity,
                    limit,
                    reserved,
                )
                .await
            }
            Wanted::Best { quantity, section } => {
                self.claim_best(caller, performance_id, quantity, section.as_deref(), limit)
                    .await
            }
        }
    }

    /// The caller's live hold, or 404 when it expired or never existed.
    pub async fn owned(&self, caller: Caller, hold_id: Uuid) -> Result<HoldRecord> {
        let record = self
            .store
            .record(hold_id)
            .await?
            .ok_or(Error::NotFound("hold"))?;
        if record.user_id != caller.user_id {
            return Err(Error::Forbidden("this hold belongs to someone else"));
        }
        Ok(record)
    }

    pub(crate) async fn get(&self, caller: Caller, hold_id: Uuid) -> Result<Hold> {
        let record = self.owned(caller, hold_id).await?;
        self.view_of(record).await
    }

    pub(crate) async fn release(&self, caller: Caller, hold_id: Uuid) -> Result<()> {
        let record = self.owned(caller, hold_id).await?;
        if !self.store.release(&record).await? {
            return Err(Error::NotFound("hold"));
        }
        self.publisher.changed(record.performance_id);
        if record.backend == Backend::Postgres {
            self.publisher
                .publish(
                    record.performance_id,
                    record.seat_ids.clone(),
                    SeatStatus::Available,
                    SeatChangeReason::Released,
                )
                .await;
        }
        Ok(())
    }

    pub(crate) async fn extend(&self, caller: Caller, hold_id: Uuid) -> Result<Hold> {
        let record = match self.owned(caller, hold_id).await {
            Err(Error::NotFound(_)) => return Err(hold_expired()),
            other => other?,
        };
        match self
            .store
            .extend(&record, self.config.hold_extension_ms)
            .await?
        {
            ExtendOutcome::Extended { expires_at_ms } => {
                self.view_of(HoldRecord {
                    expires_at_ms,
                    extended: true,
                    ..record
                })
                .await
            }
            ExtendOutcome::AlreadyExtended => Err(Error::rule(
                ErrorCode::HoldExtensionUsed,
                "a hold can be extended only once",
                json!({ "holdId": hold_id }),
            )),
            ExtendOutcome::Gone => Err(hold_expired()),
        }
    }

    async fn view_of(&self, record: HoldRecord) -> Result<Hold> {
        if let Some(product_id) = record.product_id {
            let product = self
                .ga
                .get(product_id)
                .await?
                .ok_or(Error::NotFound("product"))?;
            let quantity = record.quantity;
            return Ok(view(record, Vec::new(), vec![item(&product, quantity)]));
        }
        let rows = self
            .seats
            .by_ids(record.performance_id, &record.seat_ids)
            .await?;
        Ok(view(
            record,
            rows.into_iter().map(|r| Seat::from_row(r, true)).collect(),
            Vec::new(),
        ))
    }
}

fn view(record: HoldRecord, seats: Vec<Seat>, items: Vec<Item>) -> Hold {
    let items_total: i64 = items
        .iter()
        .map(|i| i.unit_price * i64::from(i.quantity))
        .sum();
    Hold {
        hold_id: record.hold_id,
        performance_id: record.performance_id,
        total_amount: seats.iter().map(|s| s.price).sum::<i64>() + items_total,
        seats,
        expires_at: millis_to_utc(record.expires_at_ms),
        extended: record.extended,
        items,
    }
}

pub(super) fn item(product: &ProductRow, quantity: u32) -> Item {
    Item {
        product_id: product.id,
        name: product.name.clone(),
        quantity,
        unit_price: product.price,
    }
}
