//! Utilisation for a team's owners: booked hours against bookable hours per server per week
//! (weeks start on Monday 00:00 UTC), and who booked the most, in a window.

use std::collections::HashMap;

use chrono::{DateTime, Datelike, Duration, NaiveTime, Utc};
use uuid::Uuid;

use super::{BookingService, schedule::free_slots};
use crate::{
    booking::{
        domain::{booking::Booking, resource::Resource, team::Need},
        services::resources::Policy,
    },
    error::Result,
    shared::services::auth::Caller,
};

/// One server's week.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct WeekUse {
    pub(crate) resource_id: Uuid,
    pub(crate) name: String,
    /// The Monday the week starts on (UTC), "YYYY-MM-DD".
    pub(crate) week: String,
    pub(crate) booked_hours: f64,
    pub(crate) bookable_hours: f64,
    /// booked ÷ bookable (0 when nothing was bookable).
    pub(crate) ratio: f64,
}

#[derive(Clone, Debug, PartialEq)]
pub(crate) struct TopUser {
    pub(crate) user_id: Uuid,
    pub(crate) name: String,
    pub(crate) hours: f64,
}

pub(crate) struct Utilisation {
    pub(crate) rows: Vec<WeekUse>,
    pub(crate) top_users: Vec<TopUser>,
}

/// Users listed in `topUsers`.
const TOP_USERS: usize = 10;

impl BookingService {
    /// The team's utilisation in `[from, to)`; team owners and admins only.
    pub(crate) async fn utilisation(
        &self,
        caller: Caller,
        team_id: Uuid,
        (from, to): (DateTime<Utc>, DateTime<Utc>),
    ) -> Result<Utilisation> {
        self.teams
            .require(caller, team_id, Need::Manage, "team")
            .await?;
        let resources: Vec<Resource> = self
            .resources
            .list(caller.user_id, true)
            .await?
            .into_iter()
            .filter(|r| r.team_id == team_id)
            .collect();
        let ids: Vec<Uuid> = resources.iter().map(|r| r.id).collect();
        let bookings = self.repo.active_in_window(&ids, from, to).await?;
        Ok(compute(&resources, &bookings, (from, to)))
    }
}

fn hours(d: Duration) -> f64 {
    d.num_seconds() as f64 / 3600.0
}

fn round(x: f64, places: i32) -> f64 {
    let f = 10f64.powi(places);
    (x * f).round() / f
}

/// The Monday 00:00 UTC on or before `t`.
fn week_start(t: DateTime<Utc>) -> DateTime<Utc> {
    let day = t.date_naive() - Duration::days(i64::from(t.weekday().num_days_from_monday()));
    day.and_time(NaiveTime::MIN).and_utc()
}

/// Length of the overlap of two half-open spans.
fn overlap(a: (DateTime<Utc>, DateTime<Utc>), b: (DateTime<Utc>, DateTime<Utc>)) -> Duration {
    (a.1.min(b.1) - a.0.max(b.0)).max(Duration::zero())
}

pub(crate) fn compute(
    resources: &[Resource],
    bookings: &[Booking],
    (from, to): (DateTime<Utc>, DateTime<Utc>),
) -> Utilisation {
    let mut rows = Vec::new();
    for r in resources {
        let policy = Policy(r);
        let mine: Vec<&Booking> = bookings.iter().filter(|b| b.resource_id == r.id).collect();
        let mut week = week_start(from);
        while week < to {
            let span = (week.max(from), (week + Duration::days(7)).min(to));
            let booked: Duration = mine
                .iter()
                .map(|b| overlap(span, (b.start_at, b.end_at)))
                .sum();
            let bookable: Duration = free_slots(&policy, span.0, span.1, &[])
                .into_iter()
                .map(|(s, e)| e - s)
                .sum();
            let ratio = if bookable > Duration::zero() {
                hours(booked) / hours(bookable)
            } else {
                0.0
            };
            rows.push(WeekUse {
                resource_id: r.id,
                name: r.name.clone(),
                week: week.format("%Y-%m-%d").to_string(),
                booked_hours: round(hours(booked), 2),
                bookable_hours: round(hours(bookable), 2),
                ratio: round(ratio, 4),
            });
            week += Duration::days(7);
        }
    }
    let mut per_user: HashMap<Uuid, (String, Duration)> = HashMap::new();
    for b in bookings {
        let entry = per_user
            .entry(b.user_id)
            .or_insert_with(|| (b.user_name.clone(), Duration::zero()));
        entry.1 += overlap((from, to), (b.start_at, b.end_at));
    }
    let mut top_users: Vec<TopUser> = per_user
        .into_iter()
        .map(|(user_id, (name, d))| TopUser {
            user_id,
            name,
            hours: round(hours(d), 2),
        })
        .collect();
    top_users.sort_by(|a, b| {
        b.hours
            .total_cmp(&a.hours)
            .then_with(|| a.name.cmp(&b.name))
    });
    top_users.truncate(TOP_USERS);
    Utilisation { rows, top_users }
}

/// The rows as CSV (RFC 4180: names quoted, quotes doubled).
pub(crate) fn csv(rows: &[WeekUse]) -> String {
    let mut out = String::from("resource_id,name,week,booked_hours,bookable_hours,ratio\r\n");
    for r in rows {
        out.push_str(&format!(
            "{},\"{}\",{},{},{},{}\r\n",
            r.resource_id,
            r.name.replace('"', "\"\""),
            r.week,
            r.booked_hours,
            r.bookable_hours,
            r.ratio
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;

    #[test]
    fn weeks_start_on_monday_utc() {
        // 2026-12-10 is a Thursday.
        let t = Utc.with_ymd_and_hms(2026, 12, 10, 15, 0, 0).unwrap();
        assert_eq!(
            week_start(t),
            Utc.with_ymd_and_hms(2026, 12, 7, 0, 0, 0).unwrap()
        );
    }

    #[test]
    fn csv_quotes_names() {
        let row = WeekUse {
            resource_id: Uuid::nil(),
            name: "gpu \"big\"".to_owned(),
            week: "2026-12-07".to_owned(),
            booked_hours: 1.5,
            bookable_hours: 168.0,
            ratio: 0.0089,
        };
        assert!(csv(&[row]).contains("\"gpu \"\"big\"\"\",2026-12-07,1.5,168,0.0089"));
    }
}
