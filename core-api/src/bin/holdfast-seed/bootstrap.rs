//! `holdfast-seed bootstrap-admin`: the first ADMIN account of a deployment, created once.
//!
//! Reads `HOLDFAST_ADMIN_EMAIL`, `HOLDFAST_ADMIN_NAME` (default "Administrator") and the
//! password from `HOLDFAST_ADMIN_PASSWORD` or, when that is unset or empty, the first line of
//! standard input (never from a terminal, where it would be echoed). Creates the account only
//! while no ADMIN exists and the e-mail is free; never changes an existing account and never
//! prints the password.

use std::{
    io::{BufRead, IsTerminal},
    process::ExitCode,
    time::Duration,
};

use core_api::{
    shared::{
        domain::{Email, Password},
        storage::users::{FirstAdmin, UserRepo},
    },
    storage::db,
};

use crate::{EXIT_REFUSED, EXIT_USAGE};

pub async fn run() -> anyhow::Result<ExitCode> {
    let (email, password, name) = match input() {
        Ok(input) => input,
        Err(message) => {
            eprintln!("bootstrap-admin: {message}");
            return Ok(ExitCode::from(EXIT_USAGE));
        }
    };
    let config = crate::config()?;
    let db = db::connect(&config.database_url, 2, Duration::from_secs(10)).await?;
    let hash = tokio::task::spawn_blocking(move || password.hash()).await??;
    let users = UserRepo::new(db);
    match users
        .insert_first_admin(email.as_str(), &hash, &name)
        .await?
    {
        FirstAdmin::Created(user) => {
            println!(
                "bootstrap-admin: created the first admin {} (id {})",
                user.email, user.id
            );
            Ok(ExitCode::SUCCESS)
        }
        FirstAdmin::AdminExists => {
            eprintln!(
                "bootstrap-admin: refused: an admin account exists already; nothing was changed \
                 (admins manage further accounts)"
            );
            Ok(ExitCode::from(EXIT_REFUSED))
        }
        FirstAdmin::EmailTaken => {
            eprintln!(
                "bootstrap-admin: refused: an account with the e-mail {} exists already and is \
                 not promoted; choose another e-mail. Nothing was changed",
                email.as_str()
            );
            Ok(ExitCode::from(EXIT_REFUSED))
        }
    }
}

/// E-mail, password and name, validated; the error says what to fix (never the password).
fn input() -> Result<(Email, Password, String), String> {
    let var = |name: &str| std::env::var(name).ok().filter(|v| !v.trim().is_empty());
    let raw_email = var("HOLDFAST_ADMIN_EMAIL").ok_or("set HOLDFAST_ADMIN_EMAIL")?;
    let email = Email::parse("HOLDFAST_ADMIN_EMAIL", &raw_email)
        .map_err(|_| format!("HOLDFAST_ADMIN_EMAIL '{raw_email}' is not an e-mail address"))?;
    let raw_password = match std::env::var("HOLDFAST_ADMIN_PASSWORD") {
        Ok(p) if !p.is_empty() => p,
        _ => password_from_stdin()?,
    };
    let password = Password::parse(&raw_password)
        .map_err(|_| "the password must be 8 to 128 characters".to_owned())?;
    let name = var("HOLDFAST_ADMIN_NAME").unwrap_or_else(|| "Administrator".to_owned());
    let name = name.trim().to_owned();
    if name.chars().count() > 100 {
        return Err("HOLDFAST_ADMIN_NAME must be 1 to 100 characters".to_owned());
    }
    Ok((email, password, name))
}

fn password_from_stdin() -> Result<String, String> {
    let stdin = std::io::stdin();
    if stdin.is_terminal() {
        return Err(
            "set HOLDFAST_ADMIN_PASSWORD or pipe the password on standard input \
             (it is not read from a terminal, where it would be shown)"
                .to_owned(),
        );
    }
    let mut line = String::new();
    stdin
        .lock()
        .read_line(&mut line)
        .map_err(|e| format!("reading the password from standard input: {e}"))?;
    let password = line.trim_end_matches(['\r', '\n']).to_owned();
    if password.is_empty() {
        return Err(
            "no password: set HOLDFAST_ADMIN_PASSWORD or pipe it on standard input".to_owned(),
        );
    }
    Ok(password)
}
