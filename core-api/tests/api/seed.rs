//! `holdfast-seed` run for real against a fresh database: the demo seed never changes an
//! existing account, and `bootstrap-admin` creates the first admin once. And docker-compose
//! seeds nothing unless `SEED_DEMO=1` is set.

use std::{collections::HashMap, process::Stdio};

use core_api::shared::{domain::Password, storage::users::UserRepo};
use reqwest::StatusCode;
use serde_json::json;
use serde_yaml::Value as Yaml;
use tokio::{io::AsyncWriteExt, process::Command};
use uuid::Uuid;

use crate::helpers::{TestApp, redis_url};

/// Exit status, stdout and stderr of one run of the real seed binary on the app's stores.
async fn seed(
    app: &TestApp,
    args: &[&str],
    env: &[(&str, &str)],
    stdin: Option<&str>,
) -> (i32, String, String) {
    let mut command = Command::new(env!("CARGO_BIN_EXE_holdfast-seed"));
    command
        .args(args)
        .env("DATABASE_URL", &app.stores.database_url)
        .env("REDIS_URL", redis_url())
        .env("CORE_REDIS_KEY_PREFIX", &app.stores.redis_prefix)
        .env_remove("HOLDFAST_ADMIN_EMAIL")
        .env_remove("HOLDFAST_ADMIN_PASSWORD")
        .env_remove("HOLDFAST_ADMIN_NAME")
        .envs(env.iter().copied())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = command.spawn().expect("run holdfast-seed");
    let mut input = child.stdin.take().expect("stdin");
    if let Some(text) = stdin {
        input.write_all(text.as_bytes()).await.expect("write stdin");
    }
    drop(input);
    let out = child.wait_with_output().await.expect("holdfast-seed ran");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// The whole stored row of the account with this e-mail, as JSON text ("" when none).
async fn account(app: &TestApp, email: &str) -> String {
    app.query_strings(&format!(
        "SELECT row_to_json(u)::text FROM users u WHERE email = '{email}'"
    ))
    .await
    .concat()
}

#[tokio::test]
async fn the_demo_seed_leaves_an_existing_account_with_a_demo_email_exactly_as_it_is() {
    let app = TestApp::spawn().await;
    let hash = Password::parse("their-own-password")
        .and_then(|p| p.hash())
        .expect("hash");
    UserRepo::new(app.db.clone())
        .insert("admin@holdfast.dev", &hash, "Someone Else", "USER")
        .await
        .expect("insert the existing account");
    let before = account(&app, "admin@holdfast.dev").await;

    for run in 0..2 {
        let (code, out, err) = seed(&app, &[], &[], None).await;

        assert_eq!(code, 0, "run {run}: {out}\n{err}");
        assert!(
            out.contains("admin@holdfast.dev exists already (role USER): left exactly as it is"),
            "run {run}: {out}"
        );
        assert_eq!(
            account(&app, "admin@holdfast.dev").await,
            before,
            "run {run}: role, password hash and every other column unchanged"
        );
    }
    assert!(account(&app, "admin@holdfast.dev").await.contains(&hash));
    let demo = app
        .query_strings("SELECT role FROM users WHERE email = 'demo@holdfast.dev'")
        .await;
    assert_eq!(demo, ["USER"], "the demo buyer is created, once");
    assert_eq!(
        app.query_count("SELECT count(*) FROM events").await,
        2,
        "idempotent"
    );
    assert_eq!(
        app.query_count("SELECT count(*) FROM resources").await,
        0,
        "no servers in the name of an account that is not an admin"
    );
}

#[tokio::test]
async fn bootstrap_admin_creates_the_first_admin_once_and_never_prints_the_password() {
    let app = TestApp::spawn().await;
    // The test app's own admin goes: a deployment with no admin yet.
    app.query_count("WITH gone AS (DELETE FROM users RETURNING 1) SELECT count(*) FROM gone")
        .await;
    let bootstrap = ["bootstrap-admin"];

    // Bad input: a clear message, exit 2, nothing written.
    for (env, stdin) in [
        (
            vec![("HOLDFAST_ADMIN_PASSWORD", "long-enough-password")],
            None,
        ),
        (vec![("HOLDFAST_ADMIN_EMAIL", "ops@example.com")], None),
        (
            vec![("HOLDFAST_ADMIN_EMAIL", "ops@example.com")],
            Some("short\n"),
        ),
        (
            vec![
                ("HOLDFAST_ADMIN_EMAIL", "not-an-email"),
                ("HOLDFAST_ADMIN_PASSWORD", "long-enough-password"),
            ],
            None,
        ),
    ] {
        let (code, out, err) = seed(&app, &bootstrap, &env, stdin).await;
        assert_eq!(code, 2, "{env:?}: {out}\n{err}");
        assert!(err.contains("bootstrap-admin: "), "{err}");
    }
    // An existing account's e-mail: refused, not promoted.
    UserRepo::new(app.db.clone())
        .insert("taken@example.com", "not-a-hash", "Taken", "USER")
        .await
        .expect("insert");
    let taken = account(&app, "taken@example.com").await;
    let env = [
        ("HOLDFAST_ADMIN_EMAIL", "taken@example.com"),
        ("HOLDFAST_ADMIN_PASSWORD", "long-enough-password"),
    ];
    let (code, _, err) = seed(&app, &bootstrap, &env, None).await;
    assert_eq!(code, 3, "{err}");
    assert!(err.contains("exists already and is not promoted"), "{err}");
    assert_eq!(account(&app, "taken@example.com").await, taken);
    assert_eq!(app.query_count("SELECT count(*) FROM users").await, 1);

    // Two at once, the passwords on stdin: exactly one creates an admin.
    let secrets = ["first-secret-Xq81", "second-secret-Zr55"];
    let stdin = secrets.map(|s| format!("{s}\n"));
    let (a, b) = tokio::join!(
        seed(
            &app,
            &bootstrap,
            &[("HOLDFAST_ADMIN_EMAIL", "First@Example.com")],
            Some(&stdin[0]),
        ),
        seed(
            &app,
            &bootstrap,
            &[("HOLDFAST_ADMIN_EMAIL", "second@example.com")],
            Some(&stdin[1]),
        ),
    );
    let mut codes = [a.0, b.0];
    codes.sort();
    assert_eq!(codes, [0, 3], "{a:?}\n{b:?}");
    for (_, out, err) in [&a, &b] {
        for secret in secrets {
            assert!(!out.contains(secret) && !err.contains(secret), "printed");
        }
    }
    let (winner, secret) = if a.0 == 0 {
        ("first@example.com", secrets[0])
    } else {
        ("second@example.com", secrets[1])
    };
    assert_eq!(
        app.query_strings("SELECT email FROM users WHERE role = 'ADMIN'")
            .await,
        [winner]
    );
    let (status, login) = app
        .call(
            reqwest::Method::POST,
            "/api/v1/auth/login",
            None,
            Some(json!({ "email": winner, "password": secret })),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{login}");

    // Later runs are refused and change nothing.
    let before = app
        .query_strings("SELECT row_to_json(u)::text FROM users u ORDER BY id")
        .await;
    let env = [
        ("HOLDFAST_ADMIN_EMAIL", "third@example.com"),
        ("HOLDFAST_ADMIN_PASSWORD", "third-secret-Kk20"),
    ];
    let (code, out, err) = seed(&app, &bootstrap, &env, None).await;
    assert_eq!(code, 3, "{out}\n{err}");
    assert!(err.contains("an admin account exists already"), "{err}");
    assert!(!out.contains("third-secret") && !err.contains("third-secret"));
    assert_eq!(
        app.query_strings("SELECT row_to_json(u)::text FROM users u ORDER BY id")
            .await,
        before
    );
}

/// Compose's interpolation of `${VAR}`, `${VAR:-default}`, `${VAR-default}`, `${VAR:?message}`
/// and `$$` against `env`.
fn interpolate(text: &str, env: &HashMap<&str, &str>) -> String {
    let mut out = String::new();
    let mut rest = text;
    while let Some(at) = rest.find('$') {
        out.push_str(&rest[..at]);
        rest = &rest[at + 1..];
        if let Some(after) = rest.strip_prefix('$') {
            out.push('$');
            rest = after;
        } else if let Some(inner) = rest.strip_prefix('{') {
            let end = inner.find('}').expect("closed ${...}");
            let expr = &inner[..end];
            rest = &inner[end + 1..];
            let name_end = expr
                .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                .unwrap_or(expr.len());
            let (name, op) = expr.split_at(name_end);
            let value = env.get(name).copied();
            out.push_str(&match op {
                "" => value.unwrap_or("").to_owned(),
                _ if op.starts_with(":-") => value
                    .filter(|v| !v.is_empty())
                    .unwrap_or(&op[2..])
                    .to_owned(),
                _ if op.starts_with('-') => value.unwrap_or(&op[1..]).to_owned(),
                _ if op.starts_with(":?") => value.unwrap_or("set").to_owned(),
                other => panic!("unsupported interpolation {other}"),
            });
        } else {
            out.push('$');
        }
    }
    out.push_str(rest);
    out
}

fn strings(value: &Yaml) -> Vec<String> {
    match value {
        Yaml::String(s) => vec![s.clone()],
        Yaml::Sequence(items) => items.iter().flat_map(strings).collect(),
        _ => Vec::new(),
    }
}

/// Runs the compose file's `migrate` one-shot as its container would (compose's interpolation
/// with `host_env`, the container environment it declares) with `migration` and
/// `holdfast-seed` replaced by scripts that only log their name. Returns what ran.
async fn migrate_service_runs(compose: &Yaml, host_env: &[(&str, &str)]) -> Vec<String> {
    let host: HashMap<&str, &str> = host_env.iter().copied().collect();
    let service = &compose["services"]["migrate"];
    let dir = std::env::temp_dir().join(format!("holdfast-compose-{}", Uuid::new_v4().simple()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let log = dir.join("ran.log");
    for name in ["migration", "holdfast-seed"] {
        let path = dir.join(name);
        std::fs::write(
            &path,
            "#!/bin/sh\necho \"$(basename \"$0\") $*\" >> \"$RAN_LOG\"\n",
        )
        .expect("write stub");
        let mut perms = std::fs::metadata(&path).expect("stub").permissions();
        std::os::unix::fs::PermissionsExt::set_mode(&mut perms, 0o755);
        std::fs::set_permissions(&path, perms).expect("chmod stub");
    }
    let mut command_line: Vec<String> = strings(&service["entrypoint"])
        .into_iter()
        .chain(strings(&service["command"]))
        .map(|part| interpolate(&part, &host))
        .collect();
    assert!(
        command_line.len() >= 2,
        "migrate has an entrypoint and a command"
    );
    let program = command_line.remove(0);
    let mut container_env: HashMap<String, String> = HashMap::new();
    match &service["environment"] {
        Yaml::Mapping(map) => {
            for (k, v) in map {
                let value = match v {
                    Yaml::String(s) => interpolate(s, &host),
                    Yaml::Null => continue,
                    other => serde_yaml::to_string(other)
                        .expect("scalar")
                        .trim()
                        .to_owned(),
                };
                container_env.insert(k.as_str().expect("name").to_owned(), value);
            }
        }
        Yaml::Sequence(items) => {
            for item in items.iter().filter_map(Yaml::as_str) {
                if let Some((k, v)) = item.split_once('=') {
                    container_env.insert(k.to_owned(), interpolate(v, &host));
                }
            }
        }
        _ => {}
    }
    let status = Command::new(program)
        .args(&command_line)
        .env_clear()
        .envs(&container_env)
        .env("PATH", format!("{}:/usr/bin:/bin", dir.display()))
        .env("RAN_LOG", &log)
        .status()
        .await
        .expect("run the migrate command");
    assert!(status.success(), "{command_line:?}");
    let ran = std::fs::read_to_string(&log).unwrap_or_default();
    let _ = std::fs::remove_dir_all(&dir);
    ran.lines().map(str::to_owned).collect()
}

#[tokio::test]
async fn docker_compose_seeds_no_demo_unless_seed_demo_is_1() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../docker-compose.yml");
    let compose: Yaml =
        serde_yaml::from_str(&std::fs::read_to_string(path).expect("read docker-compose.yml"))
            .expect("docker-compose.yml is YAML");

    assert_eq!(migrate_service_runs(&compose, &[]).await, ["migration up"]);
    assert_eq!(
        migrate_service_runs(&compose, &[("SEED_DEMO", "0")]).await,
        ["migration up"]
    );
    assert_eq!(
        migrate_service_runs(&compose, &[("SEED_DEMO", "1")]).await,
        ["migration up", "holdfast-seed "]
    );

    // Nothing else seeds; the first-admin step only runs when asked for (a profile).
    let services = compose["services"].as_mapping().expect("services");
    for (name, service) in services {
        let name = name.as_str().unwrap_or_default();
        let line = strings(&service["entrypoint"])
            .into_iter()
            .chain(strings(&service["command"]))
            .collect::<Vec<_>>()
            .join(" ");
        if line.contains("bootstrap-admin") {
            assert!(
                !strings(&service["profiles"]).is_empty(),
                "{name} runs bootstrap-admin on every `up`"
            );
        } else if name != "migrate" {
            assert!(!line.contains("holdfast-seed"), "{name} seeds: {line}");
        }
    }
    assert!(
        services.iter().any(|(_, s)| strings(&s["command"])
            .iter()
            .any(|c| c.contains("bootstrap-admin"))),
        "an opt-in bootstrap-admin service exists"
    );
}
