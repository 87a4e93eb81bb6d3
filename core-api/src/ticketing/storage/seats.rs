//! Seats of performances: the seat map and the rows a hold asks for. Only the layout
//! (`seat_map`: placement and price, never changed after the performance is created) reads
//! through `reads`, which a read replica may serve; live status always comes from the primary.

use crate::storage::StoreResult;
use sea_orm::{DatabaseConnection, FromQueryResult};
use uuid::Uuid;

use crate::{
    storage::{reads::ReadDb, sql},
    ticketing::domain::status::SeatStatus,
};

#[derive(Clone, Debug, FromQueryResult)]
pub(crate) struct SeatRow {
    pub(crate) id: Uuid,
    pub(crate) section: String,
    pub(crate) row_label: String,
    pub(crate) number: i32,
    pub(crate) x: i32,
    pub(crate) y: i32,
    pub(crate) price_tier: String,
    pub(crate) price: i64,
    pub(crate) status: SeatStatus,
    /// Held on the Postgres path right now.
    pub(crate) pg_held: bool,
}

/// A seat's live status where it is not simply free (see [`SeatRepo::taken`]).
#[derive(Clone, Debug, FromQueryResult)]
pub(crate) struct TakenSeat {
    pub(crate) id: Uuid,
    pub(crate) status: SeatStatus,
    pub(crate) pg_held: bool,
}

const SEAT_COLUMNS: &str = "id, section, row_label, number, x, y, price_tier, price, status, \
     (held_until IS NOT NULL AND held_until > now()) AS pg_held";

#[derive(Clone)]
pub(crate) struct SeatRepo {
    db: DatabaseConnection,
    /// The layout's reads: the primary, unless `reading_from` handed it a replica.
    reads: ReadDb,
}

impl SeatRepo {
    pub(crate) fn new(db: DatabaseConnection) -> Self {
        SeatRepo {
            reads: ReadDb::primary_only(db.clone()),
            db,
        }
    }

    /// The same store with the layout read through `reads` (which a replica may serve).
    pub(crate) fn reading_from(self, reads: ReadDb) -> Self {
        SeatRepo { reads, ..self }
    }

    pub(crate) async fn seat_map(&self, performance_id: Uuid) -> StoreResult<Vec<SeatRow>> {
        crate::metrics::timed(
            crate::metrics::Store::Postgres,
            "seat_map",
            self.load_seat_map(performance_id),
        )
        .await
    }

    async fn load_seat_map(&self, performance_id: Uuid) -> StoreResult<Vec<SeatRow>> {
        let query = format!(
            "SELECT {SEAT_COLUMNS} FROM seats WHERE performance_id = $1 ORDER BY section, y, x"
        );
        // A performance's seats are inserted in one transaction with it and their placement
        // never changes: an empty answer from a replica that has not caught up yet is
        // checked on the primary, and a full one is final (the caller caches it).
        self.reads
            .all_written_once("seat_layout", sql(&query, [performance_id.into()]))
            .await
    }

    /// The seats of a performance that are not simply free: RESERVED or SOLD, or held on the
    /// Postgres path (the partial index `seats_taken_idx` finds them). With the cached layout
    /// this is the whole seat map, without reading every seat row.
    pub(crate) async fn taken(&self, performance_id: Uuid) -> StoreResult<Vec<TakenSeat>> {
        crate::metrics::timed(
            crate::metrics::Store::Postgres,
            "seats_taken",
            TakenSeat::find_by_statement(sql(
                "SELECT id, status, (held_until IS NOT NULL AND held_until > now()) AS pg_held \
                 FROM seats WHERE performance_id = $1 \
                 AND (status <> 'AVAILABLE' OR held_until IS NOT NULL)",
                [performance_id.into()],
            ))
            .all(&self.db),
        )
        .await
        .map_err(Into::into)
    }

    /// Ids of the seats a best-available hold may pick from: AVAILABLE and not held on the
    /// Postgres path (the partial index `seats_available_idx` finds them). The rest of each
    /// seat comes from the cached layout.
    pub(crate) async fn free_ids(&self, performance_id: Uuid) -> StoreResult<Vec<Uuid>> {
        #[derive(FromQueryResult)]
        struct Id {
            id: Uuid,
        }
        let rows = crate::metrics::timed(
            crate::metrics::Store::Postgres,
            "free_seats",
            Id::find_by_statement(sql(
                "SELECT id FROM seats WHERE performance_id = $1 AND status = 'AVAILABLE' \
                 AND (held_until IS NULL OR held_until <= now())",
                [performance_id.into()],
            ))
            .all(&self.db),
        )
        .await?;
        Ok(rows.into_iter().map(|r| r.id).collect())
    }

    /// The asked seats that belong to the performance (unknown ids are simply absent).
    pub(crate) async fn by_ids(
        &self,
        performance_id: Uuid,
        ids: &[Uuid],
    ) -> StoreResult<Vec<SeatRow>> {
        let query =
            format!("SELECT {SEAT_COLUMNS} FROM seats WHERE performance_id = $1 AND id = ANY($2)");
        SeatRow::find_by_statement(sql(&query, [performance_id.into(), ids.to_vec().into()]))
            .all(&self.db)
            .await
            .map_err(Into::into)
    }

    /// After a Redis claim: the seats Postgres refuses and the user's live reserved count.
    pub(crate) async fn claim_check(
        &self,
        user_id: Uuid,
        performance_id: Uuid,
        ids: &[Uuid],
    ) -> StoreResult<ClaimCheck> {
        crate::metrics::timed(
            crate::metrics::Store::Postgres,
            "claim_check",
            check_claim(&self.db, user_id, performance_id, ids),
        )
        .await
    }

    /// Seats and general-admission units the user has in live reservations of the performance.
    pub(crate) async fn live_reserved_count(
        &self,
        user_id: Uuid,
        performance_id: Uuid,
    ) -> StoreResult<i64> {
        count(&self.db, user_id, performance_id).await
    }
}

/// Seats and general-admission units user `$1` has in live reservations of performance `$2`.
///
/// Written from the user's reservations outwards (each one's seats and items by primary key),
/// so the plan does not depend on fresh statistics: in a sale that started minutes ago the
/// planner still thinks few seats are live and would otherwise walk every live seat through
/// `reservation_seats_one_live_per_seat` (measured: ~5 ms instead of ~0.1 ms). The database
/// function `reserve_seats` (migration `reserve_seats_function`) counts the same way; change
/// both together.
pub(super) fn live_reserved(user: &str, performance: &str) -> String {
    format!(
        "(SELECT coalesce(sum( \
            (SELECT count(*) FROM reservation_seats rs WHERE rs.reservation_id = r.id AND rs.live) \
          + (SELECT coalesce(sum(i.quantity), 0) FROM reservation_ga_items i \
             WHERE i.reservation_id = r.id AND i.live)), 0)::bigint \
         FROM reservations r WHERE r.user_id = {user} AND r.performance_id = {performance})"
    )
}

/// A seat Postgres says may not be held (RESERVED, SOLD, or held on the Postgres path).
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct RefusedSeat {
    pub(crate) id: Uuid,
    pub(crate) status: SeatStatus,
    pub(crate) pg_held: bool,
}

/// What Postgres says about a claim Redis just granted.
#[derive(Debug, Default)]
pub(crate) struct ClaimCheck {
    pub(crate) refused: Vec<RefusedSeat>,
    /// Seats and units the user already has in live reservations of the performance.
    pub(crate) reserved: i64,
}

#[derive(FromQueryResult)]
struct CheckRow {
    reserved: i64,
    id: Option<Uuid>,
    status: Option<SeatStatus>,
    pg_held: Option<bool>,
}

/// One round trip after a Redis claim: which of `ids` Postgres refuses, and the user's live
/// reserved count for the per-user limit.
async fn check_claim(
    db: &DatabaseConnection,
    user_id: Uuid,
    performance_id: Uuid,
    ids: &[Uuid],
) -> StoreResult<ClaimCheck> {
    // The seats by primary key, judged here rather than in the WHERE clause: a status filter
    // there lets the planner pick a partial index from statistics taken before the sale began
    // (`seats_taken_idx`, "nothing is taken") and walk every taken seat of the performance.
    let query = format!(
        "WITH r AS (SELECT {} AS n) \
         SELECT r.n AS reserved, s.id, s.status, (s.held_until IS NOT NULL AND s.held_until > now()) AS pg_held \
         FROM r LEFT JOIN seats s ON s.performance_id = $2 AND s.id = ANY($3)",
        live_reserved("$1", "$2")
    );
    let rows = CheckRow::find_by_statement(sql(
        &query,
        [user_id.into(), performance_id.into(), ids.to_vec().into()],
    ))
    .all(db)
    .await?;
    let reserved = rows.first().map_or(0, |r| r.reserved);
    let refused = rows
        .into_iter()
        .filter_map(|r| {
            Some(RefusedSeat {
                id: r.id?,
                status: r.status?,
                pg_held: r.pg_held.unwrap_or(false),
            })
        })
        .filter(|s| s.status != SeatStatus::Available || s.pg_held)
        .collect();
    Ok(ClaimCheck { refused, reserved })
}

#[derive(FromQueryResult)]
struct Count {
    n: i64,
}

pub(super) async fn count(
    db: &impl sea_orm::ConnectionTrait,
    user_id: Uuid,
    performance_id: Uuid,
) -> StoreResult<i64> {
    let row = Count::find_by_statement(sql(
        &format!("SELECT {} AS n", live_reserved("$1", "$2")),
        [user_id.into(), performance_id.into()],
    ))
    .one(db)
    .await?;
    Ok(row.map_or(0, |r| r.n))
}
