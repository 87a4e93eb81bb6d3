//! gateway: read config, start logging, build the application, serve until Ctrl-C / SIGTERM
//! (`holdfast_contract::process`, the same start and stop as core-api's).

use gateway::{Application, config::Config};
use holdfast_contract::process::{self, shutdown_signal};

/// mimalloc instead of the system allocator: every proxied request allocates and frees a few
/// dozen blocks (session, header maps, body buffers), and glibc's malloc/free was about a tenth
/// of the gateway's CPU under load.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[tokio::main]
async fn main() -> std::process::ExitCode {
    process::run("gateway", Config::from_env(), |config| async {
        let app = Application::build(config).await?;
        tracing::info!(listen = %app.local_addr()?, metrics = %app.metrics_addr()?, "listening");
        if let Some(tls) = app.tls_addr() {
            tracing::info!(tls = %tls?, "listening for TLS");
        }
        app.run_until_stopped(shutdown_signal()).await?;
        anyhow::Ok(())
    })
    .await
}
