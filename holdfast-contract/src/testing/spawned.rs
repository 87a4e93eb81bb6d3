//! A service binary under test: its output lines on a channel, waited on with a bound, and
//! the two start-up checks every service runs on it (refusing a placeholder secret, starting
//! in development mode).

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
