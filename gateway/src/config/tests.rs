//! The gateway's settings: defaults, every refusal, and the TOML file.

use std::sync::LazyLock;

use holdfast_contract::testing::{KeyPairFiles, random_secret};

use super::*;

static SECRET: LazyLock<String> = LazyLock::new(random_secret);
static QUEUE_SECRET: LazyLock<String> = LazyLock::new(random_secret);

fn vars(pairs: &[(&str, &str)]) -> HashMap<String, String> {
    let mut map: HashMap<String, String> = [
        ("GATEWAY_JWT_SECRET", SECRET.as_str()),
        ("GATEWAY_QUEUE_PASS_SECRET", QUEUE_SECRET.as_str()),
    ]
    .iter()
    .chain(pairs)
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect();
    map.retain(|_, v| !v.is_empty());
    map
}

#[test]
fn defaults_are_valid() {
    let config = Config::from_vars(vars(&[])).expect("defaults load");
    assert_eq!(config.listen_addr.port(), 8080);
    assert_eq!(config.metrics_addr.port(), 9091);
    assert_eq!(config.upstreams, vec!["127.0.0.1:3000".to_owned()]);
    assert_eq!(config.redis_fail_mode, FailMode::Open);
    assert_eq!(config.redis_fail_mode_queued, FailMode::Closed);
    assert_eq!(config.edge.cache_ttl_ms, 250);
    assert_eq!(config.edge.upstream_max_connections, 128);
}

#[test]
fn a_bad_value_names_its_variable() {
    for (var, value) in [
        ("GATEWAY_UPSTREAMS", "nohost"),
        ("GATEWAY_RATE_PER_IP_PER_SEC", "0"),
        ("GATEWAY_REDIS_FAIL_MODE", "maybe"),
        ("GATEWAY_QUEUE_PASS_SECRET", "short"),
        ("GATEWAY_MAX_BODY_BYTES", "lots"),
        ("GATEWAY_UPSTREAM_MAX_CONNECTIONS", "0"),
        ("GATEWAY_EDGE_CACHE_TTL_MS", "-1"),
        ("GATEWAY_EDGE_CACHE_MAX_ENTRIES", "3"),
        ("GATEWAY_EDGE_CACHE_MAX_BYTES", "1000"),
        ("GATEWAY_EDGE_CACHE_WAIT_MS", "0"),
    ] {
        let err = Config::from_vars(vars(&[(var, value)])).expect_err(var);
        assert_eq!(err.var, var);
    }
    let err = Config::from_vars(vars(&[("GATEWAY_JWT_SECRET", "")])).expect_err("missing");
    assert_eq!(err.var, "GATEWAY_JWT_SECRET");
}

#[test]
fn toml_keys_map_to_variables() {
    let vars = toml_vars(
        "upstreams = [\"a:1\", \"b:2\"]\nrate_per_ip_per_sec = 7\nredis_url = \"redis://x\"\n",
    )
    .expect("parses");
    assert_eq!(vars["GATEWAY_UPSTREAMS"], "a:1,b:2");
    assert_eq!(vars["GATEWAY_RATE_PER_IP_PER_SEC"], "7");
    assert_eq!(vars["REDIS_URL"], "redis://x");
}

#[test]
fn trusted_proxies_and_tls_are_validated() {
    let config = Config::from_vars(vars(&[(
        "GATEWAY_TRUSTED_PROXIES",
        "10.0.0.0/8, 192.168.1.7,::1",
    )]))
    .expect("loads");
    assert_eq!(config.trusted_proxies.len(), 3);
    assert!(config.is_trusted_proxy("10.1.2.3".parse().expect("ip")));
    assert!(config.is_trusted_proxy("192.168.1.7".parse().expect("ip")));
    assert!(!config.is_trusted_proxy("192.168.1.8".parse().expect("ip")));
    assert!(config.tls.is_none());
    for (var, pairs) in [
        (
            "GATEWAY_TRUSTED_PROXIES",
            vec![("GATEWAY_TRUSTED_PROXIES", "10.0.0.0/33")],
        ),
        (
            "GATEWAY_TLS_KEY_FILE",
            vec![
                ("GATEWAY_TLS_LISTEN_ADDR", "0.0.0.0:8443"),
                ("GATEWAY_TLS_CERT_FILE", "/etc/cert.pem"),
            ],
        ),
        (
            "GATEWAY_TLS_LISTEN_ADDR",
            vec![
                ("GATEWAY_TLS_LISTEN_ADDR", "everywhere"),
                ("GATEWAY_TLS_CERT_FILE", "/etc/cert.pem"),
                ("GATEWAY_TLS_KEY_FILE", "/etc/key.pem"),
            ],
        ),
    ] {
        let err = Config::from_vars(vars(&pairs)).expect_err(var);
        assert_eq!(err.var, var);
    }
}

#[test]
fn debug_output_hides_secrets() {
    let config = Config::from_vars(vars(&[])).expect("defaults load");
    assert!(!format!("{config:?}").contains(SECRET.as_str()));
}

#[test]
fn placeholder_secrets_are_refused_unless_dev_mode_is_on() {
    let placeholder = "change-me-to-at-least-32-random-bytes-xxxxxxxx";
    for var in ["GATEWAY_JWT_SECRET", "GATEWAY_QUEUE_PASS_SECRET"] {
        let err = Config::from_vars(vars(&[(var, placeholder)])).expect_err(var);
        assert_eq!(err.var, var);
        assert!(err.reason.contains("openssl rand -base64 48"), "{err}");
        let config = Config::from_vars(vars(&[(var, placeholder), ("HOLDFAST_DEV_MODE", "1")]))
            .expect("dev mode accepts it");
        let warning = config.dev_mode_warning.expect("dev mode warns");
        assert!(warning.contains(var), "{warning}");
    }
}

#[test]
fn exactly_one_jwt_key_is_configured() {
    let keys = KeyPairFiles::generate().expect("key files");
    let (private_path, public_path) = (keys.private_path(), keys.public_path());

    let config = Config::from_vars(vars(&[
        ("GATEWAY_JWT_SECRET", ""),
        ("GATEWAY_JWT_PUBLIC_KEY_FILE", &public_path),
    ]))
    .expect("a public key alone is enough");
    assert_eq!(config.jwt_key.algorithm, jsonwebtoken::Algorithm::EdDSA);
    let both = Config::from_vars(vars(&[("GATEWAY_JWT_PUBLIC_KEY_FILE", &public_path)]))
        .expect_err("secret and key file");
    assert_eq!(both.var, "GATEWAY_JWT_SECRET");
    let err = Config::from_vars(vars(&[
        ("GATEWAY_JWT_SECRET", ""),
        ("GATEWAY_JWT_PUBLIC_KEY_FILE", &private_path),
    ]))
    .expect_err("a private key is not a public key");
    assert_eq!(err.var, "GATEWAY_JWT_PUBLIC_KEY_FILE");
}
