//! Teams and their members: reads on the repo, changes as operations of a [`BookingTx`],
//! and the SQL condition every resource and booking read uses to show a caller only the
//! servers of their own teams.

use chrono::{DateTime, Utc};
use sea_orm::{ConnectionTrait, DatabaseConnection, FromQueryResult};
use uuid::Uuid;

use super::tx::BookingTx;
use crate::booking::domain::team::TeamSettings;
use crate::{
    booking::domain::team::{Locale, Member, Team, TeamRole},
    storage::{StoreResult, sql},
};

/// The condition "resource `r` belongs to a team user `$n` is in, or user `$n` is an admin",
/// for queries that alias resources as `r`.
pub(crate) fn visible_to(n: usize) -> String {
    format!(
        "(r.team_id IN (SELECT team_id FROM team_members WHERE user_id = ${n}) \
         OR EXISTS (SELECT 1 FROM users WHERE id = ${n} AND role = 'ADMIN'))"
    )
}

#[derive(FromQueryResult)]
struct RoleRow {
    role: String,
}

async fn role_on(
    c: &impl ConnectionTrait,
    team_id: Uuid,
    user_id: Uuid,
) -> StoreResult<Option<TeamRole>> {
    Ok(RoleRow::find_by_statement(sql(
        "SELECT role FROM team_members WHERE team_id = $1 AND user_id = $2",
        [team_id.into(), user_id.into()],
    ))
    .one(c)
    .await?
    .and_then(|r| TeamRole::parse(&r.role)))
}

#[derive(FromQueryResult)]
struct TeamRow {
    id: Uuid,
    name: String,
    role: Option<String>,
    member_count: i64,
    created_at: DateTime<Utc>,
    google_calendar_id: Option<String>,
    is_default: bool,
    locale: String,
}

impl TeamRow {
    /// Admins outside the team see it as its owners do.
    fn into_team(self) -> Team {
        Team {
            id: self.id,
            name: self.name,
            role: self
                .role
                .as_deref()
                .and_then(TeamRole::parse)
                .unwrap_or(TeamRole::Owner),
            member_count: self.member_count,
            created_at: self.created_at,
            google_calendar_id: self.google_calendar_id,
            is_default: self.is_default,
            locale: Locale::parse(&self.locale).unwrap_or(Locale::En),
        }
    }
}

/// `$1` is the caller, `$2` whether they are an admin (who sees every team).
const TEAMS: &str = "SELECT t.id, t.name, m.role, \
     (SELECT count(*) FROM team_members c WHERE c.team_id = t.id) AS member_count, t.created_at, \
     t.google_calendar_id, t.is_default, t.locale \
     FROM teams t LEFT JOIN team_members m ON m.team_id = t.id AND m.user_id = $1 \
     WHERE (m.user_id IS NOT NULL OR $2)";

#[derive(FromQueryResult)]
struct MemberRow {
    user_id: Uuid,
    email: String,
    name: String,
    role: String,
}

#[derive(FromQueryResult)]
struct IdRow {
    id: Uuid,
}

#[derive(Clone)]
pub(crate) struct TeamRepo {
    db: DatabaseConnection,
}

impl TeamRepo {
    pub(crate) fn new(db: DatabaseConnection) -> Self {
        TeamRepo { db }
    }

    pub(crate) async fn begin(&self) -> StoreResult<BookingTx> {
        BookingTx::begin(&self.db).await
    }

    pub(crate) async fn role(&self, team_id: Uuid, user_id: Uuid) -> StoreResult<Option<TeamRole>> {
        role_on(&self.db, team_id, user_id).await
    }

    /// The caller's teams (every team, for an admin), by name.
    pub(crate) async fn teams_of(&self, user_id: Uuid, admin: bool) -> StoreResult<Vec<Team>> {
        let rows = TeamRow::find_by_statement(sql(
            &format!("{TEAMS} ORDER BY lower(t.name), t.id"),
            [user_id.into(), admin.into()],
        ))
        .all(&self.db)
        .await?;
        Ok(rows.into_iter().map(TeamRow::into_team).collect())
    }

    /// One team, if the caller is in it (or is an admin).
    pub(crate) async fn team(
        &self,
        id: Uuid,
        user_id: Uuid,
        admin: bool,
    ) -> StoreResult<Option<Team>> {
        Ok(TeamRow::find_by_statement(sql(
            &format!("{TEAMS} AND t.id = $3"),
            [user_id.into(), admin.into(), id.into()],
        ))
        .one(&self.db)
        .await?
        .map(TeamRow::into_team))
    }

    pub(crate) async fn members(&self, team_id: Uuid) -> StoreResult<Vec<Member>> {
        let rows = MemberRow::find_by_statement(sql(
            "SELECT m.user_id, u.email, u.name, m.role FROM team_members m JOIN users u ON u.id = m.user_id \
             WHERE m.team_id = $1 ORDER BY CASE m.role WHEN 'owner' THEN 0 WHEN 'member' THEN 1 ELSE 2 END, lower(u.name), u.id",
            [team_id.into()],
        ))
        .all(&self.db)
        .await?;
        Ok(rows
            .into_iter()
            .filter_map(|r| {
                Some(Member {
                    role: TeamRole::parse(&r.role)?,
                    user_id: r.user_id,
                    email: r.email,
                    name: r.name,
                })
            })
            .collect())
    }

    /// The account with this e-mail (compared case-insensitively), if any.
    pub(crate) async fn user_by_email(&self, email: &str) -> StoreResult<Option<Uuid>> {
        Ok(IdRow::find_by_statement(sql(
            "SELECT id FROM users WHERE lower(email) = lower($1)",
            [email.into()],
        ))
        .one(&self.db)
        .await?
        .map(|r| r.id))
    }
}

impl BookingTx {
    pub(crate) async fn team_role(
        &self,
        team_id: Uuid,
        user_id: Uuid,
    ) -> StoreResult<Option<TeamRole>> {
        role_on(&self.txn, team_id, user_id).await
    }

    /// A new team with its first owner.
    pub(crate) async fn insert_team(&self, id: Uuid, name: &str, owner: Uuid) -> StoreResult<()> {
        self.txn
            .execute_raw(sql(
                "INSERT INTO teams (id, name) VALUES ($1, $2)",
                [id.into(), name.into()],
            ))
            .await?;
        self.add_member(id, owner, TeamRole::Owner).await
    }

    /// Locks the team's row so member changes happen one at a time (the last owner stays).
    pub(crate) async fn lock_team(&self, id: Uuid) -> StoreResult<bool> {
        Ok(IdRow::find_by_statement(sql(
            "SELECT id FROM teams WHERE id = $1 FOR UPDATE",
            [id.into()],
        ))
        .one(&self.txn)
        .await?
        .is_some())
    }

    /// Writes a team's settings (the whole set, as [`TeamSettings`] has them).
    pub(crate) async fn update_team(&self, id: Uuid, s: &TeamSettings) -> StoreResult<()> {
        self.txn
            .execute_raw(sql(
                "UPDATE teams SET name = $2, google_calendar_id = $3, locale = $4, updated_at = now() WHERE id = $1",
                [
                    id.into(),
                    s.name.clone().into(),
                    s.google_calendar_id.clone().into(),
                    s.locale.as_str().into(),
                ],
            ))
            .await?;
        Ok(())
    }

    pub(crate) async fn add_member(
        &self,
        team_id: Uuid,
        user_id: Uuid,
        role: TeamRole,
    ) -> StoreResult<()> {
        self.txn
            .execute_raw(sql(
                "INSERT INTO team_members (team_id, user_id, role) VALUES ($1, $2, $3)",
                [team_id.into(), user_id.into(), role.as_str().into()],
            ))
            .await?;
        Ok(())
    }

    /// Sets a member's role; false when they are not in the team.
    pub(crate) async fn set_role(
        &self,
        team_id: Uuid,
        user_id: Uuid,
        role: TeamRole,
    ) -> StoreResult<bool> {
        let done = self
            .txn
            .execute_raw(sql(
                "UPDATE team_members SET role = $3 WHERE team_id = $1 AND user_id = $2",
                [team_id.into(), user_id.into(), role.as_str().into()],
            ))
            .await?;
        Ok(done.rows_affected() == 1)
    }

    pub(crate) async fn remove_member(&self, team_id: Uuid, user_id: Uuid) -> StoreResult<bool> {
        let done = self
            .txn
            .execute_raw(sql(
                "DELETE FROM team_members WHERE team_id = $1 AND user_id = $2",
                [team_id.into(), user_id.into()],
            ))
            .await?;
        Ok(done.rows_affected() == 1)
    }

    pub(crate) async fn owner_count(&self, team_id: Uuid) -> StoreResult<i64> {
        #[derive(FromQueryResult)]
        struct Count {
            n: i64,
        }
        Ok(Count::find_by_statement(sql(
            "SELECT count(*) AS n FROM team_members WHERE team_id = $1 AND role = 'owner'",
            [team_id.into()],
        ))
        .one(&self.txn)
        .await?
        .map_or(0, |c| c.n))
    }
}
