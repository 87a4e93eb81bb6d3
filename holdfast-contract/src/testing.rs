//! Helpers for the tests of the crates that use this one (feature `testing`): fresh secrets
//! that pass the policy, Ed25519 key pairs written to PEM files, and a child process whose
//! output a test can wait on with a bound.

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

/// A child process under test whose output lines (stdout and stderr) arrive on a channel, so
/// a test waits for a line or for the exit with a bound instead of blocking forever.
/// Dropping it kills the process.
pub struct Spawned {
    child: std::process::Child,
    lines: std::sync::mpsc::Receiver<String>,
}

impl Spawned {
    pub fn start(mut command: std::process::Command) -> std::io::Result<Self> {
        use std::{io::BufRead, process::Stdio};

        let mut child = command
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()?;
        let (tx, lines) = std::sync::mpsc::channel();
        let stdout = child
            .stdout
            .take()
            .map(|s| Box::new(s) as Box<dyn std::io::Read + Send>);
        let stderr = child
            .stderr
            .take()
            .map(|s| Box::new(s) as Box<dyn std::io::Read + Send>);
        for stream in [stdout, stderr].into_iter().flatten() {
            let tx = tx.clone();
            std::thread::spawn(move || {
                for line in std::io::BufReader::new(stream)
                    .lines()
                    .map_while(Result::ok)
                {
                    if tx.send(line).is_err() {
                        break;
                    }
                }
            });
        }
        Ok(Spawned { child, lines })
    }

    /// The first line within `limit` that `wanted` accepts; the lines before it are passed
    /// to `wanted` too and dropped.
    pub fn line_within(
        &mut self,
        limit: std::time::Duration,
        mut wanted: impl FnMut(&str) -> bool,
    ) -> Option<String> {
        let deadline = std::time::Instant::now() + limit;
        loop {
            let left = deadline.checked_duration_since(std::time::Instant::now())?;
            match self.lines.recv_timeout(left) {
                Ok(line) if wanted(&line) => return Some(line),
                Ok(_) => {}
                Err(_) => return None,
            }
        }
    }

    /// Waits up to `limit` for the process to close its output and exit. Returns its exit
    /// code (`None` when it had to be killed, or died of a signal) and everything it printed.
    pub fn exit_within(mut self, limit: std::time::Duration) -> (Option<i32>, String) {
        let deadline = std::time::Instant::now() + limit;
        let mut printed = String::new();
        let mut closed = false;
        while let Some(left) = deadline.checked_duration_since(std::time::Instant::now()) {
            match self.lines.recv_timeout(left) {
                Ok(line) => {
                    printed.push_str(&line);
                    printed.push('\n');
                }
                Err(std::sync::mpsc::RecvTimeoutError::Disconnected) => {
                    closed = true;
                    break;
                }
                Err(std::sync::mpsc::RecvTimeoutError::Timeout) => break,
            }
        }
        if !closed {
            let _ = self.child.kill();
            let _ = self.child.wait();
            return (None, printed);
        }
        let code = self.child.wait().ok().and_then(|status| status.code());
        (code, printed)
    }
}

impl Drop for Spawned {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
