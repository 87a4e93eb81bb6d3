//! Shared servers (resources): CRUD by their team's owners (or admins), and the booking
//! policy each one carries. Only members of a resource's team see it.

mod policy;

pub(crate) use policy::Policy;

use crate::error::ErrorCode;
use std::sync::Arc;

use holdfast_contract::clock::Clock;
use uuid::Uuid;

use crate::{
    booking::{
        domain::{
            resource::{Resource, ResourceFields},
            team::{Need, TeamRole},
        },
        services::{audit::entry, teams::TeamService},
        storage::{resources::ResourceRepo, tx::BookingTx},
    },
    error::{Error, Result},
    shared::services::auth::Caller,
    storage::StoreError,
};

#[derive(Clone)]
pub struct ResourceService {
    repo: ResourceRepo,
    teams: TeamService,
    clock: Arc<dyn Clock>,
}

impl ResourceService {
    pub(crate) fn new(repo: ResourceRepo, teams: TeamService, clock: Arc<dyn Clock>) -> Self {
        ResourceService { repo, teams, clock }
    }

    /// The resources of the caller's teams (all of them, for admins).
    pub async fn list(&self, caller: Caller, include_inactive: bool) -> Result<Vec<Resource>> {
        Ok(self.repo.list(caller.user_id, include_inactive).await?)
    }

    /// The resource if the caller may do `need` with it; 404 for people outside its team.
    pub(crate) async fn get(&self, caller: Caller, id: Uuid, need: Need) -> Result<Resource> {
        let row = self
            .repo
            .get(id)
            .await?
            .ok_or(Error::NotFound("resource"))?;
        self.teams
            .require(caller, row.team_id, need, "resource")
            .await?;
        Ok(row)
    }

    /// The team a new or moved resource goes to: one the caller owns (any, for admins). A
    /// team the caller is not in is a bad field, not a 404: the form named it.
    async fn target_team(&self, caller: Caller, team_id: Uuid) -> Result<()> {
        let team = self.teams.get(caller, team_id).await.map_err(|e| match e {
            Error::NotFound(_) => Error::validation("teamId", "you are not in this team"),
            other => other,
        })?;
        if caller.is_admin() || team.role == TeamRole::Owner {
            return Ok(());
        }
        Err(Error::Forbidden("only the team's owners add servers to it"))
    }

    pub async fn create(
        &self,
        caller: Caller,
        team_id: Uuid,
        fields: ResourceFields,
    ) -> Result<Resource> {
        self.target_team(caller, team_id).await?;
        let tx = self.repo.begin().await?;
        let row = tx
            .insert_resource((Uuid::now_v7(), team_id), &fields)
            .await
            .map_err(name_taken)?;
        tx.audit(entry(caller, "resource.create", row.id, None, Some(&row)))
            .await?;
        tx.commit().await?;
        Ok(row)
    }

    /// Replaces a resource's fields; `team_id` moves it to another team the caller owns.
    pub(crate) async fn update(
        &self,
        caller: Caller,
        (id, team_id): (Uuid, Option<Uuid>),
        fields: ResourceFields,
    ) -> Result<Resource> {
        let current = self.get(caller, id, Need::Manage).await?;
        let team_id = team_id.unwrap_or(current.team_id);
        if team_id != current.team_id {
            self.target_team(caller, team_id).await?;
        }
        let tx = self.repo.begin().await?;
        let before = locked(&tx, id).await?;
        let row = tx
            .update_resource((id, team_id), &fields)
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
        self.get(caller, id, Need::Manage).await?;
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
            "another server of this team already has this name",
        )
    } else {
        e.into()
    }
}
