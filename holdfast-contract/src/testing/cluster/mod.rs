//! A private Redis Cluster for one test: six cluster-enabled `redis-server` processes (three
//! primaries, three replicas) on free ports, joined with `redis-cli --cluster create`, killed
//! when dropped. A test can kill a primary for real and watch its replica take over.

use std::{
    path::PathBuf,
    process::{Child, Command, Stdio},
    time::Duration,
};

use super::stores::eventually;

mod wire;

use wire::parse_node;
pub use wire::{ClusterNode, command};

/// How long a node may be unreachable before the others fail it over. Short, so a test's
/// failover takes a second or two, as in `scripts/lib.sh`'s local cluster.
pub const NODE_TIMEOUT_MS: u64 = 1_000;

struct Node {
    port: u16,
    child: Option<Child>,
}

pub struct RedisCluster {
    dir: PathBuf,
    nodes: Vec<Node>,
}

impl RedisCluster {
    /// Starts the nodes and creates the cluster; returns once every node says
    /// `cluster_state:ok` and knows the other five. Panics with the reason when it cannot.
    pub async fn start() -> Self {
        let dir = std::env::temp_dir().join(format!("holdfast-cluster-{}", uuid::Uuid::new_v4()));
        std::fs::create_dir_all(&dir).expect("create the cluster's directory");
        let mut cluster = RedisCluster {
            dir,
            nodes: Vec::new(),
        };
        while cluster.nodes.len() < 6 {
            let node = cluster.start_node().await;
            cluster.nodes.push(node);
        }
        let addrs: Vec<String> = cluster
            .ports()
            .iter()
            .map(|p| format!("127.0.0.1:{p}"))
            .collect();
        let created = tokio::task::spawn_blocking(move || {
            Command::new("redis-cli")
                .arg("--cluster")
                .arg("create")
                .args(&addrs)
                .args(["--cluster-replicas", "1", "--cluster-yes"])
                .stdin(Stdio::null())
                .output()
        })
        .await
        .expect("join")
        .expect("run redis-cli (is it installed?)");
        assert!(
            created.status.success(),
            "redis-cli --cluster create failed: {}",
            String::from_utf8_lossy(&created.stdout)
        );
        let ports = cluster.ports();
        let ready = eventually(Duration::from_secs(30), || async {
            for port in &ports {
                let Some(info) = command(*port, "CLUSTER INFO").await else {
                    return false;
                };
                if !info.contains("cluster_state:ok") || !info.contains("cluster_known_nodes:6") {
                    return false;
                }
            }
            true
        })
        .await;
        assert!(
            ready,
            "the cluster did not reach cluster_state:ok within 30 s"
        );
        cluster
    }

    async fn start_node(&self) -> Node {
        for _ in 0..10 {
            let port = free_port_pair();
            let log = std::fs::File::create(self.dir.join(format!("redis-{port}.log")))
                .expect("create a node log");
            let mut child = Command::new("redis-server")
                .args(["--bind", "127.0.0.1", "--port", &port.to_string()])
                .args(["--cluster-enabled", "yes"])
                .arg("--cluster-config-file")
                .arg(self.dir.join(format!("nodes-{port}.conf")))
                .args(["--cluster-node-timeout", &NODE_TIMEOUT_MS.to_string()])
                .args(["--save", "", "--appendonly", "no"])
                .arg("--dir")
                .arg(&self.dir)
                .stdin(Stdio::null())
                .stdout(log)
                .stderr(Stdio::null())
                .spawn()
                .expect("start redis-server (is it installed?)");
            let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
            loop {
                if command(port, "PING").await.as_deref() == Some("PONG") {
                    return Node {
                        port,
                        child: Some(child),
                    };
                }
                let exited = child.try_wait().ok().flatten().is_some();
                if exited || tokio::time::Instant::now() >= deadline {
                    break;
                }
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
            // Someone took the port in between: try another.
            let _ = child.kill();
            let _ = child.wait();
        }
        panic!(
            "no redis-server cluster node would start (logs in {})",
            self.dir.display()
        );
    }

    fn ports(&self) -> Vec<u16> {
        self.nodes.iter().map(|n| n.port).collect()
    }

    /// The URL both services take: `redis-cluster://127.0.0.1:P1?node=127.0.0.1:P2&...`.
    pub fn url(&self) -> String {
        let ports = self.ports();
        let rest: Vec<String> = ports[1..]
            .iter()
            .map(|p| format!("node=127.0.0.1:{p}"))
            .collect();
        format!("redis-cluster://127.0.0.1:{}?{}", ports[0], rest.join("&"))
    }

    /// The cluster as a node that is still running sees it.
    pub async fn nodes(&self) -> Vec<ClusterNode> {
        for node in self.nodes.iter().filter(|n| n.child.is_some()) {
            if let Some(text) = command(node.port, "CLUSTER NODES").await {
                return text.lines().filter_map(parse_node).collect();
            }
        }
        Vec::new()
    }

    /// The port of the healthy primary serving the slot of `key`, as the cluster sees it now.
    pub async fn primary_for(&self, key: &str) -> Option<u16> {
        let slot = fred::util::redis_keyslot(key.as_bytes());
        self.nodes()
            .await
            .into_iter()
            .find(|n| {
                n.primary && !n.failing && n.slots.iter().any(|(a, b)| (*a..=*b).contains(&slot))
            })
            .map(|n| n.port)
    }

    /// The replica of the primary on `port`.
    pub async fn replica_of(&self, port: u16) -> Option<u16> {
        let nodes = self.nodes().await;
        let primary = nodes.iter().find(|n| n.port == port)?;
        nodes
            .iter()
            .find(|n| n.replica_of.as_deref() == Some(primary.id.as_str()))
            .map(|n| n.port)
    }

    /// Whether the replica on `port` is in sync with its primary (replication link up).
    pub async fn replica_in_sync(&self, port: u16) -> bool {
        command(port, "INFO replication")
            .await
            .is_some_and(|info| info.contains("master_link_status:up"))
    }

    /// Every running node says `cluster_state:ok`.
    pub async fn state_ok(&self) -> bool {
        for node in self.nodes.iter().filter(|n| n.child.is_some()) {
            let ok = command(node.port, "CLUSTER INFO")
                .await
                .is_some_and(|info| info.contains("cluster_state:ok"));
            if !ok {
                return false;
            }
        }
        true
    }

    /// `kill -9` of the node on `port`: no shutdown, no goodbye to the others.
    pub fn kill(&mut self, port: u16) {
        let node = self.nodes.iter_mut().find(|n| n.port == port);
        if let Some(mut child) = node.and_then(|n| n.child.take()) {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

impl Drop for RedisCluster {
    fn drop(&mut self) {
        for node in &mut self.nodes {
            if let Some(mut child) = node.child.take() {
                let _ = child.kill();
                let _ = child.wait();
            }
        }
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// A free port on 127.0.0.1 whose cluster bus port (port + 10000) is free as well.
fn free_port_pair() -> u16 {
    loop {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind port 0");
        let port = listener.local_addr().expect("local addr").port();
        if port > 55_535 {
            continue;
        }
        if std::net::TcpListener::bind(("127.0.0.1", port + 10_000)).is_ok() {
            return port;
        }
    }
}
