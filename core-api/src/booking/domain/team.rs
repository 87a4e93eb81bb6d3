//! Teams that own shared servers, their members' roles, and what each role may do.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use crate::error::{Error, Result};

/// A member's role in a team: owners manage the team's servers, policies and members;
/// members book; viewers only look.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub(crate) enum TeamRole {
    Owner,
    Member,
    Viewer,
}

impl TeamRole {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            TeamRole::Owner => "owner",
            TeamRole::Member => "member",
            TeamRole::Viewer => "viewer",
        }
    }

    pub(crate) fn parse(text: &str) -> Option<Self> {
        match text {
            "owner" => Some(TeamRole::Owner),
            "member" => Some(TeamRole::Member),
            "viewer" => Some(TeamRole::Viewer),
            _ => None,
        }
    }

    /// The role a request names, or 400 on `field`.
    pub(crate) fn parse_field(field: &str, text: &str) -> Result<Self> {
        Self::parse(text).ok_or_else(|| Error::validation(field, "must be owner, member or viewer"))
    }
}

/// What a request needs to do with a team's things.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Need {
    /// See the team, its servers and their bookings.
    Read,
    /// Make, change and cancel bookings.
    Book,
    /// Change the team, its servers, their policy and its members.
    Manage,
}

/// Whether someone with `role` (None: not in the team) may do what `need` asks; admins may
/// do everything. Outsiders are told the thing does not exist (`what`), so a team's servers
/// cannot be discovered by probing ids.
pub(crate) fn allow(
    admin: bool,
    role: Option<TeamRole>,
    need: Need,
    what: &'static str,
) -> Result<()> {
    if admin {
        return Ok(());
    }
    match (role, need) {
        (None, _) => Err(Error::NotFound(what)),
        (Some(_), Need::Read) | (Some(TeamRole::Owner | TeamRole::Member), Need::Book) => Ok(()),
        (Some(TeamRole::Viewer), Need::Book) => Err(Error::Forbidden(
            "viewers can see this team's servers but not book them; ask a team owner to make you a member",
        )),
        (Some(TeamRole::Owner), Need::Manage) => Ok(()),
        (Some(_), Need::Manage) => Err(Error::Forbidden(
            "only the team's owners manage its servers, policies and members",
        )),
    }
}

/// A team as the caller sees it.
#[derive(Clone, Debug, Serialize)]
pub(crate) struct Team {
    pub(crate) id: Uuid,
    pub(crate) name: String,
    /// The caller's role (admins outside the team act as owners).
    pub(crate) role: TeamRole,
    pub(crate) member_count: i64,
    pub(crate) created_at: DateTime<Utc>,
}

#[derive(Clone, Debug, Serialize)]
pub(crate) struct Member {
    pub(crate) user_id: Uuid,
    pub(crate) email: String,
    pub(crate) name: String,
    pub(crate) role: TeamRole,
}

/// A team's name: 1 to 100 characters once trimmed.
pub(crate) fn parse_name(name: &str) -> Result<String> {
    let name = name.trim();
    if name.is_empty() || name.chars().count() > 100 {
        return Err(Error::validation("name", "must be 1 to 100 characters"));
    }
    Ok(name.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn viewers_read_members_book_owners_manage_outsiders_see_nothing() {
        use Need::*;
        use TeamRole::*;
        assert!(allow(false, Some(Viewer), Read, "x").is_ok());
        assert!(matches!(
            allow(false, Some(Viewer), Book, "x"),
            Err(Error::Forbidden(_))
        ));
        assert!(allow(false, Some(Member), Book, "x").is_ok());
        assert!(matches!(
            allow(false, Some(Member), Manage, "x"),
            Err(Error::Forbidden(_))
        ));
        assert!(allow(false, Some(Owner), Manage, "x").is_ok());
        assert!(matches!(
            allow(false, None, Read, "x"),
            Err(Error::NotFound(_))
        ));
        assert!(allow(true, None, Manage, "x").is_ok());
    }

    #[test]
    fn roles_parse_from_their_text_only() {
        for role in [TeamRole::Owner, TeamRole::Member, TeamRole::Viewer] {
            assert_eq!(TeamRole::parse(role.as_str()), Some(role));
        }
        assert_eq!(TeamRole::parse("admin"), None);
    }
}
