//! The client side of a connection as Pingora sees it: a tokio `TcpStream` whose writes are
//! held until Pingora flushes, and whose peek consumes nothing.
//!
//! Pingora writes a response's header and its body separately and flushes at the end of the
//! response (its own listener puts a write buffer under every connection for this). Without
//! one, every proxied response costs the client two TCP sends and two wake-ups. The held bytes
//! are freed when they are sent, so a kept-alive connection waiting for its next request keeps
//! no buffer.

use std::{
    io,
    os::fd::AsRawFd,
    pin::Pin,
    sync::Arc,
    task::{Context, Poll, ready},
    time::SystemTime,
};

use async_trait::async_trait;
use pingora::protocols::{
    GetProxyDigest, GetSocketDigest, GetTimingDigest, Peek, Shutdown, SocketDigest, Ssl,
    TimingDigest, UniqueID, UniqueIDType, raw_connect::ProxyDigest,
};
use tokio::{
    io::{AsyncRead, AsyncWrite, AsyncWriteExt, ReadBuf},
    net::TcpStream,
};

/// Writes at least this large go straight to the socket (after anything held before them).
const HOLD_LIMIT: usize = 16 * 1024;

#[derive(Debug)]
pub struct ClientStream {
    tcp: TcpStream,
    /// Bytes written but not sent yet, and how many of them are sent already.
    held: Vec<u8>,
    sent: usize,
    digest: Arc<SocketDigest>,
    established: SystemTime,
}

impl ClientStream {
    pub fn new(tcp: TcpStream, digest: SocketDigest) -> Self {
        ClientStream {
            tcp,
            held: Vec::new(),
            sent: 0,
            digest: Arc::new(digest),
            established: SystemTime::now(),
        }
    }

    fn poll_send_held(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        while self.sent < self.held.len() {
            let n = ready!(Pin::new(&mut self.tcp).poll_write(cx, &self.held[self.sent..]))?;
            if n == 0 {
                return Poll::Ready(Err(io::ErrorKind::WriteZero.into()));
            }
            self.sent += n;
        }
        self.held = Vec::new();
        self.sent = 0;
        Poll::Ready(Ok(()))
    }
}

impl AsyncRead for ClientStream {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().tcp).poll_read(cx, buf)
    }
}

impl AsyncWrite for ClientStream {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        if this.held.len() + buf.len() > HOLD_LIMIT {
            ready!(this.poll_send_held(cx))?;
        }
        if buf.len() >= HOLD_LIMIT {
            return Pin::new(&mut this.tcp).poll_write(cx, buf);
        }
        this.held.extend_from_slice(buf);
        Poll::Ready(Ok(buf.len()))
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        ready!(this.poll_send_held(cx))?;
        Pin::new(&mut this.tcp).poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        ready!(this.poll_send_held(cx))?;
        Pin::new(&mut this.tcp).poll_shutdown(cx)
    }
}

#[async_trait]
impl Shutdown for ClientStream {
    async fn shutdown(&mut self) {
        if let Err(e) = AsyncWriteExt::shutdown(self).await {
            tracing::debug!(error = %e, "closing a client connection");
        }
    }
}

#[async_trait]
impl Peek for ClientStream {
    /// Waits until the client has sent something (or closed), without consuming it.
    async fn try_peek(&mut self, buf: &mut [u8]) -> io::Result<bool> {
        match self.tcp.peek(buf).await? {
            0 => Err(io::ErrorKind::UnexpectedEof.into()),
            _ => Ok(true),
        }
    }
}

impl UniqueID for ClientStream {
    fn id(&self) -> UniqueIDType {
        self.tcp.as_raw_fd()
    }
}

impl Ssl for ClientStream {}

impl GetTimingDigest for ClientStream {
    fn get_timing_digest(&self) -> Vec<Option<TimingDigest>> {
        vec![Some(TimingDigest {
            established_ts: self.established,
            ..Default::default()
        })]
    }
}

impl GetProxyDigest for ClientStream {
    /// No PROXY protocol header in front of our clients.
    fn get_proxy_digest(&self) -> Option<Arc<ProxyDigest>> {
        None
    }
}

impl GetSocketDigest for ClientStream {
    fn get_socket_digest(&self) -> Option<Arc<SocketDigest>> {
        Some(self.digest.clone())
    }

    fn set_socket_digest(&mut self, digest: SocketDigest) {
        self.digest = Arc::new(digest);
    }
}
