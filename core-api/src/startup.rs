//! Wiring: connect to the stores, build the services and routers, bind the listeners.
//!
//! Listeners are passed in so tests can bind port 0 and learn the real port.

use std::{future::Future, net::SocketAddr, sync::Arc};

use holdfast_contract::clock::{Clock, SystemClock};
use tokio::{net::TcpListener, sync::watch};

use crate::{
    app::Services,
    config::Config,
    http,
    storage::{
        Connections, db,
        reads::ReadDb,
        redis::Redis,
        replica::{LagMonitor, Replica},
    },
};

/// Shared by every request.
#[derive(Clone)]
pub struct AppState {
    pub(crate) config: Arc<Config>,
    /// For the readiness check only; everything else goes through `services`.
    pub(crate) connections: Connections,
    /// Behind an `Arc`: axum clones the state for every request that extracts it, and a
    /// deep clone of every service (their JWT validations hold hash sets) cost more CPU than
    /// a contested hold.
    pub services: Arc<Services>,
}

impl AppState {
    pub async fn connect(config: Config, clock: Arc<dyn Clock>) -> anyhow::Result<Self> {
        let config = Arc::new(config);
        let timeout = config.dependency_timeout();
        let db = db::connect(&config.database_url, config.db_max_connections, timeout).await?;
        let redis = Redis::connect(&config.redis_url, &config.redis_key_prefix, timeout)?;
        // Catalog and seat-layout reads go to the read replica when one is configured.
        let replica = match &config.read_replica {
            Some(settings) => {
                let replica =
                    Replica::connect(settings, config.db_max_connections, timeout).await?;
                let monitor =
                    LagMonitor::connect(replica.clone(), &config.database_url, settings, timeout)
                        .await?;
                Some((replica, monitor))
            }
            None => None,
        };
        let reads = ReadDb::new(db.clone(), replica.as_ref().map(|(r, _)| r.clone()));
        let services = Arc::new(Services::new(
            config.clone(),
            (db.clone(), reads),
            redis.clone(),
            clock,
        )?);
        Ok(AppState {
            config,
            connections: Connections::new(db, redis, replica),
            services,
        })
    }
}

pub struct Application {
    api_listener: TcpListener,
    metrics_listener: TcpListener,
    state: AppState,
}

impl Application {
    /// Binds the configured addresses.
    pub async fn build(config: Config) -> anyhow::Result<Self> {
        let api = TcpListener::bind(config.listen_addr).await?;
        let metrics = TcpListener::bind(config.metrics_addr).await?;
        Self::with_listeners(config, api, metrics).await
    }

    pub async fn with_listeners(
        config: Config,
        api_listener: TcpListener,
        metrics_listener: TcpListener,
    ) -> anyhow::Result<Self> {
        Self::with_clock(
            config,
            api_listener,
            metrics_listener,
            Arc::new(SystemClock),
        )
        .await
    }

    /// Like [`Self::with_listeners`], reading the time of day from `clock`.
    pub(crate) async fn with_clock(
        config: Config,
        api_listener: TcpListener,
        metrics_listener: TcpListener,
        clock: Arc<dyn Clock>,
    ) -> anyhow::Result<Self> {
        crate::metrics::handle();
        let state = AppState::connect(config, clock).await?;
        Ok(Application {
            api_listener,
            metrics_listener,
            state,
        })
    }

    pub fn local_addr(&self) -> std::io::Result<SocketAddr> {
        self.api_listener.local_addr()
    }

    pub fn metrics_addr(&self) -> std::io::Result<SocketAddr> {
        self.metrics_listener.local_addr()
    }

    pub fn state(&self) -> &AppState {
        &self.state
    }

    /// Serves until `shutdown` completes, then drains in-flight requests.
    pub async fn run_until_stopped(
        self,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> std::io::Result<()> {
        // Waiting room: keep Redis's copy of queue settings and sold-out flags in step.
        let queue_sync = tokio::spawn(
            self.state
                .services
                .queue
                .clone()
                .run_sync(std::time::Duration::from_secs(2)),
        );
        let (stop_tx, stop_rx) = watch::channel(false);
        tokio::spawn(async move {
            shutdown.await;
            let _ = stop_tx.send(true);
        });
        let sweep_every = std::time::Duration::from_millis(self.state.config.sweep_interval_ms);
        let sweeper = self
            .state
            .services
            .sweeper
            .clone()
            .spawn(sweep_every, stop_rx.clone());
        // Cancellation jobs: those left RUNNING by a stopped instance resume here.
        let jobs = self
            .state
            .services
            .cancellations
            .clone()
            .spawn(stop_rx.clone());
        // The read replica's lag, measured while the server runs.
        let lag_monitor = self
            .state
            .connections
            .lag_monitor()
            .map(|monitor| monitor.spawn(stop_rx.clone()));
        // Account changes made on other instances drop this instance's cached accounts.
        let sessions = self
            .state
            .services
            .auth
            .sessions
            .spawn_listener(stop_rx.clone());
        // Booking changes from every instance, for the live booking stream.
        let live = self.state.services.live.spawn(stop_rx.clone());
        // Notifications of both products: drains the outbox while the service runs.
        let notifier = self.state.services.notifier.spawn(stop_rx.clone());
        // Google Calendar push: drains the outbox while the service runs.
        let google = self
            .state
            .services
            .google
            .clone()
            .map(|sync| tokio::spawn(sync.run(stop_rx.clone())));
        let stopped = |mut rx: watch::Receiver<bool>| async move {
            let _ = rx.wait_for(|stop| *stop).await;
        };
        // The peer address is the stream limits' client identity when no gateway forwards one.
        let api = axum::serve(
            self.api_listener,
            http::router(self.state).into_make_service_with_connect_info::<SocketAddr>(),
        )
        .with_graceful_shutdown(stopped(stop_rx.clone()));
        let metrics = axum::serve(self.metrics_listener, crate::metrics::router())
            .with_graceful_shutdown(stopped(stop_rx));
        let served = tokio::try_join!(api.into_future(), metrics.into_future()).map(|_| ());
        queue_sync.abort();
        let _ = sweeper.await;
        let _ = sessions.await;
        let _ = live.await;
        let _ = notifier.await;
        let _ = jobs.await;
        if let Some(lag_monitor) = lag_monitor {
            let _ = lag_monitor.await;
        }
        if let Some(google) = google {
            let _ = google.await;
        }
        served
    }
}
