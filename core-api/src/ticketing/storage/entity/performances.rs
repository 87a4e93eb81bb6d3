//! `performances`

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "performances")]
pub(crate) struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub(crate) id: Uuid,
    pub(crate) event_id: Uuid,
    pub(crate) starts_at: DateTimeUtc,
    pub(crate) sale_opens_at: DateTimeUtc,
    pub(crate) sale_closes_at: DateTimeUtc,
    pub(crate) max_seats_per_user: i32,
    pub(crate) queue_enabled: bool,
    pub(crate) refund_cutoff_minutes: i32,
    pub(crate) created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub(crate) enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
