//! Reading, defaults and refusals of core-api's configuration.

use holdfast_contract::testing::{KeyPairFiles, random_secret};

use super::*;
use crate::shared::{domain::Role, services::auth::JwtKeys};

fn vars(pairs: &[(&str, &str)]) -> HashMap<String, String> {
    let mut map: HashMap<String, String> = HashMap::new();
    map.insert("CORE_JWT_SECRET".to_owned(), random_secret());
    map.extend(pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())));
    map
}

#[test]
fn defaults_are_valid() {
    let config = Config::from_vars(vars(&[])).expect("defaults load");
    assert_eq!(config.listen_addr.port(), 3000);
    assert_eq!(config.metrics_addr.port(), 9092);
    assert_eq!(config.hold_ttl_ms, 300_000);
    assert_eq!(config.jwt_key.algorithm(), jsonwebtoken::Algorithm::HS256);
    assert!(config.dev_mode_warning.is_none());
}

#[test]
fn a_bad_value_names_its_variable() {
    let err = Config::from_vars(vars(&[("CONFIRM_FAILURE_RATE", "1.5")])).expect_err("refused");
    assert_eq!(err.var, "CONFIRM_FAILURE_RATE");
    let err = Config::from_vars(vars(&[("CORE_HOLD_TTL_MS", "soon")])).expect_err("refused");
    assert_eq!(err.var, "CORE_HOLD_TTL_MS");
    let err = Config::from_vars(vars(&[("CORE_STREAM_MAX_PER_CLIENT", "0")])).expect_err("refused");
    assert_eq!(err.var, "CORE_STREAM_MAX_PER_CLIENT");
}

#[test]
fn auth_limits_are_checked() {
    let config = Config::from_vars(vars(&[])).expect("defaults load");
    assert_eq!(config.auth.login_max_failures, 5);
    let err = Config::from_vars(vars(&[("CORE_LOGIN_BACKOFF_MAX_MS", "10")])).expect_err("refused");
    assert_eq!(err.var, "CORE_LOGIN_BACKOFF_MAX_MS");
    let err = Config::from_vars(vars(&[("CORE_ACCOUNT_CACHE_FALLBACK_TTL_MS", "0")]))
        .expect_err("refused");
    assert_eq!(err.var, "CORE_ACCOUNT_CACHE_FALLBACK_TTL_MS");
}

#[test]
fn a_short_secret_is_refused() {
    let err = Config::from_vars(vars(&[("CORE_JWT_SECRET", "short")])).expect_err("refused");
    assert_eq!(err.var, "CORE_JWT_SECRET");
}

#[test]
fn placeholder_secrets_are_refused_unless_dev_mode_is_on() {
    let placeholder = "change-me-to-another-32-random-bytes-xxxxxxx";
    for var in ["CORE_JWT_SECRET", "CORE_QUEUE_PASS_SECRET"] {
        let err = Config::from_vars(vars(&[(var, placeholder)])).expect_err(var);
        assert_eq!(err.var, var);
        assert!(err.to_string().contains("openssl rand -base64 48"), "{err}");
        let config = Config::from_vars(vars(&[(var, placeholder), ("HOLDFAST_DEV_MODE", "1")]))
            .expect("dev mode accepts it");
        let warning = config.dev_mode_warning.expect("dev mode warns");
        assert!(warning.contains(var), "{warning}");
    }
    let err = Config::from_vars(vars(&[("HOLDFAST_DEV_MODE", "perhaps")])).expect_err("bad");
    assert_eq!(err.var, "HOLDFAST_DEV_MODE");
}

#[test]
fn exactly_one_jwt_key_is_configured() {
    let keys = KeyPairFiles::generate().expect("key files");
    let (private_path, public_path) = (keys.private_path(), keys.public_path());

    let config = Config::from_vars(vars(&[
        ("CORE_JWT_SECRET", ""),
        ("CORE_JWT_PRIVATE_KEY_FILE", &private_path),
    ]))
    .expect("a private key alone is enough");
    assert_eq!(config.jwt_key.algorithm(), jsonwebtoken::Algorithm::EdDSA);
    let both = Config::from_vars(vars(&[("CORE_JWT_PRIVATE_KEY_FILE", &private_path)]))
        .expect_err("secret and key file");
    assert_eq!(both.var, "CORE_JWT_SECRET");
    let neither = Config::from_vars(vars(&[("CORE_JWT_SECRET", "")])).expect_err("none");
    assert_eq!(neither.var, "CORE_JWT_SECRET");
    for wrong in [public_path.as_str(), "/nonexistent/holdfast.pem"] {
        let err = Config::from_vars(vars(&[
            ("CORE_JWT_SECRET", ""),
            ("CORE_JWT_PRIVATE_KEY_FILE", wrong),
        ]))
        .expect_err("not a private key");
        assert_eq!(err.var, "CORE_JWT_PRIVATE_KEY_FILE");
    }
}

#[test]
fn tools_that_sign_nothing_get_a_throwaway_secret() {
    let mut bare = vars(&[]);
    bare.remove("CORE_JWT_SECRET");
    let first = Config::from_vars_signing_nothing(bare.clone()).expect("loads");
    let second = Config::from_vars_signing_nothing(bare).expect("loads");
    assert_eq!(first.jwt_key.algorithm(), jsonwebtoken::Algorithm::HS256);
    let token = JwtKeys::new(&first)
        .issue(uuid::Uuid::new_v4(), Role::User, 0)
        .expect("signs");
    assert!(JwtKeys::new(&first).verify(&token).is_ok());
    assert!(
        JwtKeys::new(&second).verify(&token).is_err(),
        "one secret per run"
    );
    let placeholder = vars(&[(
        "CORE_JWT_SECRET",
        "seed-signs-no-tokens-seed-signs-no-tokens",
    )]);
    let err = Config::from_vars_signing_nothing(placeholder).expect_err("still refused");
    assert_eq!(err.var, "CORE_JWT_SECRET");
}

#[test]
fn debug_output_hides_secrets() {
    let secret = random_secret();
    let config = Config::from_vars(vars(&[("CORE_JWT_SECRET", &secret)])).expect("loads");
    let shown = format!("{config:?}");
    assert!(!shown.contains(&secret));
    assert!(!shown.contains("postgres://"));
}

#[test]
fn a_read_replica_is_off_unless_its_url_is_set_and_its_bounds_are_checked() {
    let config = Config::from_vars(vars(&[])).expect("defaults load");
    assert!(config.read_replica.is_none());
    let config = Config::from_vars(vars(&[(
        "DATABASE_READ_URL",
        "postgres://postgres@127.0.0.1:5433/holdfast",
    )]))
    .expect("a replica loads");
    let replica = config.read_replica.expect("configured");
    assert_eq!((replica.max_lag_ms, replica.lag_check_ms), (5_000, 1_000));
    let err =
        Config::from_vars(vars(&[("DATABASE_READ_URL", "127.0.0.1:5433")])).expect_err("refused");
    assert_eq!(err.var, "DATABASE_READ_URL");
    let err = Config::from_vars(vars(&[
        ("DATABASE_READ_URL", "postgres://127.0.0.1:5433/holdfast"),
        ("DATABASE_READ_MAX_LAG_MS", "500"),
    ]))
    .expect_err("refused");
    assert_eq!(err.var, "DATABASE_READ_MAX_LAG_MS");
    // Checked even without a replica, so a typo is found at once.
    let err =
        Config::from_vars(vars(&[("DATABASE_READ_LAG_CHECK_MS", "often")])).expect_err("refused");
    assert_eq!(err.var, "DATABASE_READ_LAG_CHECK_MS");
}
