//! What the control room shows, read for its once-a-second frame: every seat's status in
//! seat-id order, sales per minute and revenue from Postgres, and the waiting room's figures
//! from the gateway's Redis keys (`holdfast_contract::keys`; read only).

use chrono::{DateTime, Utc};
use fred::prelude::*;
use holdfast_contract::keys::{self, Queue};
use sea_orm::{DatabaseConnection, FromQueryResult};
use uuid::Uuid;

use crate::storage::{StoreResult, redis::Redis, sql};
use crate::ticketing::domain::status::SeatStatus;

#[derive(Clone, Debug, FromQueryResult)]
pub(crate) struct SeatState {
    pub(crate) id: Uuid,
    /// As Postgres has it: never HELD (holds are in Redis or `pg_holds`).
    pub(crate) status: SeatStatus,
}

#[derive(Clone, Debug, FromQueryResult)]
pub(crate) struct MinuteSales {
    pub(crate) minute: DateTime<Utc>,
    pub(crate) count: i64,
}

/// The waiting room now: people in line, admitted so far (a counter), passes still valid.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct QueueFigures {
    pub(crate) depth: i64,
    pub(crate) admitted_total: i64,
    pub(crate) active_passes: i64,
}

#[derive(Clone)]
pub(crate) struct LiveRepo {
    db: DatabaseConnection,
    redis: Redis,
}

impl LiveRepo {
    pub(crate) fn new(db: DatabaseConnection, redis: Redis) -> Self {
        LiveRepo { db, redis }
    }

    /// Every seat of the performance with its Postgres status, in seat-id order.
    pub(crate) async fn seats(&self, performance_id: Uuid) -> StoreResult<Vec<SeatState>> {
        SeatState::find_by_statement(sql(
            "SELECT id, status FROM seats WHERE performance_id = $1 ORDER BY id",
            [performance_id.into()],
        ))
        .all(&self.db)
        .await
        .map_err(Into::into)
    }

    /// Paid reservations per minute over the last 30 minutes, and revenue (paid, not refunded).
    pub(crate) async fn sales(&self, performance_id: Uuid) -> StoreResult<(Vec<MinuteSales>, i64)> {
        let minutes = MinuteSales::find_by_statement(sql(
            "SELECT date_trunc('minute', y.paid_at) AS minute, count(*) AS count \
             FROM payments y JOIN reservations r ON r.id = y.reservation_id \
             WHERE r.performance_id = $1 AND y.paid_at > now() - interval '30 minutes' \
             GROUP BY 1 ORDER BY 1",
            [performance_id.into()],
        ))
        .all(&self.db)
        .await?;
        #[derive(FromQueryResult)]
        struct Revenue {
            revenue: i64,
        }
        let revenue = Revenue::find_by_statement(sql(
            "SELECT coalesce(sum(y.amount), 0)::bigint AS revenue FROM payments y \
             JOIN reservations r ON r.id = y.reservation_id \
             WHERE r.performance_id = $1 AND y.status = 'PAID'",
            [performance_id.into()],
        ))
        .one(&self.db)
        .await?
        .map_or(0, |r| r.revenue);
        Ok((minutes, revenue))
    }

    pub(crate) async fn queue(
        &self,
        performance_id: Uuid,
        now_ms: i64,
    ) -> StoreResult<QueueFigures> {
        let key = |k: Queue| self.redis.key(&keys::queue(performance_id, k));
        let client = self.redis.client();
        // Places are join sequences: everyone past the admission watermark is waiting, plus
        // a pre-queue whose order has not been drawn yet (see the gateway's `queue_tick.lua`).
        let joined: Option<i64> = client.get(key(Queue::Seq)).await?;
        let admitted: Option<i64> = client.get(key(Queue::Admitted)).await?;
        let ordered: Option<String> = client.hget(key(Queue::Fairness), "ordered").await?;
        let prequeue: i64 = if ordered.is_some() {
            0
        } else {
            client.hlen(key(Queue::Prequeue)).await?
        };
        let depth = (joined.unwrap_or(0) - admitted.unwrap_or(0)).max(0) + prequeue;
        let active: i64 = client
            .zcount(key(Queue::Active), now_ms as f64, f64::INFINITY)
            .await?;
        Ok(QueueFigures {
            depth,
            admitted_total: admitted.unwrap_or(0),
            active_passes: active,
        })
    }
}
