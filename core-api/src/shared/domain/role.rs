//! Account roles.

use serde::{Deserialize, Serialize};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "UPPERCASE")]
pub enum Role {
    User,
    Admin,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::User => "USER",
            Role::Admin => "ADMIN",
        }
    }

    /// Reads the stored form; anything unknown is treated as the least privileged role.
    pub(crate) fn from_db(raw: &str) -> Self {
        if raw == "ADMIN" {
            Role::Admin
        } else {
            Role::User
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roles_round_trip_through_their_stored_form() {
        for role in [Role::User, Role::Admin] {
            assert_eq!(Role::from_db(role.as_str()), role);
        }
        assert_eq!(Role::from_db("ROOT"), Role::User);
    }
}
