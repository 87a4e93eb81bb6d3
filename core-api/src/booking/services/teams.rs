//! Teams: who is in them with which role, and the one check every resource and booking
//! route runs ([`TeamService::require`]).

use serde_json::json;
use uuid::Uuid;

use crate::{
    booking::{
        domain::team::{Member, Need, Team, TeamChange, TeamRole, TeamSettings, allow, parse_name},
        services::audit::entry,
        storage::{teams::TeamRepo, tx::BookingTx},
    },
    error::{Error, ErrorCode, Result},
    shared::services::auth::Caller,
};

#[derive(Clone)]
pub struct TeamService {
    repo: TeamRepo,
}

impl TeamService {
    pub(crate) fn new(repo: TeamRepo) -> Self {
        TeamService { repo }
    }

    /// May the caller do `need` with team `team_id`'s things? Outsiders get 404 `what`.
    pub(crate) async fn require(
        &self,
        caller: Caller,
        team_id: Uuid,
        need: Need,
        what: &'static str,
    ) -> Result<()> {
        if caller.is_admin() {
            return Ok(());
        }
        let role = self.repo.role(team_id, caller.user_id).await?;
        allow(false, role, need, what)
    }

    pub(crate) async fn list(&self, caller: Caller) -> Result<Vec<Team>> {
        Ok(self
            .repo
            .teams_of(caller.user_id, caller.is_admin())
            .await?)
    }

    pub(crate) async fn get(&self, caller: Caller, id: Uuid) -> Result<Team> {
        self.repo
            .team(id, caller.user_id, caller.is_admin())
            .await?
            .ok_or(Error::NotFound("team"))
    }

    /// A new team; its maker is its first owner.
    pub(crate) async fn create(&self, caller: Caller, name: &str) -> Result<Team> {
        let name = parse_name(name)?;
        let id = Uuid::now_v7();
        let tx = self.repo.begin().await?;
        tx.insert_team(id, &name, caller.user_id).await?;
        tx.audit(entry(
            caller,
            "team.create",
            id,
            None,
            Some(&json!({ "name": name })),
        ))
        .await?;
        tx.commit().await?;
        self.get(caller, id).await
    }

    /// Changes a team's name, calendar or webhook language (owners).
    pub(crate) async fn update(
        &self,
        caller: Caller,
        id: Uuid,
        change: TeamChange,
    ) -> Result<Team> {
        let before = self.get(caller, id).await?;
        allow(caller.is_admin(), Some(before.role), Need::Manage, "team")?;
        let old = before.settings();
        let new = old.clone().with(change);
        let tx = self.repo.begin().await?;
        tx.update_team(id, &new).await?;
        let snapshot = |s: &TeamSettings| json!({ "name": s.name, "googleCalendarId": s.google_calendar_id, "locale": s.locale.as_str() });
        tx.audit(entry(
            caller,
            "team.update",
            id,
            Some(&snapshot(&old)),
            Some(&snapshot(&new)),
        ))
        .await?;
        tx.commit().await?;
        self.get(caller, id).await
    }

    pub(crate) async fn members(&self, caller: Caller, id: Uuid) -> Result<Vec<Member>> {
        self.require(caller, id, Need::Read, "team").await?;
        Ok(self.repo.members(id).await?)
    }

    async fn member(&self, team_id: Uuid, user_id: Uuid) -> Result<Member> {
        self.repo
            .members(team_id)
            .await?
            .into_iter()
            .find(|m| m.user_id == user_id)
            .ok_or(Error::NotFound("team member"))
    }

    /// Adds the account with this e-mail; 404 `USER_NOT_FOUND` when nobody has it.
    pub(crate) async fn add_member(
        &self,
        caller: Caller,
        id: Uuid,
        email: &str,
        role: TeamRole,
    ) -> Result<Member> {
        self.require(caller, id, Need::Manage, "team").await?;
        let user_id = self
            .repo
            .user_by_email(email.trim())
            .await?
            .ok_or_else(|| Error::Missing {
                code: ErrorCode::UserNotFound,
                message:
                    "nobody has signed up with this e-mail; ask them to create an account first"
                        .to_owned(),
            })?;
        let tx = self.locked(id).await?;
        tx.add_member(id, user_id, role).await.map_err(|e| {
            if e.constraint() == Some("team_members_pkey") {
                Error::conflict(
                    ErrorCode::TeamMemberExists,
                    "this person is already in the team; change their role instead",
                )
            } else {
                e.into()
            }
        })?;
        tx.audit(entry(
            caller,
            "team.member_add",
            id,
            None,
            Some(&json!({ "userId": user_id, "role": role })),
        ))
        .await?;
        tx.commit().await?;
        self.member(id, user_id).await
    }

    pub(crate) async fn set_role(
        &self,
        caller: Caller,
        id: Uuid,
        user_id: Uuid,
        role: TeamRole,
    ) -> Result<Member> {
        self.require(caller, id, Need::Manage, "team").await?;
        let before = self.member(id, user_id).await?;
        let tx = self.locked(id).await?;
        if before.role == TeamRole::Owner && role != TeamRole::Owner {
            last_owner_stays(&tx, id).await?;
        }
        if !tx.set_role(id, user_id, role).await? {
            return Err(Error::NotFound("team member"));
        }
        tx.audit(entry(
            caller,
            "team.member_role",
            id,
            Some(&json!({ "userId": user_id, "role": before.role })),
            Some(&json!({ "userId": user_id, "role": role })),
        ))
        .await?;
        tx.commit().await?;
        self.member(id, user_id).await
    }

    /// Removes a member: owners remove anyone, anyone may leave.
    pub(crate) async fn remove(&self, caller: Caller, id: Uuid, user_id: Uuid) -> Result<()> {
        if user_id == caller.user_id {
            self.require(caller, id, Need::Read, "team").await?;
        } else {
            self.require(caller, id, Need::Manage, "team").await?;
        }
        let before = self.member(id, user_id).await?;
        let tx = self.locked(id).await?;
        if before.role == TeamRole::Owner {
            last_owner_stays(&tx, id).await?;
        }
        if !tx.remove_member(id, user_id).await? {
            return Err(Error::NotFound("team member"));
        }
        tx.audit(entry(
            caller,
            "team.member_remove",
            id,
            Some(&json!({ "userId": user_id, "role": before.role })),
            None,
        ))
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// The caller's team with this name, made (with the caller as owner) when there is none.
    pub async fn ensure(&self, caller: Caller, name: &str) -> Result<Uuid, Error> {
        let existing = self
            .list(caller)
            .await?
            .into_iter()
            .find(|t| t.name == name);
        match existing {
            Some(team) => Ok(team.id),
            None => Ok(self.create(caller, name).await?.id),
        }
    }

    /// Makes `user_id` a member of the team unless they are in it already.
    pub async fn ensure_member(
        &self,
        caller: Caller,
        team_id: Uuid,
        user_id: Uuid,
    ) -> Result<(), Error> {
        if self.repo.role(team_id, user_id).await?.is_some() {
            return Ok(());
        }
        let tx = self.locked(team_id).await?;
        tx.add_member(team_id, user_id, TeamRole::Member).await?;
        tx.audit(entry(
            caller,
            "team.member_add",
            team_id,
            None,
            Some(&json!({ "userId": user_id, "role": TeamRole::Member })),
        ))
        .await?;
        Ok(tx.commit().await?)
    }

    async fn locked(&self, id: Uuid) -> Result<BookingTx> {
        let tx = self.repo.begin().await?;
        if !tx.lock_team(id).await? {
            return Err(Error::NotFound("team"));
        }
        Ok(tx)
    }
}

/// 409 when the team's only owner would stop being one (checked under the team's lock).
async fn last_owner_stays(tx: &BookingTx, id: Uuid) -> Result<()> {
    if tx.owner_count(id).await? <= 1 {
        return Err(Error::conflict(
            ErrorCode::LastTeamOwner,
            "a team needs at least one owner; make someone else an owner first",
        ));
    }
    Ok(())
}
