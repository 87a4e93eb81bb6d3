//! Who wants which notification: per-user preferences and per-team webhooks.

use chrono::{DateTime, Utc};
use sea_orm::{ConnectionTrait, FromQueryResult};
use serde_json::Value;
use uuid::Uuid;

use super::Outbox;
use crate::storage::{StoreResult, sql};

/// A user's notification settings as stored; `events` maps event names to on/off.
#[derive(Clone, Debug, FromQueryResult)]
pub(crate) struct Preferences {
    pub(crate) locale: String,
    pub(crate) email: bool,
    pub(crate) events: Value,
    pub(crate) reminder_minutes: i32,
    pub(crate) time_zone: Option<String>,
}

impl Default for Preferences {
    fn default() -> Self {
        Preferences {
            locale: "en".to_owned(),
            email: true,
            events: Value::Object(Default::default()),
            reminder_minutes: 15,
            time_zone: None,
        }
    }
}

#[derive(Clone, Debug, FromQueryResult)]
pub(crate) struct Webhook {
    pub(crate) id: Uuid,
    pub(crate) team_id: Uuid,
    pub(crate) url: String,
    pub(crate) events: Option<Vec<String>>,
    pub(crate) created_at: DateTime<Utc>,
}

impl Outbox {
    pub(crate) async fn preferences(&self, user_id: Uuid) -> StoreResult<Preferences> {
        Ok(Preferences::find_by_statement(sql(
            "SELECT locale, email, events, reminder_minutes, time_zone FROM notification_preferences WHERE user_id = $1",
            [user_id.into()],
        ))
        .one(&self.db)
        .await?
        .unwrap_or_default())
    }

    pub(crate) async fn save_preferences(&self, user_id: Uuid, p: &Preferences) -> StoreResult<()> {
        self.db
            .execute_raw(sql(
                "INSERT INTO notification_preferences (user_id, locale, email, events, reminder_minutes, time_zone) \
                 VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (user_id) DO UPDATE SET locale = $2, email = $3, \
                 events = $4, reminder_minutes = $5, time_zone = $6, updated_at = now()",
                [
                    user_id.into(),
                    p.locale.clone().into(),
                    p.email.into(),
                    p.events.clone().into(),
                    p.reminder_minutes.into(),
                    p.time_zone.clone().into(),
                ],
            ))
            .await?;
        Ok(())
    }

    pub(crate) async fn webhooks(&self, team_id: Uuid) -> StoreResult<Vec<Webhook>> {
        Ok(Webhook::find_by_statement(sql(
            "SELECT id, team_id, url, events, created_at FROM team_webhooks WHERE team_id = $1 ORDER BY created_at, id",
            [team_id.into()],
        ))
        .all(&self.db)
        .await?)
    }

    pub(crate) async fn add_webhook(
        &self,
        team_id: Uuid,
        url: &str,
        events: Option<Vec<String>>,
    ) -> StoreResult<Webhook> {
        Ok(Webhook::find_by_statement(sql(
            "INSERT INTO team_webhooks (id, team_id, url, events) VALUES ($1, $2, $3, $4) \
             RETURNING id, team_id, url, events, created_at",
            [
                Uuid::now_v7().into(),
                team_id.into(),
                url.into(),
                events.into(),
            ],
        ))
        .one(&self.db)
        .await?
        .ok_or(sea_orm::DbErr::RecordNotInserted)?)
    }

    pub(crate) async fn remove_webhook(&self, team_id: Uuid, id: Uuid) -> StoreResult<bool> {
        let done = self
            .db
            .execute_raw(sql(
                "DELETE FROM team_webhooks WHERE id = $1 AND team_id = $2",
                [id.into(), team_id.into()],
            ))
            .await?;
        Ok(done.rows_affected() == 1)
    }
}
