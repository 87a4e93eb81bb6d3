//! `/teams`: teams that own shared servers, their members and roles. Anyone signed in may
//! make a team (and owns it); only members see a team (others get 404); owners manage it.

mod utilisation;
mod webhooks;

use axum::{extract::State, http::StatusCode};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::{router::OpenApiRouter, routes};
use uuid::Uuid;

use crate::{
    booking::domain::team::{
        Locale, Member, Team, TeamChange, TeamRole, parse_calendar_id, parse_name,
    },
    error::Result,
    http::extract::{ApiJson, ApiPath, Created, Data},
    shared::services::auth::Caller,
    startup::AppState,
};

pub(crate) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_teams, create_team))
        .routes(routes!(get_team, update_team))
        .routes(routes!(list_members, add_member))
        .routes(routes!(set_member_role, remove_member))
        .merge(utilisation::router())
        .merge(webhooks::router())
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub(crate) struct TeamView {
    pub(crate) id: Uuid,
    pub(crate) name: String,
    /// The caller's role; admins outside the team see it as owners do.
    pub(crate) role: TeamRole,
    pub(crate) member_count: i64,
    pub(crate) created_at: DateTime<Utc>,
    /// The Google Calendar the team's bookings are pushed to (none: not pushed, except the
    /// default team, which then uses the server's `GOOGLE_CALENDAR_ID`).
    pub(crate) google_calendar_id: Option<String>,
    /// The team made for the servers that existed before teams.
    pub(crate) is_default: bool,
    /// The language of the team's webhook messages.
    pub(crate) locale: Locale,
}

impl From<Team> for TeamView {
    fn from(t: Team) -> Self {
        TeamView {
            id: t.id,
            name: t.name,
            role: t.role,
            member_count: t.member_count,
            created_at: t.created_at,
            google_calendar_id: t.google_calendar_id,
            is_default: t.is_default,
            locale: t.locale,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub(crate) struct MemberView {
    pub(crate) user_id: Uuid,
    pub(crate) email: String,
    pub(crate) name: String,
    pub(crate) role: TeamRole,
}

impl From<Member> for MemberView {
    fn from(m: Member) -> Self {
        MemberView {
            user_id: m.user_id,
            email: m.email,
            name: m.name,
            role: m.role,
        }
    }
}

#[derive(Debug, Deserialize, Serialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub(crate) struct TeamRequest {
    /// 1 to 100 characters.
    pub(crate) name: String,
}

/// A change to a team; absent fields stay as they are.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub(crate) struct TeamUpdateRequest {
    /// 1 to 100 characters.
    pub(crate) name: Option<String>,
    /// The team's own Google Calendar id; `null` or `""` removes it.
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<String>, nullable)]
    pub(crate) google_calendar_id: Option<Option<String>>,
    /// `ko` or `en`: the language of the team's webhook messages.
    pub(crate) locale: Option<String>,
}

/// A field that is present, possibly `null` (absent fields stay `None` by `default`).
fn present<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<Option<String>>, D::Error> {
    Option::<String>::deserialize(d).map(Some)
}

impl TeamUpdateRequest {
    fn change(self) -> Result<TeamChange> {
        Ok(TeamChange {
            name: self.name.as_deref().map(parse_name).transpose()?,
            google_calendar_id: match self.google_calendar_id {
                None => None,
                Some(None) => Some(None),
                Some(Some(id)) if id.trim().is_empty() => Some(None),
                Some(Some(id)) => Some(Some(parse_calendar_id("googleCalendarId", &id)?)),
            },
            locale: self
                .locale
                .as_deref()
                .map(|l| Locale::parse_field("locale", l))
                .transpose()?,
        })
    }
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub(crate) struct AddMemberRequest {
    /// The e-mail the person signed up with.
    pub(crate) email: String,
    /// owner, member or viewer.
    pub(crate) role: String,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub(crate) struct RoleRequest {
    /// owner, member or viewer.
    pub(crate) role: String,
}

/// The caller's teams with their role in each (admins: every team).
#[utoipa::path(get, path = "/teams", tag = "teams", security(("bearer" = [])),
    responses((status = 200, body = Vec<TeamView>)))]
async fn list_teams(State(state): State<AppState>, caller: Caller) -> Result<Data<Vec<TeamView>>> {
    let teams = state.services.teams.list(caller).await?;
    Ok(Data(teams.into_iter().map(Into::into).collect()))
}

/// Makes a team; the caller is its first owner.
#[utoipa::path(post, path = "/teams", tag = "teams", security(("bearer" = [])), request_body = TeamRequest,
    responses((status = 201, body = TeamView), (status = 400)))]
async fn create_team(
    State(state): State<AppState>,
    caller: Caller,
    ApiJson(req): ApiJson<TeamRequest>,
) -> Result<Created<TeamView>> {
    Ok(Created(
        state.services.teams.create(caller, &req.name).await?.into(),
    ))
}

#[utoipa::path(get, path = "/teams/{id}", params(("id" = Uuid, Path)), tag = "teams", security(("bearer" = [])),
    responses((status = 200, body = TeamView), (status = 404, description = "no such team, or the caller is not in it")))]
async fn get_team(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<Uuid>,
) -> Result<Data<TeamView>> {
    Ok(Data(state.services.teams.get(caller, id).await?.into()))
}

/// Changes a team's name, its own Google Calendar or its webhook language (owners).
#[utoipa::path(patch, path = "/teams/{id}", params(("id" = Uuid, Path)), tag = "teams", security(("bearer" = [])),
    request_body = TeamUpdateRequest,
    responses((status = 200, body = TeamView), (status = 400), (status = 403), (status = 404)))]
async fn update_team(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<Uuid>,
    ApiJson(req): ApiJson<TeamUpdateRequest>,
) -> Result<Data<TeamView>> {
    let change = req.change()?;
    Ok(Data(
        state
            .services
            .teams
            .update(caller, id, change)
            .await?
            .into(),
    ))
}

/// The team's members, owners first (members of the team only).
#[utoipa::path(get, path = "/teams/{id}/members", params(("id" = Uuid, Path)), tag = "teams", security(("bearer" = [])),
    responses((status = 200, body = Vec<MemberView>), (status = 404)))]
async fn list_members(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<Uuid>,
) -> Result<Data<Vec<MemberView>>> {
    let members = state.services.teams.members(caller, id).await?;
    Ok(Data(members.into_iter().map(Into::into).collect()))
}

/// Adds someone who has an account, by e-mail (owners).
#[utoipa::path(post, path = "/teams/{id}/members", params(("id" = Uuid, Path)), tag = "teams", security(("bearer" = [])),
    request_body = AddMemberRequest,
    responses((status = 201, body = MemberView), (status = 400), (status = 403),
        (status = 404, description = "NOT_FOUND (team) or USER_NOT_FOUND (nobody has this e-mail)"),
        (status = 409, description = "TEAM_MEMBER_EXISTS")))]
async fn add_member(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<Uuid>,
    ApiJson(req): ApiJson<AddMemberRequest>,
) -> Result<Created<MemberView>> {
    let role = TeamRole::parse_field("role", &req.role)?;
    Ok(Created(
        state
            .services
            .teams
            .add_member(caller, id, &req.email, role)
            .await?
            .into(),
    ))
}

/// Changes a member's role (owners); the last owner stays one (409 `LAST_TEAM_OWNER`).
#[utoipa::path(patch, path = "/teams/{id}/members/{userId}", params(("id" = Uuid, Path), ("userId" = Uuid, Path)),
    tag = "teams", security(("bearer" = [])), request_body = RoleRequest,
    responses((status = 200, body = MemberView), (status = 400), (status = 403), (status = 404),
        (status = 409, description = "LAST_TEAM_OWNER")))]
async fn set_member_role(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath((id, user_id)): ApiPath<(Uuid, Uuid)>,
    ApiJson(req): ApiJson<RoleRequest>,
) -> Result<Data<MemberView>> {
    let role = TeamRole::parse_field("role", &req.role)?;
    Ok(Data(
        state
            .services
            .teams
            .set_role(caller, id, user_id, role)
            .await?
            .into(),
    ))
}

/// Removes a member (owners; anyone may remove themself); the last owner stays (409).
#[utoipa::path(delete, path = "/teams/{id}/members/{userId}", params(("id" = Uuid, Path), ("userId" = Uuid, Path)),
    tag = "teams", security(("bearer" = [])),
    responses((status = 204), (status = 403), (status = 404), (status = 409, description = "LAST_TEAM_OWNER")))]
async fn remove_member(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath((id, user_id)): ApiPath<(Uuid, Uuid)>,
) -> Result<StatusCode> {
    state.services.teams.remove(caller, id, user_id).await?;
    Ok(StatusCode::NO_CONTENT)
}
