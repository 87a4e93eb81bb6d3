//! The optional TOML file (`GATEWAY_CONFIG_FILE`), whose keys map onto the variable names
//! the environment uses; the variables are read with `holdfast_contract::env`.

use std::collections::HashMap;

use holdfast_contract::env::ConfigError;

/// `upstreams = "a:1,b:2"` in the file is `GATEWAY_UPSTREAMS`; `redis_url` is `REDIS_URL`.
pub(super) fn toml_vars(text: &str) -> Result<HashMap<String, String>, ConfigError> {
    let table: toml::Table = text
        .parse()
        .map_err(|e: toml::de::Error| ConfigError::new("GATEWAY_CONFIG_FILE", e.to_string()))?;
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
