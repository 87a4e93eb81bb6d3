//! A bare Pingora proxy, for `scripts/bench edge` only: the pattern of Pingora's load-balancer
//! example (one `ProxyHttp` with nothing but `upstream_peer`, Pingora's own `Server` with two
//! threads, its default buffers and pool). It shows what Pingora itself costs per request on
//! the box, next to the gateway and nginx + Lua in the same run.
//!
//! `BARE_LISTEN` (127.0.0.1:6188) and `BARE_UPSTREAM` (127.0.0.1:18081, the nginx + Lua
//! baseline's upstream). `BARE_STEAL=0` runs Pingora's runtime without work stealing (one
//! single-threaded runtime per thread, as the gateway's workers), to compare the two.

use async_trait::async_trait;
use pingora::{
    prelude::{HttpPeer, ProxyHttp, Result, Session, http_proxy_service},
    server::{Server, configuration::ServerConf},
};

#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

struct Bare {
    upstream: String,
}

#[async_trait]
impl ProxyHttp for Bare {
    type CTX = ();

    fn new_ctx(&self) {}

    async fn upstream_peer(&self, _session: &mut Session, _ctx: &mut ()) -> Result<Box<HttpPeer>> {
        Ok(Box::new(HttpPeer::new(
            self.upstream.as_str(),
            false,
            String::new(),
        )))
    }
}

fn main() {
    let var =
        |name: &str, default: &str| std::env::var(name).unwrap_or_else(|_| default.to_owned());
    let listen = var("BARE_LISTEN", "127.0.0.1:6188");
    let upstream = var("BARE_UPSTREAM", "127.0.0.1:18081");
    let conf = ServerConf {
        threads: 2,
        work_stealing: std::env::var("BARE_STEAL").map_or(true, |v| v != "0"),
        ..ServerConf::default()
    };
    let mut server = Server::new_with_opt_and_conf(None, conf);
    server.bootstrap();
    let mut proxy = http_proxy_service(&server.configuration, Bare { upstream });
    proxy.add_tcp(&listen);
    server.add_service(proxy);
    server.run_forever();
}
