//! Holdfast edge gateway (Pingora): request ids, header hygiene, access-token check, rate
//! limits, duplicate blocking with sequencing, the waiting room, an edge cache for public
//! reads, and a health-checked round-robin proxy to core-api over capped, pooled connections.
//!
//! [`Application`] wires it up on listeners it is given, so tests bind port 0. Connections
//! are accepted here and handed, round robin, to worker threads (see [`Workers`]), each with
//! its own single-threaded event loop and its own Pingora HTTP proxy, which serves them one
//! request at a time; a connection costs no buffers while it waits for its client's next
//! request.

pub mod admission;
pub mod config;
pub mod downstream;
pub mod edge_cache;
pub mod error;
pub mod metrics;
pub mod proxy;
pub mod redis;
pub mod telemetry;
pub mod tls;

use std::{
    future::Future,
    net::SocketAddr,
    os::fd::AsRawFd,
    sync::{
        Arc,
        atomic::{AtomicUsize, Ordering},
    },
    time::Duration,
};

use holdfast_contract::{
    clock::{Clock, SystemClock},
    queue_pass::PassKeys,
};
use pingora::{
    apps::{HttpPersistentSettings, HttpServerApp},
    listeners::tls::Acceptor,
    protocols::{SocketDigest, Stream, http::ServerSession},
    proxy::{HttpProxy, http_proxy},
    server::configuration::ServerConf,
};
use tokio::{
    net::{TcpListener, TcpStream},
    sync::watch,
};

use crate::{
    admission::{
        auth::AccessTokens, dedupe::Dedupe, queue::Queue, rate_limit::RateLimits, ticker::Ticker,
    },
    config::Config,
    downstream::ClientStream,
    edge_cache::EdgeCache,
    metrics::Metrics,
    proxy::{Gateway, upstream::Upstreams},
    redis::Redis,
    tls::TlsListener,
};

pub struct Application {
    listener: TcpListener,
    metrics_listener: TcpListener,
    /// Present when TLS termination is configured (bound on `GATEWAY_TLS_LISTEN_ADDR`).
    tls_listener: Option<TlsListener>,
    gateway: Gateway,
    server_conf: Arc<ServerConf>,
    ticker: Arc<Ticker>,
    upstreams: Arc<Upstreams>,
    limits: Arc<RateLimits>,
    edge_cache: Option<Arc<EdgeCache>>,
    metrics: Arc<Metrics>,
    config: Arc<Config>,
}

impl Application {
    /// Binds the configured addresses and uses the system clock.
    pub async fn build(config: Config) -> anyhow::Result<Self> {
        let listener = TcpListener::bind(config.listen_addr).await?;
        let metrics = TcpListener::bind(config.metrics_addr).await?;
        Self::with_listeners(config, listener, metrics, Arc::new(SystemClock)).await
    }

    pub async fn with_listeners(
        config: Config,
        listener: TcpListener,
        metrics_listener: TcpListener,
        clock: Arc<dyn Clock>,
    ) -> anyhow::Result<Self> {
        let config = Arc::new(config);
        let tls_listener = match &config.tls {
            Some(tls) => Some(TlsListener::bind(tls).await?),
            None => None,
        };
        let metrics = Metrics::new()?;
        let redis = Redis::connect(
            &config.redis_url,
            &config.redis_key_prefix,
            config.redis_timeout(),
        )?;
        let upstreams = Arc::new(Upstreams::new(&config)?);
        upstreams.check_health(&metrics).await;
        let queue = Arc::new(Queue::new(redis.clone(), config.queue_pass_ttl_secs));
        let limits = Arc::new(RateLimits::new(&config));
        let ticker = Arc::new(Ticker {
            queue: queue.clone(),
            clock: clock.clone(),
            instance: config.instance_id.clone(),
            lease_ms: config.queue_lease_ms,
            metrics: metrics.clone(),
        });
        // A first directory load so queued performances are known before the first request;
        // failing here (Redis down) is not fatal, the ticker retries.
        let _ = queue.refresh_directory().await;
        let edge_cache = EdgeCache::new(&config.edge);
        let gateway = Gateway {
            edge_cache: edge_cache.clone(),
            access: AccessTokens::new(&config),
            passes: Arc::new(PassKeys::new(&config.queue_pass_secret)),
            pow: Arc::new(admission::pow::Pow::new(&config.queue_pass_secret)),
            limits: limits.clone(),
            dedupe: Dedupe::new(redis.clone(), config.dedupe_ttl_ms),
            queue,
            upstreams: upstreams.clone(),
            redis,
            clock,
            metrics: metrics.clone(),
            config: config.clone(),
            worker: 0,
        };
        // Room in the keep-alive pool for every connection the per-upstream cap allows, so a
        // connection that served a request is always kept, never closed for lack of space.
        let pool_size = config.edge.upstream_max_connections * config.upstreams.len();
        let server_conf = ServerConf {
            upstream_keepalive_pool_size: pool_size.max(128),
            max_retries: config.upstream_retries.max(1),
            ..Default::default()
        };
        Ok(Application {
            listener,
            metrics_listener,
            tls_listener,
            gateway,
            server_conf: Arc::new(server_conf),
            ticker,
            upstreams,
            limits,
            edge_cache,
            metrics,
            config,
        })
    }

    pub fn local_addr(&self) -> std::io::Result<SocketAddr> {
        self.listener.local_addr()
    }

    pub fn metrics_addr(&self) -> std::io::Result<SocketAddr> {
        self.metrics_listener.local_addr()
    }

    /// The TLS listener's address, when TLS termination is configured.
    pub fn tls_addr(&self) -> Option<std::io::Result<SocketAddr>> {
        self.tls_listener.as_ref().map(|t| t.listener.local_addr())
    }

    /// The admission ticker, so tests can tick by hand (with `GATEWAY_QUEUE_TICK_MS=0`).
    pub fn ticker(&self) -> Arc<Ticker> {
        self.ticker.clone()
    }

    /// Serves until `shutdown` completes.
    pub async fn run_until_stopped(
        self,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> std::io::Result<()> {
        let (stop_tx, stop_rx) = watch::channel(false);
        tokio::spawn(async move {
            shutdown.await;
            let _ = stop_tx.send(true);
        });
        let health_every = Duration::from_millis(self.config.health_check_interval_ms);
        tokio::spawn(self.upstreams.clone().run(
            health_every,
            self.metrics.clone(),
            stop_rx.clone(),
        ));
        if self.config.queue_tick_ms > 0 {
            let every = Duration::from_millis(self.config.queue_tick_ms);
            tokio::spawn(self.ticker.clone().run(every, stop_rx.clone()));
        }
        tokio::spawn(housekeeping(
            self.limits.clone(),
            self.edge_cache.clone(),
            stop_rx.clone(),
        ));
        let mut metrics_stop = stop_rx.clone();
        let metrics = axum::serve(self.metrics_listener, self.metrics.router())
            .with_graceful_shutdown(async move {
                let _ = metrics_stop.wait_for(|s| *s).await;
            });
        tokio::spawn(metrics.into_future());

        let idle = Duration::from_secs(self.config.idle_timeout_secs);
        let workers = Arc::new(Workers::start(
            self.config.workers,
            &self.gateway,
            &self.server_conf,
            &stop_rx,
        )?);
        if let Some(tls) = self.tls_listener {
            let (listener, acceptor) = tls.start(stop_rx.clone());
            tokio::spawn(accept(
                listener,
                workers.clone(),
                Some(acceptor),
                stop_rx.clone(),
                idle,
            ));
        }
        accept(self.listener, workers, None, stop_rx, idle).await;
        Ok(())
    }
}

/// The threads that serve client connections. Each runs its own single-threaded tokio
/// runtime and its own Pingora `HttpProxy`, so its own pool of upstream connections: a
/// connection and everything it does (its upstream exchange, Pingora's idle watch on the pooled
/// upstream connection, the reuse of that connection) stay on one thread, with no wake-ups
/// across threads and no work stealing. That is the nginx worker model, and it is cheaper than
/// one work-stealing runtime for every request: on two cores the multi-threaded runtime spent
/// a visible share of the gateway's CPU on cross-thread wake-ups (reschedule IPIs, futexes),
/// and its shared pool lost the race between Pingora's idle watch releasing a connection and
/// another thread reusing it (`failed to acquire reusable stream`, a new upstream connect).
///
/// Each worker has its own Redis connections for the per-request script (duplicate blocking
/// and sequence), so that round trip does not wake another thread either. The waiting room's
/// Redis client, the admission ticker, health checks and the metrics endpoint stay on the
/// main runtime. The threads end when the stop flag is set (or its sender is dropped).
struct Workers {
    workers: Vec<(tokio::runtime::Handle, Arc<HttpProxy<Gateway>>)>,
    next: AtomicUsize,
}

impl Workers {
    fn start(
        count: usize,
        gateway: &Gateway,
        conf: &Arc<ServerConf>,
        stop: &watch::Receiver<bool>,
    ) -> std::io::Result<Self> {
        let mut workers = Vec::with_capacity(count.max(1));
        for i in 0..count.max(1) {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()?;
            let handle = runtime.handle().clone();
            let mut stop = stop.clone();
            std::thread::Builder::new()
                .name(format!("gateway-worker-{i}"))
                .spawn(move || runtime.block_on(stopped(&mut stop)))?;
            // Its own Redis connections for duplicate blocking, driven by its own event loop.
            let mut gateway = gateway.clone();
            gateway.worker = i;
            {
                let _on_worker = handle.enter();
                let config = &gateway.config;
                let redis = Redis::connect(
                    &config.redis_url,
                    &config.redis_key_prefix,
                    config.redis_timeout(),
                )
                .map_err(std::io::Error::other)?;
                gateway.dedupe = Dedupe::new(redis.clone(), config.dedupe_ttl_ms);
                gateway.redis = redis;
            }
            workers.push((handle, Arc::new(http_proxy(conf, gateway))));
        }
        Ok(Workers {
            workers,
            next: AtomicUsize::new(0),
        })
    }

    /// The next worker, round robin.
    fn next(&self) -> &(tokio::runtime::Handle, Arc<HttpProxy<Gateway>>) {
        let i = self.next.fetch_add(1, Ordering::Relaxed);
        &self.workers[i % self.workers.len()]
    }
}

/// Accepts connections until stopped; each is served on its own task of the next worker, over
/// TLS when an acceptor is given.
async fn accept(
    listener: TcpListener,
    workers: Arc<Workers>,
    tls: Option<Arc<Acceptor>>,
    stop_rx: watch::Receiver<bool>,
    idle: Duration,
) {
    let mut stop = stop_rx.clone();
    loop {
        tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok((tcp, peer)) => {
                    // Moved to the worker's event loop: registered there, served there.
                    let tcp = match tcp.into_std() {
                        Ok(tcp) => tcp,
                        Err(e) => {
                            tracing::debug!(error = %e, "handing a connection to a worker");
                            continue;
                        }
                    };
                    let (runtime, proxy) = workers.next();
                    let (proxy, tls, stop_rx) = (proxy.clone(), tls.clone(), stop_rx.clone());
                    runtime.spawn(async move {
                        match TcpStream::from_std(tcp) {
                            Ok(tcp) => serve(proxy, tcp, peer, tls, stop_rx, idle).await,
                            Err(e) => tracing::debug!(error = %e, "registering a connection"),
                        }
                    });
                }
                Err(e) => {
                    // Out of file descriptors and the like: back off briefly, keep serving.
                    tracing::warn!(error = %e, "accept failed");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                }
            },
            _ = crate::stopped(&mut stop) => return,
        }
    }
}

/// One client connection, served one HTTP/1 request at a time: wait for the client's next
/// byte without any buffer, let Pingora serve that request, repeat while the connection is kept
/// alive and not idle for longer than `idle`.
///
/// Pingora's own `process_new` keeps a kept-alive connection inside its request loop, waiting
/// for the next request with the whole request state allocated (about 25 KiB: the proxy's
/// boxed `process_new_http` future, the session and its header buffer). Calling
/// `process_new_http` once per request instead means that state exists only while a request is
/// in flight; between requests a connection costs its task, its socket and a one-byte peek.
///
/// Over TLS, bytes of the next request may already sit decrypted inside the TLS session, so a
/// socket peek cannot tell; there Pingora waits for the next request itself (with the same
/// idle limit as its keep-alive timeout).
async fn serve(
    proxy: Arc<HttpProxy<Gateway>>,
    tcp: TcpStream,
    peer: SocketAddr,
    tls: Option<Arc<Acceptor>>,
    shutdown: watch::Receiver<bool>,
    idle: Duration,
) {
    let _ = tcp.set_nodelay(true);
    // Not `readable()`: tokio marks an accepted socket readable before any event, so that would
    // return at once. A real one-byte MSG_PEEK waits for data (or end of stream).
    let mut byte = [0u8; 1];
    if !matches!(
        tokio::time::timeout(idle, tcp.peek(&mut byte)).await,
        Ok(Ok(1))
    ) {
        return;
    }
    let digest = SocketDigest::from_raw_fd(tcp.as_raw_fd());
    let _ = digest.peer_addr.set(Some(peer.into()));
    let client = ClientStream::new(tcp, digest);
    let (mut stream, peek_between): (Stream, bool) = match tls {
        None => (Box::new(client), true),
        Some(acceptor) => match tokio::time::timeout(idle, acceptor.tls_handshake(client)).await {
            Ok(Ok(tls)) => (Box::new(tls), false),
            Ok(Err(e)) => {
                tracing::debug!(error = %e, "TLS handshake failed");
                return;
            }
            Err(_) => return,
        },
    };
    let mut settings: Option<HttpPersistentSettings> = None;
    loop {
        // The session is built in its own block so that it is not part of this task's state
        // (a local still in scope at an `.await` keeps its space in the future, moved or not).
        let request = {
            let mut session = ServerSession::new_http1(stream);
            match settings.take() {
                Some(settings) => settings.apply_to_session(&mut session),
                None => session.set_keepalive(Some(idle.as_secs())),
            }
            if *shutdown.borrow() {
                session.set_keepalive(None);
            }
            proxy.process_new_http(session, &shutdown)
        };
        let Some(reused) = request.await else {
            return;
        };
        (stream, settings) = reused.consume();
        if !peek_between {
            continue;
        }
        // Pipelining is off, so nothing of the next request is buffered yet: wait for its
        // first byte on the socket (peeked, not read).
        if !matches!(
            tokio::time::timeout(idle, stream.try_peek(&mut byte)).await,
            Ok(Ok(true))
        ) {
            return;
        }
    }
}

async fn housekeeping(
    limits: Arc<RateLimits>,
    edge_cache: Option<Arc<EdgeCache>>,
    mut stop: watch::Receiver<bool>,
) {
    let mut timer = tokio::time::interval(Duration::from_secs(10));
    loop {
        tokio::select! {
            _ = timer.tick() => {
                limits.housekeeping();
                if let Some(cache) = &edge_cache {
                    cache.purge_expired();
                }
            }
            _ = crate::stopped(&mut stop) => return,
        }
    }
}

/// Resolves once the stop flag is set.
pub(crate) async fn stopped(stop: &mut watch::Receiver<bool>) {
    let _ = stop.wait_for(|s| *s).await;
}
