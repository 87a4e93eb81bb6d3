//! core-api: read config, start logging, build the application, serve until Ctrl-C / SIGTERM.
//! `core-api openapi` prints the OpenAPI document instead (no config, no stores).

use core_api::{config::Config, startup::Application, telemetry};

/// mimalloc instead of the system allocator: glibc keeps freed large blocks (argon2's 19 MiB
/// per password hash, seat-map JSON) in per-thread arenas, so RSS only ever grew under load.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[tokio::main]
async fn main() -> std::process::ExitCode {
    if std::env::args().nth(1).as_deref() == Some("openapi") {
        println!("{}", core_api::http::openapi_json_pretty());
        return std::process::ExitCode::SUCCESS;
    }
    let config = match Config::from_env() {
        Ok(config) => config,
        Err(e) => {
            eprintln!("core-api: {e}");
            return std::process::ExitCode::from(2);
        }
    };
    telemetry::init(config.log_json);
    if let Some(warning) = &config.dev_mode_warning {
        tracing::warn!("{warning}");
    }
    tracing::info!(?config, "starting core-api");
    let result = async {
        let app = Application::build(config).await?;
        tracing::info!(api = %app.local_addr()?, metrics = %app.metrics_addr()?, "listening");
        app.run_until_stopped(shutdown_signal()).await?;
        anyhow::Ok(())
    }
    .await;
    match result {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            tracing::error!(error = ?e, "core-api stopped with an error");
            std::process::ExitCode::FAILURE
        }
    }
}

async fn shutdown_signal() {
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
