//! Helpers for the tests of the crates that use this one (feature `testing`): fresh secrets
//! that pass the policy, Ed25519 key pairs written to PEM files, and a child process whose
//! output a test can wait on with a bound, and a log sink that keeps what a process logged.

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

/// How long a service binary under test gets to refuse, or to start.
const START_LIMIT: std::time::Duration = std::time::Duration::from_secs(60);

/// Runs a service binary whose `var` holds a placeholder and asserts that it refuses to
/// start: exit code 2, and a message naming the variable and how to generate a secret.
pub fn assert_refuses_placeholder(command: std::process::Command, var: &str) {
    let (code, printed) = Spawned::start(command)
        .expect("start the binary")
        .exit_within(START_LIMIT);
    assert_eq!(code, Some(2), "{var}: {printed}");
    assert!(printed.contains(var), "{printed}");
    assert!(printed.contains("placeholder"), "{printed}");
    assert!(printed.contains("openssl rand -base64 48"), "{printed}");
}

/// Starts a service binary in development mode with JSON logs and waits for its
/// "listening" line, asserting that the dev-mode warning naming `weak_var` came first.
/// Returns the process (killed on drop) and the address in the line's field `addr_field`.
pub fn start_in_dev_mode(
    command: std::process::Command,
    weak_var: &str,
    addr_field: &str,
) -> (Spawned, String) {
    let mut process = Spawned::start(command).expect("start the binary");
    let mut warned = false;
    let listening = process
        .line_within(START_LIMIT, |line| {
            warned |= line.contains("HOLDFAST_DEV_MODE is on") && line.contains(weak_var);
            line.contains("\"listening\"")
        })
        .expect("the binary logs that it listens");
    assert!(warned, "no dev-mode warning before: {listening}");
    let addr = listening
        .split(&format!("\"{addr_field}\":\""))
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .expect("the listening address")
        .to_owned();
    (process, addr)
}

/// Everything a test process logs, for `telemetry::init_with` (nextest runs each test in a
/// process of its own, so the global subscriber is the test's).
#[derive(Clone, Default)]
pub struct CapturedLogs(std::sync::Arc<std::sync::Mutex<Vec<u8>>>);

impl CapturedLogs {
    pub fn text(&self) -> String {
        let bytes = self.0.lock().map(|b| b.clone()).unwrap_or_default();
        String::from_utf8_lossy(&bytes).into_owned()
    }
}

impl std::io::Write for CapturedLogs {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        if let Ok(mut b) = self.0.lock() {
            b.extend_from_slice(buf);
        }
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl<'a> tracing_subscriber::fmt::MakeWriter<'a> for CapturedLogs {
    type Writer = CapturedLogs;

    fn make_writer(&'a self) -> Self::Writer {
        self.clone()
    }
}
