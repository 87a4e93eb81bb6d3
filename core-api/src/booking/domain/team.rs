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
    /// The Google Calendar this team's bookings are pushed to, when it has its own.
    pub(crate) google_calendar_id: Option<String>,
    /// The team the teams migration made for the servers that existed before teams; it
    /// keeps the global calendar (`GOOGLE_CALENDAR_ID`) unless it sets its own.
    pub(crate) is_default: bool,
    /// The language of the team's webhook messages.
    pub(crate) locale: Locale,
}

/// What an owner sets on a team: its name, its own calendar and its webhook language.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct TeamSettings {
    pub(crate) name: String,
    pub(crate) google_calendar_id: Option<String>,
    pub(crate) locale: Locale,
}

/// A partial change of [`TeamSettings`], checked: absent fields stay as they are.
#[derive(Clone, Debug, Default)]
pub(crate) struct TeamChange {
    pub(crate) name: Option<String>,
    /// `Some(None)` removes the team's calendar.
    pub(crate) google_calendar_id: Option<Option<String>>,
    pub(crate) locale: Option<Locale>,
}

impl Team {
    pub(crate) fn settings(&self) -> TeamSettings {
        TeamSettings {
            name: self.name.clone(),
            google_calendar_id: self.google_calendar_id.clone(),
            locale: self.locale,
        }
    }
}

impl TeamSettings {
    pub(crate) fn with(mut self, change: TeamChange) -> TeamSettings {
        if let Some(name) = change.name {
            self.name = name;
        }
        if let Some(calendar) = change.google_calendar_id {
            self.google_calendar_id = calendar;
        }
        if let Some(locale) = change.locale {
            self.locale = locale;
        }
        self
    }
}

/// The language of a message: Korean or English.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub(crate) enum Locale {
    En,
    Ko,
}

impl Locale {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Locale::En => "en",
            Locale::Ko => "ko",
        }
    }

    pub(crate) fn parse(text: &str) -> Option<Self> {
        match text {
            "en" => Some(Locale::En),
            "ko" => Some(Locale::Ko),
            _ => None,
        }
    }

    /// The language a request names, or 400 on `field`.
    pub(crate) fn parse_field(field: &str, text: &str) -> Result<Self> {
        Self::parse(text).ok_or_else(|| Error::validation(field, "must be ko or en"))
    }
}

/// A Google Calendar id ("…@group.calendar.google.com"): 1 to 254 visible characters once
/// trimmed, no spaces.
pub(crate) fn parse_calendar_id(field: &str, text: &str) -> Result<String> {
    let id = text.trim();
    if id.is_empty()
        || id.chars().count() > 254
        || id.chars().any(|c| c.is_whitespace() || c.is_control())
    {
        return Err(Error::validation(
            field,
            "must be a Google Calendar id such as team@group.calendar.google.com (1 to 254 characters, no spaces)",
        ));
    }
    Ok(id.to_owned())
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
    fn calendar_ids_are_trimmed_and_refused_with_spaces_or_empty() {
        assert_eq!(
            parse_calendar_id("f", " a@group.calendar.google.com ").ok(),
            Some("a@group.calendar.google.com".to_owned())
        );
        for bad in ["", "   ", "a b@group", &"x".repeat(255)] {
            assert!(parse_calendar_id("f", bad).is_err(), "{bad:?}");
        }
        assert_eq!(Locale::parse("ko"), Some(Locale::Ko));
        assert_eq!(Locale::parse("de"), None);
    }

    #[test]
    fn roles_parse_from_their_text_only() {
        for role in [TeamRole::Owner, TeamRole::Member, TeamRole::Viewer] {
            assert_eq!(TeamRole::parse(role.as_str()), Some(role));
        }
        assert_eq!(TeamRole::parse("admin"), None);
    }
}
