//! Who will attend: name, phone, optional e-mail.

use serde::Deserialize;

use crate::error::{Error, Result};
use crate::shared::domain::Email;

#[derive(Clone, Debug, Deserialize, serde::Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct AttendeeInput {
    /// 1 to 100 characters after trimming.
    #[schema(min_length = 1, max_length = 100)]
    pub name: String,
    /// 7 to 15 digits; `+ - ( )` and spaces allowed between them.
    #[schema(min_length = 7, max_length = 25, pattern = r"^[0-9+() -]+$")]
    pub phone: String,
    pub email: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Attendee {
    pub name: String,
    pub phone: String,
    pub email: Option<String>,
}

impl Attendee {
    pub(crate) fn parse(input: &AttendeeInput) -> Result<Self> {
        let name = input.name.trim();
        if name.is_empty() || name.chars().count() > 100 {
            return Err(Error::validation(
                "attendee.name",
                "must be 1 to 100 characters",
            ));
        }
        let phone = input.phone.trim();
        let digits = phone.chars().filter(char::is_ascii_digit).count();
        let allowed = phone
            .chars()
            .all(|c| c.is_ascii_digit() || matches!(c, '+' | '-' | ' ' | '(' | ')'));
        if !allowed || !(7..=15).contains(&digits) || phone.len() > 25 {
            return Err(Error::validation(
                "attendee.phone",
                "must be a phone number of 7 to 15 digits",
            ));
        }
        let email = match input.email.as_deref().map(str::trim) {
            None | Some("") => None,
            Some(raw) => Some(Email::parse("attendee.email", raw)?.as_str().to_owned()),
        };
        Ok(Attendee {
            name: name.to_owned(),
            phone: phone.to_owned(),
            email,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input(name: &str, phone: &str, email: Option<&str>) -> AttendeeInput {
        AttendeeInput {
            name: name.into(),
            phone: phone.into(),
            email: email.map(Into::into),
        }
    }

    #[test]
    fn a_korean_mobile_number_is_accepted() {
        let a = Attendee::parse(&input(" 김민수 ", "010-1234-5678", Some(""))).expect("valid");
        assert_eq!(a.name, "김민수");
        assert_eq!(a.email, None);
    }

    #[test]
    fn bad_fields_are_named() {
        let err = Attendee::parse(&input("", "010-1234-5678", None)).expect_err("refused");
        assert!(err.to_string().contains("100"));
        assert!(Attendee::parse(&input("A", "call me", None)).is_err());
        assert!(Attendee::parse(&input("A", "123", None)).is_err());
        assert!(Attendee::parse(&input("A", "010-1234-5678", Some("nope"))).is_err());
    }
}
