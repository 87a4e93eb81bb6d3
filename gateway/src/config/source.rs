//! Where configuration values come from: the environment map, and an optional TOML file
//! whose keys map onto the same variable names.

use std::collections::HashMap;

use super::{ConfigError, FailMode, error};

/// `upstreams = "a:1,b:2"` in the file is `GATEWAY_UPSTREAMS`; `redis_url` is `REDIS_URL`.
pub(super) fn toml_vars(text: &str) -> Result<HashMap<String, String>, ConfigError> {
    let table: toml::Table = text
        .parse()
        .map_err(|e: toml::de::Error| error("GATEWAY_CONFIG_FILE", e.to_string()))?;
    let mut vars = HashMap::new();
    for (key, value) in table {
        let name = key.to_ascii_uppercase();
        let name = if name == "REDIS_URL" {
            name
        } else {
            format!("GATEWAY_{name}")
        };
        let value = match value {
            toml::Value::String(s) => s,
            toml::Value::Array(items) => items
                .iter()
                .map(|v| v.as_str().map_or_else(|| v.to_string(), str::to_owned))
                .collect::<Vec<_>>()
                .join(","),
            other => other.to_string(),
        };
        vars.insert(name, value);
    }
    Ok(vars)
}

pub(super) struct Env(pub(super) HashMap<String, String>);

impl Env {
    pub(super) fn string(&self, var: &str, default: &str) -> String {
        self.0
            .get(var)
            .filter(|v| !v.is_empty())
            .cloned()
            .unwrap_or_else(|| default.to_owned())
    }

    pub(super) fn required(&self, var: &str) -> Result<String, ConfigError> {
        self.0
            .get(var)
            .filter(|v| !v.is_empty())
            .cloned()
            .ok_or_else(|| error(var, "is required"))
    }

    pub(super) fn parse<T: std::str::FromStr>(
        &self,
        var: &str,
        default: &str,
    ) -> Result<T, ConfigError>
    where
        T::Err: std::fmt::Display,
    {
        let raw = self.string(var, default);
        raw.parse().map_err(|e| error(var, format!("{raw:?}: {e}")))
    }

    pub(super) fn fail_mode(&self, var: &str, default: &str) -> Result<FailMode, ConfigError> {
        match self.string(var, default).as_str() {
            "open" => Ok(FailMode::Open),
            "closed" => Ok(FailMode::Closed),
            other => Err(error(
                var,
                format!("expected open or closed, got {other:?}"),
            )),
        }
    }
}
