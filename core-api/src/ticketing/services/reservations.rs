//! Reservations: turning a hold into a PENDING_PAYMENT reservation in one Postgres
//! transaction, and owner-only reads.

use std::{collections::HashMap, sync::Arc};

use chrono::{DateTime, Duration, SubsecRound, Utc};
use serde::{Deserialize, Serialize};
use serde_json::json;
use utoipa::ToSchema;
use uuid::Uuid;

use crate::{
    config::Config,
    error::{Error, ErrorCode, Result},
    shared::storage::{
        audit,
        idempotency::Claim,
        wallets::{self, Movement},
    },
    ticketing::{
        domain::{Attendee, AttendeeInput, CancelWindow, ReservationNumber},
        storage::{
            ga::{self, GaRepo},
            holds::{HoldRecord, Holds},
            lifecycle::{self, ChangedSeat},
            reservations::{
                NewReservation, ReservationRepo, ReservationRow, ReservationTx, Reserved,
            },
            seats::SeatRow,
        },
    },
};
use crate::{
    shared::services::auth::Caller,
    ticketing::services::{
        group_commit::{self, GroupCommit},
        holds::{HoldService, ItemView, hold_expired, limit_exceeded, sold_out},
        payments::pay_locked,
        rules::RulesCache,
        seat_layout::SeatLayouts,
        stream::Publisher,
        views::SeatView,
    },
};

#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct CreateReservationRequest {
    pub hold_id: Uuid,
    pub attendee: AttendeeInput,
    /// Reserve and pay from the wallet in one transaction (402 and nothing changes when the
    /// balance is short).
    #[serde(default)]
    pub pay_now: bool,
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct AttendeeView {
    pub name: String,
    pub phone: String,
    pub email: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ReservationView {
    pub reservation_id: Uuid,
    pub reservation_number: String,
    pub performance_id: Uuid,
    #[schema(value_type = crate::ticketing::domain::status::ReservationStatus)]
    pub status: String,
    pub seats: Vec<SeatView>,
    /// KRW, integer.
    pub total_amount: i64,
    /// When an unpaid reservation lapses.
    pub expires_at: DateTime<Utc>,
    pub attendee: AttendeeView,
    pub created_at: DateTime<Utc>,
    /// Until when (exclusive) the buyer may cancel: a paid reservation until the performance's
    /// refund cut-off, an unpaid one until the start. Null once cancelled or expired. Admins
    /// may cancel at any time.
    pub cancellable_until: Option<DateTime<Utc>>,
    /// General-admission units (empty for a seat reservation).
    pub items: Vec<ItemView>,
}

#[derive(Clone)]
pub struct ReservationService {
    config: Arc<Config>,
    rules: RulesCache,
    layouts: SeatLayouts,
    repo: ReservationRepo,
    holds: HoldService,
    publisher: Publisher,
    ga: GaRepo,
    /// Group commit for plain seat reservations; `None` when turned off.
    group: Option<GroupCommit>,
}

/// What one commit is asked to do.
struct Order<'a> {
    hold: &'a HoldRecord,
    attendee: &'a Attendee,
    max_seats_per_user: i32,
    pay_now: bool,
    window: CancelWindow,
}

/// What a successful commit changed, announced on the seat stream after COMMIT.
struct Committed {
    id: Uuid,
    paid: bool,
    /// The answer, built from what was written (seat reservations; general admission reads
    /// it back after COMMIT).
    view: Option<ReservationView>,
    /// The commit's hold index entry is dropped and its seats announced already.
    announced: bool,
}

impl ReservationService {
    pub fn new(
        config: Arc<Config>,
        (rules, layouts): (RulesCache, SeatLayouts),
        repo: ReservationRepo,
        holds: HoldService,
        publisher: Publisher,
        ga: GaRepo,
    ) -> Self {
        let group = GroupCommit::start(
            (repo.clone(), holds.store().clone()),
            (layouts.clone(), publisher.clone()),
            config.commit_workers,
            config.commit_batch_max,
        );
        ReservationService {
            config,
            rules,
            layouts,
            repo,
            holds,
            publisher,
            ga,
            group,
        }
    }

    fn store(&self) -> &Holds {
        self.holds.store()
    }

    /// `CONFIRM_FAILURE_RATE`: whether this commit is to fail on purpose once written.
    fn confirmation_fails(&self) -> bool {
        self.config.confirm_failure_rate > 0.0
            && rand::random::<f64>() < self.config.confirm_failure_rate
    }

    /// The group committer, when group commit is on.
    pub fn group_commit(&self) -> Option<&GroupCommit> {
        self.group.as_ref()
    }

    /// Reserves in one transaction. With an Idempotency-Key `claim`, a seat reservation's
    /// answer is stored in that transaction too (general admission reads its answer back after
    /// the commit, so the caller stores it then).
    pub async fn create(
        &self,
        caller: Caller,
        req: CreateReservationRequest,
        claim: Option<&Claim>,
    ) -> Result<ReservationView> {
        let attendee = Attendee::parse(&req.attendee)?;
        let hold = match self.holds.owned(caller, req.hold_id).await {
            Ok(hold) => hold,
            // A double click or a retry after success: the hold is gone because it became this.
            Err(Error::NotFound(_)) => {
                return self
                    .existing_for_hold(caller, req.hold_id)
                    .await?
                    .ok_or_else(hold_expired);
            }
            Err(e) => return Err(e),
        };
        let performance = self
            .rules
            .get(hold.performance_id)
            .await?
            .ok_or(Error::NotFound("performance"))?;

        let order = Order {
            hold: &hold,
            attendee: &attendee,
            max_seats_per_user: performance.max_seats_per_user,
            pay_now: req.pay_now,
            window: CancelWindow {
                starts_at: performance.starts_at,
                refund_cutoff_minutes: performance.refund_cutoff_minutes,
            },
        };
        let grouped = match &self.group {
            Some(group) if group_commit::eligible(&hold, req.pay_now) => {
                self.commit_grouped(group, caller, &order, claim).await
            }
            _ => None,
        };
        let committed = match grouped {
            Some(committed) => committed?,
            None => self.commit_alone(caller, order, claim).await?,
        };
        let failure = match committed {
            Ok(done) => {
                // The group committer announces its reservations itself.
                if !done.announced {
                    announce_commit(self.store(), &self.publisher, &hold, done.paid).await;
                }
                return match done.view {
                    Some(view) => Ok(view),
                    None => self.get(caller, done.id).await,
                };
            }
            Err(e) => e,
        };
        // A concurrent request with the same hold (double click, retry) may have won: answer
        // with its reservation instead of an error.
        if let Some(existing) = self.existing_for_hold(caller, hold.hold_id).await? {
            return Ok(existing);
        }
        match failure {
            Error::SeatUnavailable { .. } => {
                metrics::counter!("reservation_commit_conflicts_total").increment(1);
                let mut lost = self
                    .repo
                    .unavailable_among(hold.performance_id, &hold.seat_ids)
                    .await?;
                if lost.is_empty() {
                    lost = hold.seat_ids.clone();
                }
                Err(Error::SeatUnavailable { seat_ids: lost })
            }
            other => Err(other),
        }
    }

    /// Commits in a transaction of its own. The outer error ends the request as it is; the
    /// inner one is a refusal (seats gone, over the limit, hold expired), rolled back.
    async fn commit_alone(
        &self,
        caller: Caller,
        order: Order<'_>,
        claim: Option<&Claim>,
    ) -> Result<Result<Committed>> {
        let tx = self.repo.begin().await?;
        match self.commit(&tx, caller, order, claim).await {
            Ok(done) => {
                tx.commit().await?;
                if let Some(claim) = claim {
                    claim.committed();
                }
                Ok(Ok(done))
            }
            Err(e) => {
                tx.rollback().await?;
                Ok(Err(e))
            }
        }
    }

    /// Commits together with other requests' reservations (`group_commit`). `None`: nothing
    /// was written, commit alone instead. Errors as in `commit_alone`.
    async fn commit_grouped(
        &self,
        group: &GroupCommit,
        caller: Caller,
        order: &Order<'_>,
        claim: Option<&Claim>,
    ) -> Option<Result<Result<Committed>>> {
        let hold = order.hold;
        let now = Utc::now().trunc_subsecs(6);
        let job = group_commit::Job {
            id: Uuid::now_v7(),
            number: ReservationNumber::generate(now).to_string(),
            user_id: caller.user_id,
            hold: hold.clone(),
            attendee: order.attendee.clone(),
            expires_at: now + Duration::milliseconds(self.config.reservation_ttl_ms as i64),
            limit: i64::from(order.max_seats_per_user),
            answer: claim.map(Claim::target),
            fail_confirmation: self.confirmation_fails(),
            window: order.window,
        };
        let id = job.id;
        match group.submit(job).await {
            group_commit::Outcome::Committed(view) => {
                if let Some(claim) = claim {
                    claim.committed_elsewhere();
                }
                Some(Ok(Ok(Committed {
                    id,
                    paid: false,
                    view: Some(view),
                    announced: true,
                })))
            }
            group_commit::Outcome::Refused(e) => Some(Ok(Err(e))),
            group_commit::Outcome::Failed(e) => Some(Err(e)),
            group_commit::Outcome::Alone => None,
        }
    }

    /// Everything inside the transaction. Any error here means the caller rolls back.
    async fn commit(
        &self,
        tx: &ReservationTx,
        caller: Caller,
        order: Order<'_>,
        claim: Option<&Claim>,
    ) -> Result<Committed> {
        let Order {
            hold,
            attendee,
            max_seats_per_user,
            pay_now,
            window,
        } = order;
        let limit = i64::from(max_seats_per_user);
        let over_limit = || limit_exceeded(max_seats_per_user.max(0) as u32);
        let id = Uuid::now_v7();
        // Microseconds, as Postgres keeps them: the answer equals what a later read returns.
        let now = Utc::now().trunc_subsecs(6);
        let number = ReservationNumber::generate(now);
        let new = NewReservation {
            id,
            number: &number,
            user_id: caller.user_id,
            performance_id: hold.performance_id,
            hold_id: hold.hold_id,
            seat_ids: &hold.seat_ids,
            attendee_name: &attendee.name,
            attendee_phone: &attendee.phone,
            attendee_email: attendee.email.as_deref(),
            expires_at: now + Duration::milliseconds(self.config.reservation_ttl_ms as i64),
        };
        let mut row = None;
        if let Some(product_id) = hold.product_id {
            tx.lock_user_performance(caller.user_id, hold.performance_id)
                .await?;
            let already = tx
                .live_reserved_count(caller.user_id, hold.performance_id)
                .await?;
            if already + i64::from(hold.quantity) > limit {
                return Err(over_limit());
            }
            // General admission: the conditional UPDATE never takes `remaining` below zero.
            if !ga::reserve(tx.conn(), &new, product_id, hold.quantity).await? {
                return Err(sold_out(product_id, 0));
            }
        } else {
            // Locks, checks the limit and reserves in one round trip.
            let reserved = tx.reserve(&new, limit).await?;
            if reserved.already + hold.seat_ids.len() as i64 > limit {
                return Err(over_limit());
            }
            if reserved.seats != hold.seat_ids.len() {
                return Err(Error::SeatUnavailable {
                    seat_ids: hold.seat_ids.clone(),
                });
            }
            let status = if pay_now {
                "CONFIRMED"
            } else {
                "PENDING_PAYMENT"
            };
            row = Some(written_row(&new, attendee, status, reserved, window));
        }
        if pay_now {
            let row = lifecycle::lock(tx.conn(), id)
                .await?
                .ok_or(Error::NotFound("reservation"))?;
            pay_locked(tx, caller, &row, now).await?;
        }
        if self.confirmation_fails() {
            metrics::counter!("confirmation_failures_total").increment(1);
            return Err(Error::ConfirmationFailed);
        }
        // The answer, from what was written; with an Idempotency-Key it is stored in this
        // transaction, so the key's answer and the reservation commit together.
        let view = match row {
            Some(row) => {
                let seat_status = if pay_now { "SOLD" } else { "RESERVED" };
                Some(seat_reservation_view(&self.layouts, row, &hold.seat_ids, seat_status).await?)
            }
            None => None,
        };
        if let (Some(claim), Some(view)) = (claim, &view) {
            claim.answer_in(tx.conn(), 201, view).await?;
        }
        // Last step before COMMIT: the hold must still be ours and live. Ending it here means
        // nobody can claim these seats between our commit and the map showing RESERVED.
        if !self.store().convert(tx.conn(), hold).await? {
            return Err(hold_expired());
        }
        Ok(Committed {
            id,
            paid: pay_now,
            view,
            announced: false,
        })
    }

    /// Cancels a reservation (owner or admin): its seats go back on sale and, if it was paid,
    /// the payment is refunded to the owner's wallet. All in one transaction. The owner may do
    /// so only until the performance's cut-off (`CancelWindow`); an admin at any time, and an
    /// admin's cancellation is written to the audit log.
    pub async fn cancel(
        &self,
        caller: Caller,
        id: Uuid,
        now: DateTime<Utc>,
    ) -> Result<ReservationView> {
        let tx = self.repo.begin().await?;
        match self.cancel_locked(&tx, caller, id, now).await {
            Ok(freed) => {
                tx.commit().await?;
                metrics::counter!("reservations_cancelled_total").increment(1);
                self.store().seats_back_on_sale(&freed).await;
                self.publisher.seats(&freed, "AVAILABLE", "CANCELLED").await;
                self.get(caller, id).await
            }
            Err(e) => {
                tx.rollback().await?;
                Err(e)
            }
        }
    }

    async fn cancel_locked(
        &self,
        tx: &ReservationTx,
        caller: Caller,
        id: Uuid,
        now: DateTime<Utc>,
    ) -> Result<Vec<ChangedSeat>> {
        let r = lifecycle::lock(tx.conn(), id)
            .await?
            .ok_or(Error::NotFound("reservation"))?;
        if r.user_id != caller.user_id && !caller.is_admin() {
            return Err(Error::Forbidden("this reservation belongs to someone else"));
        }
        if !caller.is_admin() {
            r.cancel_window().check_buyer(&r.status, now)?;
        }
        let mut refunded = 0;
        match r.status.as_str() {
            "PENDING_PAYMENT" => {}
            "CONFIRMED" => {
                let payment = lifecycle::payment_of(tx.conn(), id).await?;
                if let Some(payment) = payment.filter(|p| p.status == "PAID") {
                    refunded = payment.amount;
                    lifecycle::mark_refunded(tx.conn(), payment.id).await?;
                    if payment.amount > 0 {
                        wallets::ensure(tx.conn(), r.user_id).await?;
                        wallets::apply(
                            tx.conn(),
                            r.user_id,
                            Movement::Refund,
                            payment.amount,
                            i64::MAX,
                            Some(id),
                        )
                        .await?
                        .ok_or_else(|| {
                            Error::Internal(anyhow::anyhow!("refund of {id} refused by the wallet"))
                        })?;
                    }
                }
            }
            other => {
                return Err(Error::conflict(
                    ErrorCode::ReservationNotCancellable,
                    format!("a {} reservation cannot be cancelled", other.to_lowercase()),
                ));
            }
        }
        if caller.is_admin() {
            let entry = audit::Entry {
                actor_id: caller.user_id,
                action: "reservation.cancel",
                entity_type: "reservation",
                entity_id: id,
                before: Some(json!({ "status": r.status, "ownerId": r.user_id })),
                after: Some(json!({
                    "status": "CANCELLED",
                    "refunded": refunded,
                    "pastBuyerDeadline": r.cancel_window().check_buyer(&r.status, now).is_err(),
                })),
            };
            audit::record(tx.conn(), entry).await?;
        }
        Ok(lifecycle::release(tx.conn(), &[id], "CANCELLED").await?)
    }

    async fn existing_for_hold(
        &self,
        caller: Caller,
        hold_id: Uuid,
    ) -> Result<Option<ReservationView>> {
        match self.repo.by_hold(hold_id).await? {
            Some(row) if row.user_id == caller.user_id => {
                Ok(Some(self.with_seats(vec![row]).await?.remove(0)))
            }
            _ => Ok(None),
        }
    }

    pub async fn get(&self, caller: Caller, id: Uuid) -> Result<ReservationView> {
        let row = self
            .repo
            .by_id(id)
            .await?
            .ok_or(Error::NotFound("reservation"))?;
        if row.user_id != caller.user_id && !caller.is_admin() {
            return Err(Error::Forbidden("this reservation belongs to someone else"));
        }
        Ok(self.with_seats(vec![row]).await?.remove(0))
    }

    pub async fn mine(&self, caller: Caller) -> Result<Vec<ReservationView>> {
        let rows = self.repo.for_user(caller.user_id, 200).await?;
        self.with_seats(rows).await
    }

    async fn with_seats(&self, rows: Vec<ReservationRow>) -> Result<Vec<ReservationView>> {
        let ids: Vec<Uuid> = rows.iter().map(|r| r.id).collect();
        let mut seats: HashMap<Uuid, Vec<SeatView>> = HashMap::new();
        for seat in self.repo.seats_of(&ids).await? {
            seats
                .entry(seat.reservation_id)
                .or_default()
                .push(SeatView::from_row(seat.into(), false));
        }
        let mut items: HashMap<Uuid, Vec<ItemView>> = HashMap::new();
        for item in self.ga.items_of(&ids).await? {
            items
                .entry(item.reservation_id)
                .or_default()
                .push(ItemView {
                    product_id: item.product_id,
                    name: item.name,
                    quantity: item.quantity.max(0) as u32,
                    unit_price: item.price,
                });
        }
        Ok(rows
            .into_iter()
            .map(|r| {
                let (s, i) = (
                    seats.remove(&r.id).unwrap_or_default(),
                    items.remove(&r.id).unwrap_or_default(),
                );
                reservation_view(r, s, i)
            })
            .collect())
    }
}

/// After a reservation's COMMIT: drops its hold's index entry and announces its seats
/// (RESERVED, or SOLD when paid at once) on the seat stream. Best effort, like both steps.
pub(super) async fn announce_commit(
    holds: &Holds,
    publisher: &Publisher,
    hold: &HoldRecord,
    paid: bool,
) {
    holds.forget(hold).await;
    metrics::counter!("reservations_created_total").increment(1);
    metrics::counter!("holds_converted_total").increment(1);
    let status = if paid { "SOLD" } else { "RESERVED" };
    publisher
        .publish(hold.performance_id, hold.seat_ids.clone(), status, status)
        .await;
}

/// The answer to a seat reservation just committed, from what the commit wrote and the
/// cached seat layout: no read-back. `seat_status` is RESERVED, or SOLD when paid at once.
pub(super) async fn seat_reservation_view(
    layouts: &SeatLayouts,
    row: ReservationRow,
    seat_ids: &[Uuid],
    seat_status: &str,
) -> Result<ReservationView> {
    let layout = layouts.get(row.performance_id).await?;
    let mut seats: Vec<SeatRow> = seat_ids
        .iter()
        .filter_map(|id| layout.seat(id))
        .map(|seat| SeatRow {
            status: seat_status.to_owned(),
            ..seat.clone()
        })
        .collect();
    seats.sort_by(|a, b| (&a.section, a.y, a.x).cmp(&(&b.section, b.y, b.x)));
    let seats = seats
        .into_iter()
        .map(|s| SeatView::from_row(s, false))
        .collect();
    Ok(reservation_view(row, seats, Vec::new()))
}

/// The reservation row a seat reservation wrote, without reading it back.
pub(super) fn written_row(
    new: &NewReservation<'_>,
    attendee: &Attendee,
    status: &str,
    reserved: Reserved,
    window: CancelWindow,
) -> ReservationRow {
    ReservationRow {
        id: new.id,
        reservation_number: new.number.to_owned(),
        user_id: new.user_id,
        performance_id: new.performance_id,
        status: status.to_owned(),
        total_amount: reserved.total,
        attendee_name: attendee.name.clone(),
        attendee_phone: attendee.phone.clone(),
        attendee_email: attendee.email.clone(),
        expires_at: new.expires_at,
        created_at: reserved.created_at,
        starts_at: window.starts_at,
        refund_cutoff_minutes: window.refund_cutoff_minutes,
    }
}

fn reservation_view(
    r: ReservationRow,
    seats: Vec<SeatView>,
    items: Vec<ItemView>,
) -> ReservationView {
    ReservationView {
        cancellable_until: r.cancel_window().buyer_deadline(&r.status),
        seats,
        items,
        reservation_id: r.id,
        reservation_number: r.reservation_number,
        performance_id: r.performance_id,
        status: r.status,
        total_amount: r.total_amount,
        expires_at: r.expires_at,
        attendee: AttendeeView {
            name: r.attendee_name,
            phone: r.attendee_phone,
            email: r.attendee_email,
        },
        created_at: r.created_at,
    }
}
