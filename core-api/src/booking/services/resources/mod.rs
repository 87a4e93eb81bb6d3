//! Shared servers (resources): admin CRUD and the booking policy each one carries.

mod policy;

pub(crate) use policy::Policy;

use crate::error::ErrorCode;
use std::sync::Arc;

use holdfast_contract::clock::Clock;
use uuid::Uuid;

use crate::{
    booking::{
        domain::resource::{Resource, ResourceFields},
        services::audit::entry,
        storage::{resources::ResourceRepo, tx::BookingTx},
    },
    error::{Error, Result},
    shared::services::auth::Caller,
    storage::StoreError,
};

#[derive(Clone)]
pub struct ResourceService {
    repo: ResourceRepo,
    clock: Arc<dyn Clock>,
}

impl ResourceService {
    pub(crate) fn new(repo: ResourceRepo, clock: Arc<dyn Clock>) -> Self {
        ResourceService { repo, clock }
    }

    pub async fn list(&self, include_inactive: bool) -> Result<Vec<Resource>> {
        Ok(self.repo.list(include_inactive).await?)
    }

    pub(crate) async fn get(&self, id: Uuid) -> Result<Resource> {
        self.repo.get(id).await?.ok_or(Error::NotFound("resource"))
    }

    pub async fn create(&self, caller: Caller, fields: ResourceFields) -> Result<Resource> {
        let tx = self.repo.begin().await?;
        let row = tx
            .insert_resource(Uuid::now_v7(), &fields)
            .await
            .map_err(name_taken)?;
        tx.audit(entry(caller, "resource.create", row.id, None, Some(&row)))
            .await?;
        tx.commit().await?;
        Ok(row)
    }

    pub(crate) async fn update(
        &self,
        caller: Caller,
        id: Uuid,
        fields: ResourceFields,
    ) -> Result<Resource> {
        let tx = self.repo.begin().await?;
        let before = locked(&tx, id).await?;
        let row = tx
            .update_resource(id, &fields)
            .await
            .map_err(name_taken)?
            .ok_or(Error::NotFound("resource"))?;
        tx.audit(entry(
            caller,
            "resource.update",
            id,
            Some(&before),
            Some(&row),
        ))
        .await?;
        tx.commit().await?;
        Ok(row)
    }

    /// Removes a resource that has nothing booked ahead; otherwise 409 (deactivate it, or
    /// cancel those bookings, first).
    pub(crate) async fn delete(&self, caller: Caller, id: Uuid) -> Result<Resource> {
        let tx = self.repo.begin().await?;
        let before = locked(&tx, id).await?;
        if tx.has_upcoming(id, self.clock.now()).await? {
            return Err(Error::conflict(
                ErrorCode::ResourceHasBookings,
                "this resource has active bookings that have not ended; cancel them or deactivate the resource",
            ));
        }
        if !tx.delete_resource(id).await? {
            return Err(Error::NotFound("resource"));
        }
        tx.audit(entry(caller, "resource.delete", id, Some(&before), None))
            .await?;
        tx.commit().await?;
        Ok(before)
    }
}

/// The resource, locked against bookings for the rest of the transaction.
async fn locked(tx: &BookingTx, id: Uuid) -> Result<Resource> {
    tx.lock_resource(id)
        .await?
        .ok_or(Error::NotFound("resource"))
}

fn name_taken(e: StoreError) -> Error {
    if e.constraint() == Some("resources_name_key") {
        Error::conflict(
            ErrorCode::ResourceNameTaken,
            "another resource already has this name",
        )
    } else {
        e.into()
    }
}
