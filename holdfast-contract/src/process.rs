//! What both service binaries do around their application: refuse to start on a bad
//! configuration (exit code 2, the message names the variable), start logging, warn when
//! development mode let a weak secret through, serve until Ctrl-C or SIGTERM, and exit 1 when
//! serving failed.

use std::{fmt::Debug, future::Future, process::ExitCode};

use crate::{env::ConfigError, telemetry};

/// What [`run`] needs to know of a service's configuration.
pub trait ServiceConfig: Debug {
    /// Whether to log JSON lines (instead of human-readable ones), and the warning to log once
    /// logging is up when development mode let a weak secret through.
    fn logging(&self) -> (bool, Option<&str>);
}

/// Runs one service: `serve` builds the application from the configuration and serves until
/// [`shutdown_signal`] (which it is expected to pass on).
pub async fn run<C, F, Fut, E>(service: &str, config: Result<C, ConfigError>, serve: F) -> ExitCode
where
    C: ServiceConfig,
    F: FnOnce(C) -> Fut,
    Fut: Future<Output = Result<(), E>>,
    E: Debug,
{
    let config = match config {
        Ok(config) => config,
        Err(e) => {
            eprintln!("{service}: {e}");
            return ExitCode::from(2);
        }
    };
    let (json, dev_mode_warning) = config.logging();
    telemetry::init(json);
    if let Some(warning) = dev_mode_warning {
        tracing::warn!("{warning}");
    }
    tracing::info!(?config, "starting {service}");
    match serve(config).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            tracing::error!(error = ?e, "{service} stopped with an error");
            ExitCode::FAILURE
        }
    }
}

/// Resolves on Ctrl-C or SIGTERM (what `docker stop` and Kubernetes send).
pub async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! { _ = ctrl_c => {}, _ = terminate => {} }
    tracing::info!("shutting down");
}
