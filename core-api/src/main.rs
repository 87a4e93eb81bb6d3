//! core-api: read config, start logging, build the application, serve until Ctrl-C / SIGTERM
//! (`holdfast_contract::process`, the same start and stop as the gateway's).
//! `core-api openapi` prints the OpenAPI document instead (no config, no stores).

use core_api::{config::Config, startup::Application};
use holdfast_contract::process::{self, shutdown_signal};

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
    process::run("core-api", Config::from_env(), |config| async {
        let app = Application::build(config).await?;
        tracing::info!(api = %app.local_addr()?, metrics = %app.metrics_addr()?, "listening");
        app.run_until_stopped(shutdown_signal()).await?;
        anyhow::Ok(())
    })
    .await
}
