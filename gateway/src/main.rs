//! gateway: read config, start logging, build the application, serve until Ctrl-C / SIGTERM.

use gateway::{Application, config::Config, telemetry};

/// mimalloc instead of the system allocator: every proxied request allocates and frees a few
/// dozen blocks (session, header maps, body buffers), and glibc's malloc/free was about a tenth
/// of the gateway's CPU under load.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[tokio::main]
async fn main() -> std::process::ExitCode {
    let config = match Config::from_env() {
        Ok(config) => config,
        Err(e) => {
            eprintln!("gateway: {e}");
            return std::process::ExitCode::from(2);
        }
    };
    telemetry::init(config.log_json);
    if let Some(warning) = &config.dev_mode_warning {
        tracing::warn!("{warning}");
    }
    tracing::info!(?config, "starting gateway");
    let result = async {
        let app = Application::build(config).await?;
        tracing::info!(listen = %app.local_addr()?, metrics = %app.metrics_addr()?, "listening");
        if let Some(tls) = app.tls_addr() {
            tracing::info!(tls = %tls?, "listening for TLS");
        }
        app.run_until_stopped(shutdown_signal()).await?;
        anyhow::Ok(())
    }
    .await;
    match result {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            tracing::error!(error = ?e, "gateway stopped with an error");
            std::process::ExitCode::FAILURE
        }
    }
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    tokio::select! { _ = ctrl_c => {}, _ = terminate => {} }
    tracing::info!("shutting down");
}
