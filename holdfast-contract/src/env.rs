//! Reading a service's configuration from its variables (the process environment, or a map in
//! tests), and the one error both services refuse to start with: it names the variable.
//!
//! An empty variable counts as unset everywhere, so `FOO=` in an env file means the default.

use std::{collections::HashMap, fmt::Display, str::FromStr};

use crate::{
    dev_mode::{DEV_MODE_VAR, SecretChecks},
    token_keys::{self, SignKey, VerifyKey},
};

/// A configuration value that could not be used; names the variable.
#[derive(Debug, thiserror::Error)]
#[error("invalid configuration: {var}: {reason}")]
pub struct ConfigError {
    pub var: &'static str,
    pub reason: String,
}

impl ConfigError {
    pub fn new(var: &'static str, reason: impl Into<String>) -> Self {
        ConfigError {
            var,
            reason: reason.into(),
        }
    }
}

/// The form [`crate::token_keys`] reports a refused key in: (variable, reason).
impl From<(&'static str, String)> for ConfigError {
    fn from((var, reason): (&'static str, String)) -> Self {
        ConfigError::new(var, reason)
    }
}

/// `Ok` when `ok` holds, else the error naming `var`: one line per rule in a `validate`.
pub fn ensure(ok: bool, var: &'static str, reason: &str) -> Result<(), ConfigError> {
    if ok {
        Ok(())
    } else {
        Err(ConfigError::new(var, reason))
    }
}

/// The variables a configuration is read from.
pub struct Env(HashMap<String, String>);

impl Env {
    pub fn new(vars: HashMap<String, String>) -> Self {
        Env(vars)
    }

    /// The raw value, empty or not.
    pub fn get(&self, var: &str) -> Option<&str> {
        self.0.get(var).map(String::as_str)
    }

    /// The value when it is set and not empty.
    pub fn optional(&self, var: &str) -> Option<String> {
        self.get(var).filter(|v| !v.is_empty()).map(str::to_owned)
    }

    pub fn string(&self, var: &str, default: &str) -> String {
        self.optional(var).unwrap_or_else(|| default.to_owned())
    }

    pub fn required(&self, var: &'static str) -> Result<String, ConfigError> {
        self.optional(var)
            .ok_or_else(|| ConfigError::new(var, "is required"))
    }

    /// The value (or `default`) parsed as `T`; the reason quotes what could not be parsed.
    pub fn parse<T: FromStr>(&self, var: &'static str, default: &str) -> Result<T, ConfigError>
    where
        T::Err: Display,
    {
        let raw = self.string(var, default);
        raw.parse()
            .map_err(|e| ConfigError::new(var, format!("{raw:?}: {e}")))
    }

    /// One of a few words, each standing for a value: `expected a or b, got "c"` otherwise.
    pub fn one_of<T: Copy>(
        &self,
        var: &'static str,
        default: &str,
        choices: &[(&str, T)],
    ) -> Result<T, ConfigError> {
        let raw = self.string(var, default);
        if let Some((_, value)) = choices.iter().find(|(word, _)| *word == raw) {
            return Ok(*value);
        }
        let words: Vec<&str> = choices.iter().map(|(word, _)| *word).collect();
        let expected = match words.split_last() {
            Some((last, [])) => (*last).to_owned(),
            Some((last, rest)) => format!("{} or {last}", rest.join(", ")),
            None => String::new(),
        };
        Err(ConfigError::new(
            var,
            format!("expected {expected}, got {raw:?}"),
        ))
    }

    /// `HOLDFAST_DEV_MODE`, read once: the policy every secret of this configuration meets.
    pub fn secret_checks(&self) -> Result<SecretChecks, ConfigError> {
        SecretChecks::from_vars(|var| self.get(var))
            .map_err(|reason| ConfigError::new(DEV_MODE_VAR, reason))
    }

    /// core-api's signing key: an HS256 secret in `secret_var` or an Ed25519 private key file
    /// in `file_var`, exactly one ([`token_keys::sign_key`]).
    pub fn sign_key(
        &self,
        checks: &mut SecretChecks,
        secret_var: &'static str,
        file_var: &'static str,
    ) -> Result<SignKey, ConfigError> {
        let secret = (secret_var, self.get(secret_var));
        Ok(token_keys::sign_key(
            checks,
            secret,
            (file_var, self.get(file_var)),
        )?)
    }

    /// The gateway's verifying key: an HS256 secret in `secret_var` or an Ed25519 public key
    /// file in `file_var`, exactly one ([`token_keys::verify_key`]).
    pub fn verify_key(
        &self,
        checks: &mut SecretChecks,
        secret_var: &'static str,
        file_var: &'static str,
    ) -> Result<VerifyKey, ConfigError> {
        let secret = (secret_var, self.get(secret_var));
        Ok(token_keys::verify_key(
            checks,
            secret,
            (file_var, self.get(file_var)),
        )?)
    }
}

/// Runs one secret through the policy; the error names its variable.
pub fn check_secret(
    checks: &mut SecretChecks,
    var: &'static str,
    secret: &str,
) -> Result<(), ConfigError> {
    checks
        .check(var, secret)
        .map_err(|reason| ConfigError::new(var, reason))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(pairs: &[(&str, &str)]) -> Env {
        Env::new(
            pairs
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
        )
    }

    #[test]
    fn empty_is_unset() {
        let env = env(&[("A", ""), ("B", "b")]);
        assert_eq!(env.string("A", "default"), "default");
        assert_eq!(env.optional("A"), None);
        assert_eq!(env.get("A"), Some(""));
        assert_eq!(env.required("B").expect("set"), "b");
        assert_eq!(env.required("A").expect_err("empty").reason, "is required");
    }

    #[test]
    fn parse_errors_quote_the_value_and_name_the_variable() {
        let env = env(&[("PORT", "lots")]);
        let err = env.parse::<u16>("PORT", "80").expect_err("not a number");
        assert_eq!(err.var, "PORT");
        assert!(
            err.to_string()
                .starts_with("invalid configuration: PORT: \"lots\"")
        );
        assert_eq!(env.parse::<u16>("OTHER", "80").expect("default"), 80);
    }

    #[test]
    fn one_of_lists_the_choices() {
        let env = env(&[("MODE", "maybe")]);
        let choices = [("open", true), ("closed", false)];
        let err = env.one_of("MODE", "open", &choices).expect_err("unknown");
        assert_eq!(err.reason, "expected open or closed, got \"maybe\"");
        assert!(env.one_of("UNSET", "open", &choices).expect("default"));
        assert!(ensure(true, "X", "never").is_ok());
        assert_eq!(ensure(false, "X", "must").expect_err("refused").var, "X");
    }
}
