//! Development mode (`HOLDFAST_DEV_MODE=1`): whether a process lets weak secrets through,
//! the checks each configuration runs its secrets through, and the warning it then logs.

use crate::secrets::{GENERATE_HINT, Weakness, weakness};

/// The variable that turns development mode on.
pub const DEV_MODE_VAR: &str = "HOLDFAST_DEV_MODE";

/// Refusal of one secret; the caller names the variable.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
#[error("{}", refusal_text(.0))]
pub struct Refused(pub Weakness);

fn refusal_text(weakness: &Weakness) -> String {
    match weakness {
        Weakness::TooShort { .. } => format!("{weakness}; {GENERATE_HINT}"),
        _ => format!(
            "{weakness}; {GENERATE_HINT} ({DEV_MODE_VAR}=1 accepts it, for local development only)"
        ),
    }
}

/// Whether weak secrets are let through, read once at start from [`DEV_MODE_VAR`].
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SecretPolicy {
    dev_mode: bool,
}

impl SecretPolicy {
    /// The policy outside development mode.
    pub const STRICT: SecretPolicy = SecretPolicy { dev_mode: false };

    /// From the raw value of [`DEV_MODE_VAR`]: `1`, `true`, `yes` or `on` turn development
    /// mode on; unset, empty, `0`, `false`, `no` or `off` leave it off; anything else is an
    /// error (the reason, for the caller to attach to the variable).
    pub fn from_dev_mode_var(raw: Option<&str>) -> Result<Self, String> {
        match raw.map(|v| v.trim().to_ascii_lowercase()).as_deref() {
            None | Some("" | "0" | "false" | "no" | "off") => Ok(Self::STRICT),
            Some("1" | "true" | "yes" | "on") => Ok(SecretPolicy { dev_mode: true }),
            Some(other) => Err(format!("expected 1 or 0, got {other:?}")),
        }
    }

    pub fn dev_mode(&self) -> bool {
        self.dev_mode
    }

    /// `Ok(None)`: a good secret. `Ok(Some(_))`: weak, accepted because development mode is
    /// on (log it). `Err`: refused.
    pub fn check(&self, secret: &str) -> Result<Option<Weakness>, Refused> {
        match weakness(secret) {
            None => Ok(None),
            Some(w @ Weakness::TooShort { .. }) => Err(Refused(w)),
            Some(w) if self.dev_mode => Ok(Some(w)),
            Some(w) => Err(Refused(w)),
        }
    }
}

/// The secrets of one process's configuration, checked one by one under one policy; it
/// remembers which weak ones development mode let through.
#[derive(Debug)]
pub struct SecretChecks {
    policy: SecretPolicy,
    weak: Vec<&'static str>,
}

impl SecretChecks {
    /// Reads [`DEV_MODE_VAR`] through `get`; the error is the reason for that variable.
    pub fn from_vars<'a>(get: impl Fn(&str) -> Option<&'a str>) -> Result<Self, String> {
        Ok(SecretChecks {
            policy: SecretPolicy::from_dev_mode_var(get(DEV_MODE_VAR))?,
            weak: Vec::new(),
        })
    }

    /// Checks the value of `var`; the error is the reason, for the caller to attach to `var`.
    pub fn check(&mut self, var: &'static str, secret: &str) -> Result<(), String> {
        match self.policy.check(secret) {
            Ok(None) => Ok(()),
            Ok(Some(_)) => {
                self.weak.push(var);
                Ok(())
            }
            Err(refused) => Err(refused.to_string()),
        }
    }

    /// What to log once logging is up: `Some` (a loud warning) in development mode.
    pub fn dev_mode_warning(&self) -> Option<String> {
        self.policy.dev_mode().then(|| dev_mode_warning(&self.weak))
    }
}

/// The loud line a process logs at start in development mode; `weak` names the variables
/// whose weak secret was let through.
pub fn dev_mode_warning(weak: &[&str]) -> String {
    let mut text = format!(
        "{DEV_MODE_VAR} is on: this process accepts placeholder and weak secrets and must \
         never serve real users"
    );
    if !weak.is_empty() {
        text.push_str(&format!(" (weak now: {})", weak.join(", ")));
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::random_secret;

    #[test]
    fn short_secrets_are_refused_even_in_dev_mode() {
        let dev = SecretPolicy::from_dev_mode_var(Some("1")).expect("parses");
        assert_eq!(
            dev.check("short"),
            Err(Refused(Weakness::TooShort { bytes: 5 }))
        );
    }

    #[test]
    fn dev_mode_accepts_a_placeholder_and_reports_it() {
        let placeholder = "change-me-to-at-least-32-random-bytes-xxxxxxxx";
        let strict = SecretPolicy::from_dev_mode_var(None).expect("parses");
        let refused = strict.check(placeholder).expect_err("refused");
        let text = refused.to_string();
        assert!(text.contains("openssl rand -base64 48"), "{text}");
        assert!(text.contains("HOLDFAST_DEV_MODE=1"), "{text}");
        let dev = SecretPolicy::from_dev_mode_var(Some("true")).expect("parses");
        assert_eq!(dev.check(placeholder), Ok(Some(Weakness::KnownPlaceholder)));
        let good = random_secret();
        assert_eq!(dev.check(&good), Ok(None));
        assert_eq!(strict.check(&good), Ok(None));
    }

    #[test]
    fn the_dev_mode_variable_is_parsed_strictly() {
        for off in [None, Some(""), Some("0"), Some("false"), Some("OFF")] {
            assert!(
                !SecretPolicy::from_dev_mode_var(off)
                    .expect("parses")
                    .dev_mode()
            );
        }
        for on in ["1", "true", "Yes", "on"] {
            assert!(
                SecretPolicy::from_dev_mode_var(Some(on))
                    .expect("parses")
                    .dev_mode()
            );
        }
        assert!(SecretPolicy::from_dev_mode_var(Some("maybe")).is_err());
    }

    #[test]
    fn checks_remember_what_dev_mode_let_through() {
        let placeholder = "change-me-to-at-least-32-random-bytes-xxxxxxxx";
        let mut strict = SecretChecks::from_vars(|_| None).expect("parses");
        let reason = strict
            .check("CORE_JWT_SECRET", placeholder)
            .expect_err("refused");
        assert!(reason.contains("placeholder"), "{reason}");
        assert_eq!(strict.dev_mode_warning(), None);

        let mut dev =
            SecretChecks::from_vars(|var| (var == DEV_MODE_VAR).then_some("1")).expect("parses");
        dev.check("CORE_JWT_SECRET", placeholder).expect("accepted");
        dev.check("CORE_QUEUE_PASS_SECRET", &random_secret())
            .expect("accepted");
        let text = dev.dev_mode_warning().expect("warns");
        assert!(text.contains("HOLDFAST_DEV_MODE is on"), "{text}");
        assert!(text.contains("CORE_JWT_SECRET"), "{text}");
        assert!(!text.contains("CORE_QUEUE_PASS_SECRET"), "{text}");
    }
}
