//! Events and performances for organizers: list and read with sales figures, edit (prices,
//! dates and limit audited), delete while nothing was ever reserved.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde_json::json;
use uuid::Uuid;

use super::{AdminService, check_page, layout};
use crate::{
    error::{Error, ErrorCode, Result},
    shared::storage::audit,
    ticketing::{
        domain::status::EventStatus,
        storage::catalog::{AdminEventRow, AdminPerformanceRow, PerformanceChange, Removal},
    },
};

/// An event with its performances.
pub(crate) struct AdminEvent {
    pub(crate) event: AdminEventRow,
    pub(crate) performances: Vec<AdminPerformanceRow>,
}

/// A performance with its tier prices.
pub(crate) struct AdminPerformance {
    pub(crate) row: AdminPerformanceRow,
    pub(crate) prices: BTreeMap<String, i64>,
}

/// What an organizer may change on a performance; absent fields stay as they are.
#[derive(Debug, Default)]
pub(crate) struct PerformanceEdit {
    pub(crate) starts_at: Option<DateTime<Utc>>,
    pub(crate) sale_opens_at: Option<DateTime<Utc>>,
    pub(crate) sale_closes_at: Option<DateTime<Utc>>,
    pub(crate) max_seats_per_user: Option<i32>,
    pub(crate) prices: Option<BTreeMap<String, i64>>,
}

fn has_sales(what: &'static str, reservations: i64) -> Error {
    Error::conflict(
        ErrorCode::HasSales,
        format!("this {what} has reservations; cancel it instead"),
    )
    .with_details(json!({ "reservations": reservations }))
}

impl AdminService {
    pub(crate) async fn admin_events(
        &self,
        query: Option<&str>,
        status: Option<&str>,
        (limit, offset): (u64, u64),
    ) -> Result<(Vec<AdminEventRow>, u64)> {
        let query = crate::ticketing::services::admin::search_text(query)?;
        let status = status
            .map(|s| {
                s.parse::<EventStatus>().map_err(|_| {
                    Error::validation(
                        "status",
                        "must be one of DRAFT, ON_SALE, SOLD_OUT, ENDED, CANCELLED",
                    )
                })
            })
            .transpose()?;
        check_page(limit, offset)?;
        Ok(self
            .catalog
            .admin_events(query, status, limit, offset)
            .await?)
    }

    pub(crate) async fn admin_event(&self, id: Uuid) -> Result<AdminEvent> {
        let event = self
            .catalog
            .admin_event(id)
            .await?
            .ok_or(Error::NotFound("event"))?;
        let performances = self.catalog.admin_performances(id).await?;
        Ok(AdminEvent {
            event,
            performances,
        })
    }

    pub(crate) async fn update_event(
        &self,
        actor_id: Uuid,
        id: Uuid,
        (title, description): (&str, &str),
    ) -> Result<AdminEvent> {
        let title = layout::bounded_text("title", title, 200)?;
        if description.chars().count() > 5_000 {
            return Err(Error::validation("description", "at most 5000 characters"));
        }
        let before = self.admin_event(id).await?.event;
        let entry = audit::Entry {
            actor_id,
            action: "event.update",
            entity_type: "event",
            entity_id: id,
            before: Some(json!({ "title": before.title, "description": before.description })),
            after: Some(json!({ "title": title, "description": description })),
        };
        if !self
            .catalog
            .update_event(id, (&title, description), entry)
            .await?
        {
            return Err(Error::NotFound("event"));
        }
        self.admin_event(id).await
    }

    pub(crate) async fn delete_event(&self, actor_id: Uuid, id: Uuid) -> Result<()> {
        let entry = audit::Entry {
            actor_id,
            action: "event.delete",
            entity_type: "event",
            entity_id: id,
            before: None,
            after: None,
        };
        match self.catalog.delete_event(id, entry).await? {
            Removal::Deleted => {
                self.rules.clear();
                Ok(())
            }
            Removal::NotFound => Err(Error::NotFound("event")),
            Removal::HasSales(n) => Err(has_sales("event", n)),
        }
    }

    pub(crate) async fn admin_performance(&self, id: Uuid) -> Result<AdminPerformance> {
        let row = self
            .catalog
            .admin_performance(id)
            .await?
            .ok_or(Error::NotFound("performance"))?;
        let prices = self.catalog.tier_prices(id).await?.into_iter().collect();
        Ok(AdminPerformance { row, prices })
    }

    /// Changes dates, per-user limit and tier prices; refused (400, nothing changed) when the
    /// sale window would end before it starts or a tier is unknown.
    pub(crate) async fn update_performance(
        &self,
        actor_id: Uuid,
        id: Uuid,
        edit: PerformanceEdit,
    ) -> Result<AdminPerformance> {
        let before = self.admin_performance(id).await?;
        let opens = edit.sale_opens_at.unwrap_or(before.row.sale_opens_at);
        let closes = edit.sale_closes_at.unwrap_or(before.row.sale_closes_at);
        if opens > closes {
            return Err(Error::validation(
                "saleClosesAt",
                "must not be before saleOpensAt",
            ));
        }
        if let Some(max) = edit.max_seats_per_user
            && !(1..=50).contains(&max)
        {
            return Err(Error::validation(
                "maxSeatsPerUser",
                "must be between 1 and 50",
            ));
        }
        let prices = edit.prices.unwrap_or_default();
        for (tier, price) in &prices {
            if !before.prices.contains_key(tier) {
                return Err(Error::validation(
                    &format!("prices.{tier}"),
                    "not a price tier of this performance",
                ));
            }
            if !(0..=100_000_000).contains(price) {
                return Err(Error::validation(
                    &format!("prices.{tier}"),
                    "must be 0 to 100,000,000 KRW",
                ));
            }
        }
        let change = PerformanceChange {
            starts_at: edit.starts_at,
            sale_opens_at: edit.sale_opens_at,
            sale_closes_at: edit.sale_closes_at,
            max_seats_per_user: edit.max_seats_per_user,
            prices: prices.clone().into_iter().collect(),
        };
        let entry = audit::Entry {
            actor_id,
            action: if prices.is_empty() {
                "performance.update"
            } else {
                "performance.prices"
            },
            entity_type: "performance",
            entity_id: id,
            before: Some(json!({
                "startsAt": before.row.starts_at, "saleOpensAt": before.row.sale_opens_at,
                "saleClosesAt": before.row.sale_closes_at, "maxSeatsPerUser": before.row.max_seats_per_user,
                "prices": before.prices,
            })),
            after: Some(json!({
                "startsAt": edit.starts_at.unwrap_or(before.row.starts_at), "saleOpensAt": opens,
                "saleClosesAt": closes,
                "maxSeatsPerUser": edit.max_seats_per_user.unwrap_or(before.row.max_seats_per_user),
                "prices": prices,
            })),
        };
        if !self.catalog.update_performance(id, &change, entry).await? {
            return Err(Error::NotFound("performance"));
        }
        self.rules.forget(id);
        self.admin_performance(id).await
    }

    pub(crate) async fn delete_performance(&self, actor_id: Uuid, id: Uuid) -> Result<()> {
        let entry = audit::Entry {
            actor_id,
            action: "performance.delete",
            entity_type: "performance",
            entity_id: id,
            before: None,
            after: None,
        };
        match self.catalog.delete_performance(id, entry).await? {
            Removal::Deleted => {
                self.rules.forget(id);
                Ok(())
            }
            Removal::NotFound => Err(Error::NotFound("performance")),
            Removal::HasSales(n) => Err(has_sales("performance", n)),
        }
    }
}
