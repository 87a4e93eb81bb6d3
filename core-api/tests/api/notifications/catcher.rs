//! Real receivers for notification tests: an SMTP server (`aiosmtpd`, from PyPI) run as a
//! child process that writes each message it accepts as JSON into a directory, and a webhook
//! receiver (axum on port 0) that keeps every body it is sent.

use std::{
    path::PathBuf,
    process::Stdio,
    sync::{Arc, Mutex},
    time::Duration,
};

use serde_json::Value;
use tokio::{
    io::{AsyncBufReadExt, BufReader},
    process::{Child, Command},
};

/// The SMTP server: decodes each message with Python's `email` package and writes
/// `{to, subject, body, messageId}` (atomically: temp file, then rename).
const SERVER: &str = r#"
import email, json, os, sys, threading, uuid
from email import policy
from aiosmtpd.controller import Controller
out, port = sys.argv[1], int(sys.argv[2])
class Keep:
    async def handle_DATA(self, server, session, envelope):
        m = email.message_from_bytes(envelope.content, policy=policy.default)
        body = m.get_body(preferencelist=("plain",)).get_content()
        name = uuid.uuid4().hex
        tmp = os.path.join(out, "." + name)
        with open(tmp, "w") as f:
            json.dump({"to": envelope.rcpt_tos, "subject": str(m["subject"]), "body": body,
                       "messageId": str(m["message-id"])}, f)
        os.rename(tmp, os.path.join(out, name + ".json"))
        return "250 OK"
Controller(Keep(), hostname="127.0.0.1", port=port).start()
print("ready", flush=True)
threading.Event().wait()
"#;

/// The Python that has `aiosmtpd`: HOLDFAST_AIOSMTPD_PYTHON, else the venv scripts/test makes.
fn python() -> PathBuf {
    if let Ok(path) = std::env::var("HOLDFAST_AIOSMTPD_PYTHON") {
        return PathBuf::from(path);
    }
    let venv = PathBuf::from(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../.run/aiosmtpd-venv/bin/python"
    ));
    assert!(
        venv.exists(),
        "aiosmtpd is needed: run scripts/test (it installs it into .run/aiosmtpd-venv) or set HOLDFAST_AIOSMTPD_PYTHON"
    );
    venv
}

/// A port nothing listens on right now.
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

/// A running SMTP server; stopped when dropped.
pub struct MailCatcher {
    pub port: u16,
    dir: PathBuf,
    _child: Child,
}

impl MailCatcher {
    pub async fn start(port: u16) -> Self {
        let dir =
            std::env::temp_dir().join(format!("holdfast-mail-{}", uuid::Uuid::new_v4().simple()));
        std::fs::create_dir_all(&dir).expect("mail dir");
        let mut child = Command::new(python())
            .args([
                "-c",
                SERVER,
                dir.to_str().expect("utf-8 path"),
                &port.to_string(),
            ])
            .stdout(Stdio::piped())
            .kill_on_drop(true)
            .spawn()
            .expect("aiosmtpd starts");
        let stdout = child.stdout.take().expect("stdout");
        let mut lines = BufReader::new(stdout).lines();
        let ready = tokio::time::timeout(Duration::from_secs(20), lines.next_line()).await;
        assert!(
            matches!(ready, Ok(Ok(Some(ref line))) if line == "ready"),
            "aiosmtpd did not start: {ready:?}"
        );
        MailCatcher {
            port,
            dir,
            _child: child,
        }
    }

    /// Every message received so far.
    pub fn messages(&self) -> Vec<Value> {
        let Ok(entries) = std::fs::read_dir(&self.dir) else {
            return Vec::new();
        };
        entries
            .filter_map(|e| e.ok())
            .filter(|e| e.file_name().to_string_lossy().ends_with(".json"))
            .filter_map(|e| std::fs::read_to_string(e.path()).ok())
            .filter_map(|text| serde_json::from_str(&text).ok())
            .collect()
    }
}

impl Drop for MailCatcher {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// An HTTP server on port 0 keeping every JSON body POSTed to it.
pub struct HookReceiver {
    pub url: String,
    bodies: Arc<Mutex<Vec<Value>>>,
    server: tokio::task::JoinHandle<()>,
}

impl HookReceiver {
    pub async fn start() -> Self {
        let bodies: Arc<Mutex<Vec<Value>>> = Arc::default();
        let kept = bodies.clone();
        let app = axum::Router::new().route(
            "/hook",
            axum::routing::post(move |axum::Json(body): axum::Json<Value>| {
                let kept = kept.clone();
                async move {
                    kept.lock().expect("lock").push(body);
                    "ok"
                }
            }),
        );
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let url = format!("http://{}/hook", listener.local_addr().expect("addr"));
        let server = tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        HookReceiver {
            url,
            bodies,
            server,
        }
    }

    pub fn bodies(&self) -> Vec<Value> {
        self.bodies.lock().expect("lock").clone()
    }
}

impl Drop for HookReceiver {
    fn drop(&mut self) {
        self.server.abort();
    }
}
