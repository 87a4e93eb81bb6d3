//! Talking to one cluster node without a client library: one inline command and its reply,
//! and the lines of `CLUSTER NODES`.

use std::time::Duration;

use tokio::{
    io::{AsyncReadExt, AsyncWriteExt},
    net::TcpStream,
};

/// One line of `CLUSTER NODES`.
#[derive(Clone, Debug)]
pub struct ClusterNode {
    pub id: String,
    pub port: u16,
    pub primary: bool,
    /// Flagged `fail` (or `fail?`) by the node asked.
    pub failing: bool,
    /// The primary's id, for a replica.
    pub replica_of: Option<String>,
    /// Slot ranges served, for a primary.
    pub slots: Vec<(u16, u16)>,
}

/// One inline command to one node; the reply's text (a bulk or simple string), or None when
/// the node cannot be reached or answers with an error, within a second.
pub async fn command(port: u16, line: &str) -> Option<String> {
    let exchange = async {
        let mut stream = TcpStream::connect(("127.0.0.1", port)).await.ok()?;
        stream
            .write_all(format!("{line}\r\n").as_bytes())
            .await
            .ok()?;
        let mut reply = Vec::new();
        let mut buf = [0u8; 16 * 1024];
        loop {
            let n = stream.read(&mut buf).await.ok()?;
            if n == 0 {
                return None;
            }
            reply.extend_from_slice(&buf[..n]);
            if let Some(text) = complete_reply(&reply) {
                return text;
            }
        }
    };
    tokio::time::timeout(Duration::from_secs(1), exchange)
        .await
        .ok()
        .flatten()
}

/// `Some(reply)` once `raw` holds a whole simple string, error or bulk string.
fn complete_reply(raw: &[u8]) -> Option<Option<String>> {
    let end = raw.windows(2).position(|w| w == b"\r\n")?;
    let head = std::str::from_utf8(&raw[..end]).ok()?;
    match head.as_bytes().first()? {
        b'+' => Some(Some(head[1..].to_owned())),
        b'-' => Some(None),
        b'$' => {
            let len: usize = head[1..].parse().ok()?;
            let body = raw.get(end + 2..end + 2 + len)?;
            Some(Some(String::from_utf8_lossy(body).into_owned()))
        }
        _ => Some(None),
    }
}

pub(super) fn parse_node(line: &str) -> Option<ClusterNode> {
    let fields: Vec<&str> = line.split_whitespace().collect();
    let addr = fields.get(1)?;
    let port = addr.split('@').next()?.rsplit(':').next()?.parse().ok()?;
    let flags = fields.get(2)?;
    let primary = flags.split(',').any(|f| f == "master");
    let failing = flags.split(',').any(|f| f == "fail" || f == "fail?");
    let replica_of = fields
        .get(3)
        .filter(|m| **m != "-")
        .map(|m| (*m).to_owned());
    let slots = fields
        .iter()
        .skip(8)
        .filter(|s| !s.starts_with('['))
        .filter_map(|s| match s.split_once('-') {
            Some((a, b)) => Some((a.parse().ok()?, b.parse().ok()?)),
            None => s.parse().ok().map(|a| (a, a)),
        })
        .collect();
    Some(ClusterNode {
        id: (*fields.first()?).to_owned(),
        port,
        primary,
        failing,
        replica_of,
        slots,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cluster_nodes_lines_are_read() {
        let primary = parse_node(
            "50e5 127.0.0.1:42609@52609 myself,master - 0 1796665401294 2 connected 5461-10922 12",
        )
        .expect("primary");
        assert!(primary.primary && !primary.failing);
        assert_eq!(primary.port, 42609);
        assert_eq!(primary.slots, vec![(5461, 10922), (12, 12)]);
        let replica =
            parse_node("c9b3 127.0.0.1:38657@48657 slave,fail 50e5 0 1796665401397 2 connected")
                .expect("replica");
        assert!(!replica.primary && replica.failing);
        assert_eq!(replica.replica_of.as_deref(), Some("50e5"));
    }

    #[test]
    fn replies_are_complete_only_when_whole() {
        assert_eq!(complete_reply(b"+PONG\r\n"), Some(Some("PONG".to_owned())));
        assert_eq!(complete_reply(b"$5\r\nhel"), None);
        assert_eq!(
            complete_reply(b"$5\r\nhello\r\n"),
            Some(Some("hello".to_owned()))
        );
        assert_eq!(complete_reply(b"-ERR no\r\n"), Some(None));
    }
}
