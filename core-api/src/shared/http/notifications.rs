//! `/me/notification-preferences`: which notifications a person wants, in which language,
//! and in which time zone their times are shown.

use axum::extract::State;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use utoipa::ToSchema;
use utoipa_axum::{router::OpenApiRouter, routes};

use crate::{
    error::{Error, Result},
    http::extract::{ApiJson, Data},
    shared::{services::auth::Caller, storage::notifications::Preferences},
    startup::AppState,
};

pub(crate) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(get_preferences, put_preferences))
}

/// The events a person can turn on or off (all on unless turned off).
#[derive(Debug, Deserialize, Serialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub(crate) struct EventSwitches {
    booking_created: bool,
    booking_changed: bool,
    booking_cancelled: bool,
    booking_reminder: bool,
    reservation_confirmed: bool,
    payment_received: bool,
    reservation_expiring: bool,
    performance_cancelled: bool,
}

#[derive(Debug, Deserialize, Serialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub(crate) struct PreferencesBody {
    /// "ko" or "en".
    locale: String,
    /// E-mail at all.
    email: bool,
    events: EventSwitches,
    /// How long before a booking starts its reminder goes out (1 to 10080).
    reminder_minutes: i32,
    /// IANA zone for times in messages; absent: the server's zone (or UTC).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    time_zone: Option<String>,
}

impl From<Preferences> for PreferencesBody {
    fn from(p: Preferences) -> Self {
        let on = |name: &str| p.events[name].as_bool().unwrap_or(true);
        PreferencesBody {
            events: EventSwitches {
                booking_created: on("bookingCreated"),
                booking_changed: on("bookingChanged"),
                booking_cancelled: on("bookingCancelled"),
                booking_reminder: on("bookingReminder"),
                reservation_confirmed: on("reservationConfirmed"),
                payment_received: on("paymentReceived"),
                reservation_expiring: on("reservationExpiring"),
                performance_cancelled: on("performanceCancelled"),
            },
            locale: p.locale,
            email: p.email,
            reminder_minutes: p.reminder_minutes,
            time_zone: p.time_zone,
        }
    }
}

impl PreferencesBody {
    /// The stored form, every field checked (400 names the first bad one).
    fn parse(self) -> Result<Preferences> {
        if !matches!(self.locale.as_str(), "ko" | "en") {
            return Err(Error::validation("locale", "must be ko or en"));
        }
        if !(1..=10_080).contains(&self.reminder_minutes) {
            return Err(Error::validation(
                "reminderMinutes",
                "must be 1 to 10080 (a week)",
            ));
        }
        if let Some(zone) = &self.time_zone
            && zone.parse::<chrono_tz::Tz>().is_err()
        {
            return Err(Error::validation(
                "timeZone",
                "must be an IANA time zone such as Asia/Seoul",
            ));
        }
        let events = match serde_json::to_value(&self.events) {
            Ok(Value::Object(map)) => map,
            _ => Map::new(),
        };
        Ok(Preferences {
            locale: self.locale,
            email: self.email,
            events: Value::Object(events),
            reminder_minutes: self.reminder_minutes,
            time_zone: self.time_zone,
        })
    }
}

/// The caller's notification preferences (defaults until saved: English, everything on,
/// reminders 15 minutes ahead).
#[utoipa::path(get, path = "/me/notification-preferences", tag = "notifications", security(("bearer" = [])),
    responses((status = 200, body = PreferencesBody)))]
async fn get_preferences(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<Data<PreferencesBody>> {
    Ok(Data(
        state
            .services
            .notifier
            .preferences(caller.user_id)
            .await?
            .into(),
    ))
}

/// Replaces the caller's notification preferences.
#[utoipa::path(put, path = "/me/notification-preferences", tag = "notifications", security(("bearer" = [])),
    request_body = PreferencesBody,
    responses((status = 200, body = PreferencesBody), (status = 400)))]
async fn put_preferences(
    State(state): State<AppState>,
    caller: Caller,
    ApiJson(body): ApiJson<PreferencesBody>,
) -> Result<Data<PreferencesBody>> {
    let saved = state
        .services
        .notifier
        .save_preferences(caller.user_id, &body.parse()?)
        .await?;
    Ok(Data(saved.into()))
}
