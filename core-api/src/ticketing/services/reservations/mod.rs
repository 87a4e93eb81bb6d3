//! Reservations: turning a hold into a PENDING_PAYMENT reservation in one Postgres
//! transaction (`commit`), cancelling one (`cancel`), and owner-only reads.

mod cancel;
mod commit;

use std::{collections::HashMap, sync::Arc};

use holdfast_contract::clock::Clock;
use uuid::Uuid;

use crate::{
    config::Config,
    error::{Error, Result},
    shared::storage::idempotency::Claim,
    ticketing::{
        domain::{Attendee, AttendeeInput, CancelWindow},
        storage::{ga::GaRepo, holds::Holds, reservations::ReservationRow},
        storage::{holds::HoldRecord, reservations::ReservationRepo},
    },
};

use crate::{
    shared::services::auth::Caller,
    ticketing::services::{
        committed::{Reservation, Wording, announce_commit, reservation_of},
        group_commit::{self, GroupCommit},
        holds::{HoldService, Item, hold_expired},
        rules::RulesCache,
        seat_layout::SeatLayouts,
        stream::Publisher,
        views::Seat,
    },
};

/// Turn this hold into a reservation for this attendee; with `pay_now`, pay from the wallet
/// in the same transaction.
#[derive(Debug)]
pub(crate) struct ReservationRequest {
    pub(crate) hold_id: Uuid,
    pub(crate) attendee: AttendeeInput,
    pub(crate) pay_now: bool,
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
    clock: Arc<dyn Clock>,
}

/// What one commit is asked to do.
struct Order<'a> {
    hold: &'a HoldRecord,
    attendee: &'a Attendee,
    max_seats_per_user: i32,
    pay_now: bool,
    window: CancelWindow,
    /// The Idempotency-Key answer's wording.
    wording: Wording,
}

/// What a successful commit changed, announced on the seat stream after COMMIT.
struct Committed {
    id: Uuid,
    paid: bool,
    /// The answer, built from what was written (seat reservations; general admission reads
    /// it back after COMMIT).
    view: Option<Reservation>,
    /// The commit's hold index entry is dropped and its seats announced already.
    announced: bool,
}

impl ReservationService {
    pub(crate) fn new(
        config: Arc<Config>,
        (rules, layouts): (RulesCache, SeatLayouts),
        repo: ReservationRepo,
        holds: HoldService,
        (publisher, clock): (Publisher, Arc<dyn Clock>),
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
            clock,
        }
    }

    fn store(&self) -> &Holds {
        self.holds.store()
    }

    /// The group committer, when group commit is on.
    pub fn group_commit(&self) -> Option<&GroupCommit> {
        self.group.as_ref()
    }

    /// Reserves in one transaction. With an Idempotency-Key `claim`, a seat reservation's
    /// answer is stored in that transaction too (general admission reads its answer back after
    /// the commit, so the caller stores it then).
    pub(crate) async fn create(
        &self,
        caller: Caller,
        req: ReservationRequest,
        claim: Option<&Claim>,
        wording: Wording,
    ) -> Result<Reservation> {
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
            wording,
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

    async fn existing_for_hold(
        &self,
        caller: Caller,
        hold_id: Uuid,
    ) -> Result<Option<Reservation>> {
        match self.repo.by_hold(hold_id).await? {
            Some(row) if row.user_id == caller.user_id => {
                Ok(Some(self.with_seats(vec![row]).await?.remove(0)))
            }
            _ => Ok(None),
        }
    }

    pub(crate) async fn get(&self, caller: Caller, id: Uuid) -> Result<Reservation> {
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

    pub(crate) async fn mine(&self, caller: Caller) -> Result<Vec<Reservation>> {
        let rows = self.repo.for_user(caller.user_id, 200).await?;
        self.with_seats(rows).await
    }

    async fn with_seats(&self, rows: Vec<ReservationRow>) -> Result<Vec<Reservation>> {
        let ids: Vec<Uuid> = rows.iter().map(|r| r.id).collect();
        let mut seats: HashMap<Uuid, Vec<Seat>> = HashMap::new();
        for seat in self.repo.seats_of(&ids).await? {
            seats
                .entry(seat.reservation_id)
                .or_default()
                .push(Seat::from_row(seat.into(), false));
        }
        let mut items: HashMap<Uuid, Vec<Item>> = HashMap::new();
        for item in self.ga.items_of(&ids).await? {
            items.entry(item.reservation_id).or_default().push(Item {
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
                reservation_of(r, s, i)
            })
            .collect())
    }
}
