//! `performances`

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "performances")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub event_id: Uuid,
    pub starts_at: DateTimeUtc,
    pub sale_opens_at: DateTimeUtc,
    pub sale_closes_at: DateTimeUtc,
    pub max_seats_per_user: i32,
    pub queue_enabled: bool,
    pub refund_cutoff_minutes: i32,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
