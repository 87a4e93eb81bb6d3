//! Seat holds: all-or-nothing claims with a TTL, the per-user limit, release and extension.

use std::{
    collections::{BTreeMap, HashSet},
    sync::Arc,
    time::Duration,
};

use chrono::{DateTime, Utc};
use rand::seq::SliceRandom;
use serde::{Deserialize, Serialize};
use serde_json::json;
use utoipa::ToSchema;
use uuid::Uuid;

use crate::{
    config::Config,
    error::{Error, ErrorCode, Result},
    ticketing::{
        domain::{SeatSelection, seat_selection::MAX_SEATS_PER_HOLD},
        storage::{
            ga::{GaRepo, ProductRow},
            holds::{Backend, ClaimOutcome, ExtendOutcome, HoldRecord, Holds},
            seats::{RefusedSeat, SeatRepo, SeatRow},
        },
    },
};
use crate::{
    shared::services::auth::Caller,
    ticketing::services::{
        rules::RulesCache,
        seat_layout::{Layout, SeatLayouts},
        seat_map_cache::SnapshotCache,
        stream::Publisher,
        views::{SeatView, millis_to_utc, sale_is_open},
    },
};

#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct CreateHoldRequest {
    pub performance_id: Uuid,
    /// Exactly these seats, all or none.
    #[serde(default)]
    #[schema(min_items = 1, max_items = 50)]
    pub seat_ids: Option<Vec<Uuid>>,
    /// Or: the best `quantity` adjacent seats available (same section and row).
    #[serde(default)]
    #[schema(minimum = 1, maximum = 50)]
    pub quantity: Option<u32>,
    /// With `quantity`: only this section.
    #[serde(default)]
    pub section: Option<String>,
    /// Or: `quantity` units of this general-admission product.
    #[serde(default)]
    pub product_id: Option<Uuid>,
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
    /// General-admission units held (empty for a seat hold).
    pub items: Vec<ItemView>,
}

/// General-admission units in a hold or reservation.
#[derive(Clone, Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ItemView {
    pub product_id: Uuid,
    pub name: String,
    pub quantity: u32,
    /// KRW per unit.
    pub unit_price: i64,
}

/// The stores and caches a hold reads.
#[derive(Clone)]
pub struct HoldSources {
    pub rules: RulesCache,
    pub layouts: SeatLayouts,
    /// Free seat ids per performance, for best-available.
    pub free_seats: SnapshotCache<Arc<HashSet<Uuid>>>,
    pub seats: SeatRepo,
    pub store: Holds,
    pub ga: GaRepo,
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
}

impl HoldService {
    pub fn new(config: Arc<Config>, sources: HoldSources, publisher: Publisher) -> Self {
        let HoldSources {
            rules,
            layouts,
            free_seats,
            seats,
            store,
            ga,
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
        }
    }

    pub fn store(&self) -> &Holds {
        &self.store
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
                code: ErrorCode::SeatLimitExceeded,
                ..
            }) => metrics::counter!("holds_conflicted_total", "reason" => "limit").increment(1),
            Err(_) => {}
        }
        result
    }

    async fn try_create(&self, caller: Caller, req: CreateHoldRequest) -> Result<HoldView> {
        let wanted = match (req.seat_ids, req.quantity) {
            (None, Some(quantity)) if req.product_id.is_some() => {
                if !(1..=MAX_SEATS_PER_HOLD as u32).contains(&quantity) {
                    return Err(Error::validation(
                        "quantity",
                        format!("must be 1 to {MAX_SEATS_PER_HOLD}"),
                    ));
                }
                Wanted::Product {
                    product_id: req.product_id.unwrap_or_default(),
                    quantity,
                }
            }
            (_, _) if req.product_id.is_some() => {
                return Err(Error::validation(
                    "quantity",
                    "a general-admission hold needs quantity and no seatIds",
                ));
            }
            (Some(ids), None) => Wanted::Seats(SeatSelection::parse(ids)?),
            (None, Some(quantity)) if (1..=MAX_SEATS_PER_HOLD as u32).contains(&quantity) => {
                Wanted::Best {
                    quantity,
                    section: req.section,
                }
            }
            (None, Some(_)) => {
                return Err(Error::validation(
                    "quantity",
                    format!("must be 1 to {MAX_SEATS_PER_HOLD}"),
                ));
            }
            _ => {
                return Err(Error::validation(
                    "seatIds",
                    "give either seatIds or quantity",
                ));
            }
        };
        let performance_id = req.performance_id;
        let performance = self
            .rules
            .get(performance_id)
            .await?
            .ok_or(Error::NotFound("performance"))?;
        if !sale_is_open(&performance, Utc::now()) {
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

    /// Exactly the asked seats. The ids are checked against the performance's layout in
    /// memory; on the Redis path the claim goes first and Postgres is asked about the seats'
    /// status only when Redis granted it, so the many who lose a contested seat cost one Redis
    /// call each. The Postgres path reads the seats first, as before.
    async fn claim_exact(
        &self,
        caller: Caller,
        performance_id: Uuid,
        selection: &SeatSelection,
        limit: u32,
    ) -> Result<HoldView> {
        let layout = self.layouts.get(performance_id).await?;
        let mut rows = Vec::with_capacity(selection.len());
        let mut unknown = Vec::new();
        for id in selection.ids() {
            match layout.seat(id) {
                Some(row) => rows.push(row.clone()),
                None => unknown.push(*id),
            }
        }
        if !unknown.is_empty() {
            return Err(Error::Validation {
                message: "some seats do not belong to this performance".to_owned(),
                details: json!({ "field": "seatIds", "unknownSeatIds": unknown }),
            });
        }
        if self.store.live_path() == "postgres" {
            let current = self.seats.by_ids(performance_id, selection.ids()).await?;
            let mut unavailable: Vec<Uuid> = current
                .iter()
                .filter(|r| r.status != "AVAILABLE" || r.pg_held)
                .map(|r| r.id)
                .collect();
            if !unavailable.is_empty() {
                unavailable.sort();
                return Err(Error::SeatUnavailable {
                    seat_ids: unavailable,
                });
            }
        }
        self.claim(caller, performance_id, rows, limit).await
    }

    /// Claims exactly `rows` on the live hold path. A Redis grant is then checked against
    /// Postgres in one query (seat status, and the user's live reservations for the per-user
    /// limit) and taken back if Postgres refuses it.
    async fn claim(
        &self,
        caller: Caller,
        performance_id: Uuid,
        rows: Vec<SeatRow>,
        limit: u32,
    ) -> Result<HoldView> {
        let record = HoldRecord {
            hold_id: Uuid::new_v4(),
            performance_id,
            user_id: caller.user_id,
            seat_ids: rows.iter().map(|r| r.id).collect(),
            expires_at_ms: 0,
            extended: false,
            backend: Backend::Redis,
            product_id: None,
            quantity: 0,
        };
        match self
            .store
            .claim(&record, self.config.hold_ttl_ms, limit)
            .await?
        {
            (
                ClaimOutcome::Granted {
                    expires_at_ms,
                    held_before,
                },
                backend,
            ) => {
                self.publisher.changed(performance_id);
                let record = HoldRecord {
                    expires_at_ms,
                    backend,
                    ..record
                };
                if backend == Backend::Redis {
                    self.confirm_redis_claim(&record, held_before, limit)
                        .await?;
                }
                if backend == Backend::Postgres {
                    // The Redis script announces its own holds; this path announces here.
                    self.publisher
                        .publish(performance_id, record.seat_ids.clone(), "HELD", "HELD")
                        .await;
                }
                let seats = rows
                    .into_iter()
                    .map(|r| SeatView::from_row(r, true))
                    .collect();
                Ok(view(record, seats, Vec::new()))
            }
            (ClaimOutcome::Taken(mut seat_ids), _) => {
                seat_ids.sort();
                Err(Error::SeatUnavailable { seat_ids })
            }
            (ClaimOutcome::LimitExceeded, _) => Err(limit_exceeded(limit)),
            (ClaimOutcome::SoldOut { .. }, _) => Err(Error::SeatUnavailable {
                seat_ids: record.seat_ids,
            }),
        }
    }

    /// Postgres's word on a claim Redis granted: every seat still AVAILABLE and not held on the
    /// Postgres path, and the user within the limit counting live reservations. Otherwise the
    /// claim is taken back (announcing the seats' real status) and the refusal returned.
    async fn confirm_redis_claim(
        &self,
        record: &HoldRecord,
        held_before: u32,
        limit: u32,
    ) -> Result<()> {
        let check = match self
            .seats
            .claim_check(record.user_id, record.performance_id, &record.seat_ids)
            .await
        {
            Ok(check) => check,
            Err(e) => {
                self.take_back(record, &[]).await;
                return Err(e.into());
            }
        };
        if !check.refused.is_empty() {
            self.take_back(record, &check.refused).await;
            let mut seat_ids: Vec<Uuid> = check.refused.iter().map(|s| s.id).collect();
            seat_ids.sort();
            return Err(Error::SeatUnavailable { seat_ids });
        }
        let wanted = record.seat_ids.len() as i64;
        if check.reserved.max(0) + i64::from(held_before) + wanted > i64::from(limit) {
            self.take_back(record, &[]).await;
            return Err(limit_exceeded(limit));
        }
        Ok(())
    }

    /// Undoes a Redis claim and puts the seats' real status on the stream: `refused` seats
    /// as Postgres has them, the others AVAILABLE again. Best effort: a claim that cannot be
    /// taken back lapses with its TTL.
    async fn take_back(&self, record: &HoldRecord, refused: &[RefusedSeat]) {
        if let Err(e) = self.store.retract(record).await {
            tracing::warn!(error = %e, hold = %record.hold_id, "could not take back a refused claim; it lapses with its TTL");
            return;
        }
        self.publisher.changed(record.performance_id);
        let mut by_status: BTreeMap<&'static str, Vec<Uuid>> = BTreeMap::new();
        for id in &record.seat_ids {
            let status = refused
                .iter()
                .find(|s| s.id == *id)
                .map_or("AVAILABLE", |s| match s.status.as_str() {
                    "AVAILABLE" => "HELD",
                    "RESERVED" => "RESERVED",
                    _ => "SOLD",
                });
            by_status.entry(status).or_default().push(*id);
        }
        for (status, seat_ids) in by_status {
            let reason = if status == "AVAILABLE" {
                "RELEASED"
            } else {
                status
            };
            self.publisher
                .publish(record.performance_id, seat_ids, status, reason)
                .await;
        }
    }

    async fn claim_product(
        &self,
        caller: Caller,
        performance_id: Uuid,
        product_id: Uuid,
        quantity: u32,
        limit: u32,
        reserved: u32,
    ) -> Result<HoldView> {
        let product = self
            .ga
            .get(product_id)
            .await?
            .filter(|p| p.performance_id == performance_id);
        let Some(product) = product else {
            return Err(Error::validation(
                "productId",
                "no such product for this performance",
            ));
        };
        let record = HoldRecord {
            hold_id: Uuid::new_v4(),
            performance_id,
            user_id: caller.user_id,
            seat_ids: Vec::new(),
            expires_at_ms: 0,
            extended: false,
            backend: Backend::Redis,
            product_id: Some(product_id),
            quantity,
        };
        let remaining = product.remaining.max(0) as u32;
        match self
            .store
            .claim_ga(&record, self.config.hold_ttl_ms, limit, reserved, remaining)
            .await?
        {
            (ClaimOutcome::Granted { expires_at_ms, .. }, backend) => {
                let record = HoldRecord {
                    expires_at_ms,
                    backend,
                    ..record
                };
                Ok(view(record, Vec::new(), vec![item(&product, quantity)]))
            }
            (ClaimOutcome::SoldOut { available }, _) => Err(sold_out(product_id, available)),
            (ClaimOutcome::LimitExceeded, _) => Err(limit_exceeded(limit)),
            (ClaimOutcome::Taken(_), _) => Err(sold_out(product_id, 0)),
        }
    }

    /// Best available: the front-most block of `quantity` adjacent free seats in one row.
    /// If someone takes part of the block first, tries the next best block (a few times).
    ///
    /// Which seats are free comes from a snapshot of the free seat ids at most
    /// `CORE_SEAT_MAP_CACHE_MS` old (one Postgres read per performance per interval, however
    /// many ask) minus the seats held in Redis right now; the seats themselves come from the
    /// cached layout. A seat reserved since the snapshot still carries its Redis marker, so
    /// the claim refuses it and the next block is tried.
    async fn claim_best(
        &self,
        caller: Caller,
        performance_id: Uuid,
        quantity: u32,
        section: Option<&str>,
        limit: u32,
    ) -> Result<HoldView> {
        let mut taken: HashSet<Uuid> = self.store.redis_held_seats(performance_id).await?;
        let layout = self.layouts.get(performance_id).await?;
        // A second pass on a fresh snapshot before saying no, when the first one lost blocks to
        // others: late in a sale most seats of a stale snapshot are gone, and the fresh one is
        // small (only free seats are read). "Fresh" is at most FRESH_SNAPSHOT old, so a crowd
        // of losers shares one read instead of each making its own.
        for pass in 0..2 {
            if pass == 1 {
                self.free_seats
                    .invalidate_older_than(performance_id, FRESH_SNAPSHOT);
            }
            let free_ids = self
                .free_seats
                .get_or_build(performance_id, async {
                    let ids = self.seats.free_ids(performance_id).await?;
                    Ok(Arc::new(ids.into_iter().collect::<HashSet<Uuid>>()))
                })
                .await?;
            let candidates = best_blocks(
                &layout,
                |id| free_ids.contains(id) && !taken.contains(id),
                section,
                quantity as usize,
                CANDIDATE_BLOCKS,
            );
            // The best block first; then, so that a crowd asking at the same moment does not
            // keep colliding on the same next-best block, a few of the others at random.
            let mut order: Vec<usize> = (1..candidates.len()).collect();
            order.shuffle(&mut rand::rng());
            let tries = std::iter::once(0)
                .chain(order)
                .filter(|i| *i < candidates.len());
            let mut attempts = 0;
            let mut lost = false;
            for i in tries {
                let block = &candidates[i];
                if attempts == 4 {
                    break;
                }
                if block.iter().any(|s| taken.contains(&s.id)) {
                    continue;
                }
                attempts += 1;
                let rows: Vec<SeatRow> = block.iter().map(|s| (*s).clone()).collect();
                match self.claim(caller, performance_id, rows, limit).await {
                    Err(Error::SeatUnavailable { seat_ids }) => {
                        lost = true;
                        taken.extend(seat_ids);
                    }
                    other => return other,
                }
            }
            if !lost {
                // Nothing was tried and lost: the snapshot had no block to offer, which a
                // fresh read would not change (it lists every seat Postgres has free, held or
                // not), so no extra read for the crowd that keeps asking after a sell-out.
                break;
            }
        }
        Err(Error::rule(
            ErrorCode::SeatsNotAvailableTogether,
            format!(
                "no {quantity} adjacent seats are free{}",
                section
                    .map(|s| format!(" in section {s}"))
                    .unwrap_or_default()
            ),
            json!({ "quantity": quantity, "section": section }),
        ))
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
        if !self.store.release(&record).await? {
            return Err(Error::NotFound("hold"));
        }
        self.publisher.changed(record.performance_id);
        if record.backend == Backend::Postgres {
            self.publisher
                .publish(
                    record.performance_id,
                    record.seat_ids.clone(),
                    "AVAILABLE",
                    "RELEASED",
                )
                .await;
        }
        Ok(())
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
                ErrorCode::HoldExtensionUsed,
                "a hold can be extended only once",
                json!({ "holdId": hold_id }),
            )),
            ExtendOutcome::Gone => Err(hold_expired()),
        }
    }

    async fn view_of(&self, record: HoldRecord) -> Result<HoldView> {
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
            rows.into_iter()
                .map(|r| SeatView::from_row(r, true))
                .collect(),
            Vec::new(),
        ))
    }
}

enum Wanted {
    Product {
        product_id: Uuid,
        quantity: u32,
    },
    Seats(SeatSelection),
    Best {
        quantity: u32,
        section: Option<String>,
    },
}

impl Wanted {
    fn len(&self) -> u32 {
        match self {
            Wanted::Seats(s) => s.len() as u32,
            Wanted::Best { quantity, .. } | Wanted::Product { quantity, .. } => *quantity,
        }
    }
}

/// How many of the best blocks a best-available hold may try (the best first).
const CANDIDATE_BLOCKS: usize = 8;

/// How old a free-seat snapshot may be for a best-available hold's second pass.
const FRESH_SNAPSHOT: Duration = Duration::from_millis(100);

/// Up to `k` blocks of `n` seats with consecutive numbers in one row, no two sharing a seat,
/// best first: closest to the front (smallest y), then to the row's centre. Seats come in any
/// order.
/// Up to `k` non-overlapping blocks of `n` adjacent free seats, best first: the front-most
/// rows first, and within the same depth the block whose middle is nearest its row's centre.
///
/// It walks the layout's rows from the front and stops at the first depth by which it has
/// `k` blocks, so the cost is the rows it looks at, not the whole venue.
fn best_blocks<'a>(
    layout: &'a Layout,
    is_free: impl Fn(&Uuid) -> bool,
    section: Option<&str>,
    n: usize,
    k: usize,
) -> Vec<Vec<&'a SeatRow>> {
    let mut chosen: Vec<Vec<&SeatRow>> = Vec::new();
    if n == 0 {
        return chosen;
    }
    let rows = layout.rows();
    let mut next = 0;
    while next < rows.len() && chosen.len() < k {
        let depth = rows[next].y;
        // Every block at this depth: (distance from its row's centre, seats).
        let mut level: Vec<(i64, Vec<&SeatRow>)> = Vec::new();
        while next < rows.len() && rows[next].y == depth {
            let row = &rows[next];
            next += 1;
            if section.is_some_and(|s| row.section != s) {
                continue;
            }
            let free: Vec<&SeatRow> = row
                .seats
                .iter()
                .filter(|id| is_free(id))
                .filter_map(|id| layout.seat(id))
                .collect();
            for window in free.windows(n) {
                if window.windows(2).all(|p| p[1].number == p[0].number + 1) {
                    let mid = (i64::from(window[0].x) + i64::from(window[n - 1].x)) / 2;
                    level.push(((mid - row.centre).abs(), window.to_vec()));
                }
            }
        }
        level.sort_by_key(|(distance, _)| *distance);
        let mut used: HashSet<Uuid> = HashSet::new();
        for (_, window) in level {
            if chosen.len() == k {
                break;
            }
            if window.iter().all(|s| !used.contains(&s.id)) {
                used.extend(window.iter().map(|s| s.id));
                chosen.push(window);
            }
        }
    }
    chosen
}

fn view(record: HoldRecord, seats: Vec<SeatView>, items: Vec<ItemView>) -> HoldView {
    let items_total: i64 = items
        .iter()
        .map(|i| i.unit_price * i64::from(i.quantity))
        .sum();
    HoldView {
        hold_id: record.hold_id,
        performance_id: record.performance_id,
        total_amount: seats.iter().map(|s| s.price).sum::<i64>() + items_total,
        seats,
        expires_at: millis_to_utc(record.expires_at_ms),
        extended: record.extended,
        items,
    }
}

pub fn limit_exceeded(limit: u32) -> Error {
    Error::rule(
        ErrorCode::SeatLimitExceeded,
        format!("at most {limit} seats per person for this performance"),
        json!({ "maxSeatsPerUser": limit }),
    )
}

pub fn hold_expired() -> Error {
    Error::conflict(
        ErrorCode::HoldExpired,
        "the hold expired or was released; pick your seats again",
    )
}

pub fn item(product: &ProductRow, quantity: u32) -> ItemView {
    ItemView {
        product_id: product.id,
        name: product.name.clone(),
        quantity,
        unit_price: product.price,
    }
}

pub fn sold_out(product_id: Uuid, available: u32) -> Error {
    Error::conflict(
        ErrorCode::SoldOut,
        format!("only {available} left of this product"),
    )
    .with_details(json!({ "productId": product_id, "available": available }))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn seat(section: &str, row: &str, number: i32, x: i32, y: i32) -> SeatRow {
        SeatRow {
            id: Uuid::new_v4(),
            section: section.into(),
            row_label: row.into(),
            number,
            x,
            y,
            price_tier: "R".into(),
            price: 1,
            status: "AVAILABLE".into(),
            pg_held: false,
        }
    }

    #[test]
    fn best_available_prefers_the_front_row_centre_and_needs_adjacency() {
        let seats = [
            seat("A", "A", 1, 10, 0),
            seat("A", "A", 3, 30, 0), // gap at 2: no pair in row A
            seat("A", "B", 1, 10, 10),
            seat("A", "B", 2, 20, 10),
            seat("A", "B", 3, 30, 10),
            seat("A", "B", 4, 40, 10),
            seat("A", "C", 1, 10, 20),
            seat("A", "C", 2, 20, 20),
        ];
        let layout = Layout::new(seats.to_vec());
        let all = |_: &Uuid| true;
        let blocks = best_blocks(&layout, all, None, 2, 3);
        let block = blocks.first().expect("a block");
        let numbers: Vec<(String, i32)> = block
            .iter()
            .map(|s| (s.row_label.clone(), s.number))
            .collect();
        assert_eq!(
            numbers,
            [("B".to_owned(), 2), ("B".to_owned(), 3)],
            "row B, centred"
        );
        let rows_of = |blocks: Vec<Vec<&SeatRow>>| -> Vec<(String, i32)> {
            blocks
                .iter()
                .map(|b| (b[0].row_label.clone(), b[0].number))
                .collect()
        };
        assert_eq!(
            rows_of(blocks),
            [("B".to_owned(), 2), ("C".to_owned(), 1)],
            "then the next non-overlapping blocks: B1-2 would share B2 with the best, B3-4 B3"
        );
        assert!(best_blocks(&layout, all, None, 5, 3).is_empty());
        assert_eq!(
            best_blocks(&layout, all, None, 1, 1)
                .first()
                .map(|b| b[0].row_label.clone()),
            Some("A".to_owned())
        );
        assert!(best_blocks(&layout, all, Some("Z"), 1, 1).is_empty());
    }

    #[test]
    fn best_available_skips_taken_seats_and_keeps_the_rows_centre() {
        let seats: Vec<SeatRow> = (1..=6)
            .map(|n| seat("A", "A", n, n * 10, 0))
            .chain((1..=6).map(|n| seat("A", "B", n, n * 10, 10)))
            .collect();
        let layout = Layout::new(seats.clone());
        // Row A: only 1-2 free (far from the centre, 35); row B all free.
        let taken: HashSet<Uuid> = seats[2..6].iter().map(|s| s.id).collect();
        let blocks = best_blocks(&layout, |id| !taken.contains(id), None, 2, 2);
        let picked: Vec<(String, i32)> = blocks
            .iter()
            .map(|b| (b[0].row_label.clone(), b[0].number))
            .collect();
        assert_eq!(
            picked,
            [("A".to_owned(), 1), ("B".to_owned(), 3)],
            "the front row first even off-centre; then row B's middle pair"
        );
    }
}
