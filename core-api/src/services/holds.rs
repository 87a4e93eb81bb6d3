//! Seat holds: all-or-nothing claims with a TTL, the per-user limit, release and extension.

use std::{collections::HashSet, sync::Arc};

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::json;
use utoipa::ToSchema;
use uuid::Uuid;

use super::{
    auth::Caller,
    views::{SeatView, millis_to_utc, sale_is_open},
};
use crate::{
    config::Config,
    domain::SeatSelection,
    error::{Error, Result},
    storage::{
        redis::holds::{ClaimOutcome, ExtendOutcome, HoldRecord, HoldStore},
        repo::{catalog::CatalogRepo, seats::SeatRepo},
    },
};

#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct CreateHoldRequest {
    pub performance_id: Uuid,
    pub seat_ids: Vec<Uuid>,
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct HoldView {
    pub hold_id: Uuid,
    pub performance_id: Uuid,
    pub seats: Vec<SeatView>,
    /// KRW, integer.
    pub total_amount: i64,
    pub expires_at: DateTime<Utc>,
    /// Whether the one allowed extension was used.
    pub extended: bool,
}

#[derive(Clone)]
pub struct HoldService {
    config: Arc<Config>,
    catalog: CatalogRepo,
    seats: SeatRepo,
    store: HoldStore,
}

impl HoldService {
    pub fn new(
        config: Arc<Config>,
        catalog: CatalogRepo,
        seats: SeatRepo,
        store: HoldStore,
    ) -> Self {
        HoldService {
            config,
            catalog,
            seats,
            store,
        }
    }

    pub async fn create(&self, caller: Caller, req: CreateHoldRequest) -> Result<HoldView> {
        metrics::counter!("holds_attempted_total").increment(1);
        let result = self.try_create(caller, req).await;
        match &result {
            Ok(_) => metrics::counter!("holds_granted_total").increment(1),
            Err(Error::SeatUnavailable { .. }) => {
                metrics::counter!("holds_conflicted_total", "reason" => "taken").increment(1)
            }
            Err(Error::Rule {
                code: "SEAT_LIMIT_EXCEEDED",
                ..
            }) => metrics::counter!("holds_conflicted_total", "reason" => "limit").increment(1),
            Err(_) => {}
        }
        result
    }

    async fn try_create(&self, caller: Caller, req: CreateHoldRequest) -> Result<HoldView> {
        let selection = SeatSelection::parse(req.seat_ids)?;
        let performance_id = req.performance_id;
        let performance = self
            .catalog
            .performance_rules(performance_id)
            .await?
            .ok_or(Error::NotFound("performance"))?;
        if !sale_is_open(&performance, Utc::now()) {
            return Err(Error::rule(
                "SALE_NOT_OPEN",
                "this performance is not on sale right now",
                json!({ "saleOpensAt": performance.sale_opens_at, "saleClosesAt": performance.sale_closes_at }),
            ));
        }
        let limit = performance.max_seats_per_user.max(0) as u32;
        if selection.len() as u32 > limit {
            return Err(limit_exceeded(limit));
        }

        let rows = self.seats.by_ids(performance_id, selection.ids()).await?;
        let found: HashSet<Uuid> = rows.iter().map(|r| r.id).collect();
        let unknown: Vec<Uuid> = selection
            .ids()
            .iter()
            .filter(|id| !found.contains(id))
            .copied()
            .collect();
        if !unknown.is_empty() {
            return Err(Error::Validation {
                message: "some seats do not belong to this performance".to_owned(),
                details: json!({ "field": "seatIds", "unknownSeatIds": unknown }),
            });
        }
        let mut unavailable: Vec<Uuid> = rows
            .iter()
            .filter(|r| r.status != "AVAILABLE")
            .map(|r| r.id)
            .collect();
        if !unavailable.is_empty() {
            unavailable.sort();
            return Err(Error::SeatUnavailable {
                seat_ids: unavailable,
            });
        }

        let reserved = self
            .seats
            .live_reserved_count(caller.user_id, performance_id)
            .await?
            .max(0) as u32;
        let record = HoldRecord {
            hold_id: Uuid::new_v4(),
            performance_id,
            user_id: caller.user_id,
            seat_ids: selection.ids().to_vec(),
            expires_at_ms: 0,
            extended: false,
        };
        match self
            .store
            .claim(&record, self.config.hold_ttl_ms, limit, reserved)
            .await?
        {
            ClaimOutcome::Granted { expires_at_ms } => Ok(view(
                HoldRecord {
                    expires_at_ms,
                    ..record
                },
                rows.into_iter()
                    .map(|r| SeatView::from_row(r, true))
                    .collect(),
            )),
            ClaimOutcome::Taken(mut seat_ids) => {
                seat_ids.sort();
                Err(Error::SeatUnavailable { seat_ids })
            }
            ClaimOutcome::LimitExceeded => Err(limit_exceeded(limit)),
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

    pub async fn get(&self, caller: Caller, hold_id: Uuid) -> Result<HoldView> {
        let record = self.owned(caller, hold_id).await?;
        self.view_of(record).await
    }

    pub async fn release(&self, caller: Caller, hold_id: Uuid) -> Result<()> {
        let record = self.owned(caller, hold_id).await?;
        if self.store.release(&record).await? {
            Ok(())
        } else {
            Err(Error::NotFound("hold"))
        }
    }

    pub async fn extend(&self, caller: Caller, hold_id: Uuid) -> Result<HoldView> {
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
                "HOLD_EXTENSION_USED",
                "a hold can be extended only once",
                json!({ "holdId": hold_id }),
            )),
            ExtendOutcome::Gone => Err(hold_expired()),
        }
    }

    async fn view_of(&self, record: HoldRecord) -> Result<HoldView> {
        let rows = self
            .seats
            .by_ids(record.performance_id, &record.seat_ids)
            .await?;
        Ok(view(
            record,
            rows.into_iter()
                .map(|r| SeatView::from_row(r, true))
                .collect(),
        ))
    }
}

fn view(record: HoldRecord, seats: Vec<SeatView>) -> HoldView {
    HoldView {
        hold_id: record.hold_id,
        performance_id: record.performance_id,
        total_amount: seats.iter().map(|s| s.price).sum(),
        seats,
        expires_at: millis_to_utc(record.expires_at_ms),
        extended: record.extended,
    }
}

pub fn limit_exceeded(limit: u32) -> Error {
    Error::rule(
        "SEAT_LIMIT_EXCEEDED",
        format!("at most {limit} seats per person for this performance"),
        json!({ "maxSeatsPerUser": limit }),
    )
}

pub fn hold_expired() -> Error {
    Error::conflict(
        "HOLD_EXPIRED",
        "the hold expired or was released; pick your seats again",
    )
}
