//! Live booking changes across core-api instances over Postgres `LISTEN`/`NOTIFY`: the notice
//! is sent in the booking's own transaction, so it goes out exactly when the change commits
//! (never for a rolled-back one), and every instance listening on the database hears it.

use sea_orm::{ConnectionTrait, DatabaseConnection, sqlx::postgres::PgListener};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::tx::BookingTx;
use crate::storage::{StoreError, StoreResult, sql};

/// The channel booking notices go out on.
pub(crate) const CHANNEL: &str = "holdfast_bookings";

/// What changed: created, changed or cancelled.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub(crate) enum ChangeKind {
    Created,
    Changed,
    Cancelled,
}

impl ChangeKind {
    /// The kind an audit action ("booking.create", ...) stands for.
    pub(crate) fn of_action(action: &str) -> Option<Self> {
        match action {
            "booking.create" => Some(ChangeKind::Created),
            "booking.update" => Some(ChangeKind::Changed),
            "booking.cancel" => Some(ChangeKind::Cancelled),
            _ => None,
        }
    }
}

/// The notice's payload: small (NOTIFY caps it at 8000 bytes), the listener reads the rest.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Notice {
    pub(crate) kind: ChangeKind,
    pub(crate) booking_id: Uuid,
    pub(crate) team_id: Uuid,
}

impl BookingTx {
    /// Announces a booking change; sent when (and only if) this transaction commits.
    pub(crate) async fn notify(&self, notice: &Notice) -> StoreResult<()> {
        let payload =
            serde_json::to_string(notice).map_err(|e| StoreError::Other(anyhow::Error::from(e)))?;
        self.txn
            .execute_raw(sql(
                "SELECT pg_notify($1, $2)",
                [CHANNEL.into(), payload.into()],
            ))
            .await?;
        Ok(())
    }
}

impl ChangeKind {
    /// The notification event this change is.
    pub(crate) fn event(self) -> &'static str {
        match self {
            ChangeKind::Created => "bookingCreated",
            ChangeKind::Changed => "bookingChanged",
            ChangeKind::Cancelled => "bookingCancelled",
        }
    }
}

impl BookingTx {
    /// Queues the notifications of a change (the holder's e-mail, the team's webhooks) in
    /// this transaction; `version` (the booking's sequence) tells repeated changes apart.
    pub(crate) async fn enqueue_notifications(
        &self,
        notice: &Notice,
        version: i32,
    ) -> StoreResult<()> {
        crate::shared::storage::notifications::enqueue_booking(
            &self.txn,
            notice.kind.event(),
            notice.booking_id,
            version,
        )
        .await
    }
}

/// Where notices are heard: the database every instance shares.
#[derive(Clone)]
pub(crate) struct Notices {
    db: DatabaseConnection,
}

/// One connection of its own listening on [`CHANNEL`].
pub(crate) struct NoticeListener {
    inner: PgListener,
}

impl Notices {
    pub(crate) fn new(db: DatabaseConnection) -> Self {
        Notices { db }
    }

    pub(crate) async fn listen(&self) -> StoreResult<NoticeListener> {
        let mut inner = PgListener::connect_with(self.db.get_postgres_connection_pool())
            .await
            .map_err(down)?;
        inner.listen(CHANNEL).await.map_err(down)?;
        Ok(NoticeListener { inner })
    }
}

impl NoticeListener {
    /// The next notice (unreadable payloads skipped); `None` when the connection was lost
    /// (notices sent meanwhile are gone).
    pub(crate) async fn next(&mut self) -> StoreResult<Option<Notice>> {
        loop {
            match self.inner.try_recv().await.map_err(down)? {
                None => return Ok(None),
                Some(n) => {
                    if let Ok(notice) = serde_json::from_str(n.payload()) {
                        return Ok(Some(notice));
                    }
                }
            }
        }
    }
}

fn down(e: sea_orm::sqlx::Error) -> StoreError {
    StoreError::Unavailable {
        dependency: "postgres",
        source: e.into(),
    }
}
