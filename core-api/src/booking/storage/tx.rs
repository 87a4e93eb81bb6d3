//! `BookingTx`: one transaction of this context. A store begins it, services call its
//! operations (bookings, resources, feeds and their audit entries, each in the file of its
//! table), and `commit` makes them stick. Dropping it without `commit` rolls everything back.

use sea_orm::{DatabaseConnection, DatabaseTransaction, TransactionTrait};

use crate::{
    shared::storage::audit::{self, Entry},
    storage::StoreResult,
};

pub(crate) struct BookingTx {
    pub(super) txn: DatabaseTransaction,
}

impl BookingTx {
    pub(super) async fn begin(db: &DatabaseConnection) -> StoreResult<Self> {
        Ok(BookingTx {
            txn: db.begin().await?,
        })
    }

    /// Records who did what, in the same transaction as the change itself.
    pub(crate) async fn audit(&self, entry: Entry<'_>) -> StoreResult<()> {
        audit::record(&self.txn, entry).await
    }

    pub(crate) async fn commit(self) -> StoreResult<()> {
        self.txn.commit().await.map_err(Into::into)
    }
}
