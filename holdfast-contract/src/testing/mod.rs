//! Helpers for the tests of the crates that use this one (feature `testing`): fresh secrets
//! that pass the policy and Ed25519 key pairs written to PEM files (here); a child process whose
//! output a test can wait on with a bound (`spawned`); a log sink that keeps what a process
//! logged (`logs`); where the test stores are, a TCP proxy a test can cut, and bounded polling
//! (`stores`); a fresh database per test (`database`); a private Redis Cluster a test can
//! kill a primary of (`cluster`).

mod cluster;
mod database;
mod logs;
mod spawned;
mod stores;

pub use cluster::{ClusterNode, RedisCluster};
pub use database::{create_database, drop_database};
pub use logs::CapturedLogs;
pub use spawned::{Spawned, assert_refuses_placeholder, start_in_dev_mode};
pub use stores::{
    TcpProxy, base_database_url, error_code, eventually, host_port, redis_client, redis_url,
    scan_keys,
};

use std::path::PathBuf;

use base64::{Engine, engine::general_purpose::STANDARD};
use ed25519_dalek::pkcs8::{EncodePrivateKey, EncodePublicKey};
use rand::RngCore;

/// A fresh secret that passes the policy (48 random bytes, base64).
pub fn random_secret() -> String {
    let mut bytes = [0u8; 48];
    rand::rng().fill_bytes(&mut bytes);
    STANDARD.encode(bytes)
}

/// A fresh Ed25519 key pair as (private PKCS#8 PEM, public SPKI PEM), the forms
/// `openssl genpkey -algorithm ed25519` and `openssl pkey -pubout` write.
pub fn generate_ed25519_pem_pair() -> (String, String) {
    let mut seed = [0u8; 32];
    rand::rng().fill_bytes(&mut seed);
    let signing = ed25519_dalek::SigningKey::from_bytes(&seed);
    let private = signing
        .to_pkcs8_der()
        .map(|doc| pem("PRIVATE KEY", doc.as_bytes()))
        .unwrap_or_default();
    let public = signing
        .verifying_key()
        .to_public_key_der()
        .map(|doc| pem("PUBLIC KEY", doc.as_bytes()))
        .unwrap_or_default();
    (private, public)
}

fn pem(label: &str, der: &[u8]) -> String {
    let body = STANDARD.encode(der);
    let lines: Vec<&str> = body
        .as_bytes()
        .chunks(64)
        .filter_map(|c| std::str::from_utf8(c).ok())
        .collect();
    format!(
        "-----BEGIN {label}-----\n{}\n-----END {label}-----\n",
        lines.join("\n")
    )
}

/// A fresh key pair in two PEM files of a private temporary directory, removed on drop.
pub struct KeyPairFiles {
    dir: PathBuf,
    pub private_key_file: PathBuf,
    pub public_key_file: PathBuf,
}

impl KeyPairFiles {
    pub fn generate() -> std::io::Result<Self> {
        let mut name = [0u8; 16];
        rand::rng().fill_bytes(&mut name);
        let suffix: String = name.iter().map(|b| format!("{b:02x}")).collect();
        let dir = std::env::temp_dir().join(format!("holdfast-keys-{suffix}"));
        std::fs::create_dir_all(&dir)?;
        let (private, public) = generate_ed25519_pem_pair();
        let files = KeyPairFiles {
            private_key_file: dir.join("jwt-private.pem"),
            public_key_file: dir.join("jwt-public.pem"),
            dir,
        };
        std::fs::write(&files.private_key_file, private)?;
        std::fs::write(&files.public_key_file, public)?;
        Ok(files)
    }

    pub fn private_path(&self) -> String {
        self.private_key_file.display().to_string()
    }

    pub fn public_path(&self) -> String {
        self.public_key_file.display().to_string()
    }
}

impl Drop for KeyPairFiles {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}
