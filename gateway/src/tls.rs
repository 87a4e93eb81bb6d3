//! Optional TLS termination (rustls) on a listener of its own next to the plain one.
//!
//! The certificate chain and private key come from PEM files. A watcher reads both files every
//! second and, when their bytes change and the pair is valid (the key matches the
//! certificate), swaps the new pair in: new handshakes get it at once, open connections keep
//! the one they started with, nothing restarts. A pair that does not load (half written,
//! mismatched) is logged once and the previous certificate stays in use.

use std::{
    fmt,
    path::PathBuf,
    sync::{Arc, RwLock},
    time::Duration,
};

use pingora::listeners::tls::Acceptor;
use rustls::{
    ServerConfig,
    crypto::{CryptoProvider, ring},
    pki_types::{CertificateDer, PrivateKeyDer, pem::PemObject},
    server::{ClientHello, ResolvesServerCert},
    sign::CertifiedKey,
    version::{TLS12, TLS13},
};
use tokio::sync::watch;

use crate::config::{ConfigError, TlsConfig};

/// How often the certificate files are read for changes.
pub const RELOAD_EVERY: Duration = Duration::from_secs(1);

/// The certificate in use, swapped by the watcher; rustls asks it on every handshake.
pub struct Certificates {
    config: TlsConfig,
    provider: Arc<CryptoProvider>,
    current: RwLock<Arc<CertifiedKey>>,
}

impl fmt::Debug for Certificates {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Certificates")
            .field("cert_file", &self.config.cert_file)
            .field("key_file", &self.config.key_file)
            .finish_non_exhaustive()
    }
}

impl ResolvesServerCert for Certificates {
    fn resolve(&self, _hello: ClientHello<'_>) -> Option<Arc<CertifiedKey>> {
        self.current.read().ok().map(|key| key.clone())
    }
}

/// The files' bytes as last read, so an unchanged pair is not parsed again.
type Seen = (Vec<u8>, Vec<u8>);

impl Certificates {
    /// Loads the pair once; a missing or invalid file refuses the start and names its variable.
    pub fn load(config: &TlsConfig) -> Result<(Arc<Self>, Seen), ConfigError> {
        let provider = Arc::new(ring::default_provider());
        let read = |var: &'static str, path: &PathBuf| {
            std::fs::read(path)
                .map_err(|e| ConfigError::new(var, format!("{}: {e}", path.display())))
        };
        let seen = (
            read("GATEWAY_TLS_CERT_FILE", &config.cert_file)?,
            read("GATEWAY_TLS_KEY_FILE", &config.key_file)?,
        );
        let key = certified_key(&seen.0, &seen.1, &provider)?;
        let certificates = Arc::new(Certificates {
            config: config.clone(),
            provider,
            current: RwLock::new(Arc::new(key)),
        });
        Ok((certificates, seen))
    }

    /// The acceptor for the TLS listener: TLS 1.2 and 1.3, HTTP/1.1, our certificates.
    pub fn acceptor(self: &Arc<Self>) -> Result<Acceptor, ConfigError> {
        let mut config = ServerConfig::builder_with_provider(self.provider.clone())
            .with_protocol_versions(&[&TLS13, &TLS12])
            .map_err(|e| ConfigError::new("GATEWAY_TLS_CERT_FILE", e.to_string()))?
            .with_no_client_auth()
            .with_cert_resolver(self.clone());
        config.alpn_protocols = vec![b"http/1.1".to_vec()];
        Ok(Acceptor::from_server_config(Arc::new(config)))
    }

    /// Reads the files every [`RELOAD_EVERY`] and swaps in a changed, valid pair.
    pub async fn watch(self: Arc<Self>, mut seen: Seen, mut stop: watch::Receiver<bool>) {
        let mut timer = tokio::time::interval(RELOAD_EVERY);
        timer.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tokio::select! {
                _ = timer.tick() => self.reload_if_changed(&mut seen).await,
                _ = crate::stopped(&mut stop) => return,
            }
        }
    }

    async fn reload_if_changed(&self, seen: &mut Seen) {
        let files = (
            tokio::fs::read(&self.config.cert_file).await,
            tokio::fs::read(&self.config.key_file).await,
        );
        let (Ok(cert), Ok(key)) = files else {
            // Mid-replacement (removed, then written) or gone: keep serving the current pair.
            return;
        };
        if (cert.as_slice(), key.as_slice()) == (seen.0.as_slice(), seen.1.as_slice()) {
            return;
        }
        match certified_key(&cert, &key, &self.provider) {
            Ok(loaded) => {
                if let Ok(mut current) = self.current.write() {
                    *current = Arc::new(loaded);
                }
                tracing::info!(cert_file = %self.config.cert_file.display(), "TLS certificate reloaded");
            }
            Err(e) => {
                tracing::warn!(error = %e, "TLS certificate files changed but do not load; the previous certificate stays in use");
            }
        }
        *seen = (cert, key);
    }
}

/// A certificate chain and its private key from PEM, checked to belong together.
fn certified_key(
    cert_pem: &[u8],
    key_pem: &[u8],
    provider: &CryptoProvider,
) -> Result<CertifiedKey, ConfigError> {
    let chain = CertificateDer::pem_slice_iter(cert_pem)
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| {
            ConfigError::new(
                "GATEWAY_TLS_CERT_FILE",
                format!("not a PEM certificate: {e}"),
            )
        })?;
    if chain.is_empty() {
        return Err(ConfigError::new(
            "GATEWAY_TLS_CERT_FILE",
            "holds no certificate",
        ));
    }
    let key = PrivateKeyDer::from_pem_slice(key_pem).map_err(|e| {
        ConfigError::new(
            "GATEWAY_TLS_KEY_FILE",
            format!("not a PEM private key: {e}"),
        )
    })?;
    CertifiedKey::from_der(chain, key, provider).map_err(|e| {
        ConfigError::new(
            "GATEWAY_TLS_KEY_FILE",
            format!("does not fit the certificate: {e}"),
        )
    })
}

/// The bound TLS listener with its acceptor and certificate store.
pub struct TlsListener {
    pub listener: tokio::net::TcpListener,
    pub acceptor: Arc<Acceptor>,
    certificates: Arc<Certificates>,
    seen: Seen,
}

impl TlsListener {
    /// Loads the certificate (refusing to start when it does not load) and binds.
    pub async fn bind(config: &TlsConfig) -> anyhow::Result<Self> {
        let (certificates, seen) = Certificates::load(config)?;
        let acceptor = Arc::new(certificates.acceptor()?);
        let listener = tokio::net::TcpListener::bind(config.listen_addr)
            .await
            .map_err(|e| ConfigError::new("GATEWAY_TLS_LISTEN_ADDR", e.to_string()))?;
        Ok(TlsListener {
            listener,
            acceptor,
            certificates,
            seen,
        })
    }

    /// Starts the certificate watcher; returns what the accept loop needs.
    pub fn start(self, stop: watch::Receiver<bool>) -> (tokio::net::TcpListener, Arc<Acceptor>) {
        tokio::spawn(self.certificates.watch(self.seen, stop));
        (self.listener, self.acceptor)
    }
}
