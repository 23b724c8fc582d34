//! Graceful shutdown that drops no request a client has already sent (issue 9, "fault
//! behaviour": stopping a replica under load fails no request).
//!
//! axum's graceful shutdown alone closes the listener and, at the same instant, every idle
//! HTTP/1.1 keep-alive connection. A client that has just written a request on such a
//! connection (the server had not read it yet) sees the connection closed under it: a
//! failed request it cannot safely retry, although the server never began it. Under load
//! this happened in about every other SIGTERM (`tests/faults.rs`). So shutdown has two phases:
//! 1. at once, the listener closes (new connections are refused: clients and load balancers
//!    go to another replica) and every HTTP/1 response from then on carries
//!    `Connection: close`, so the next request on each kept-alive connection is still served
//!    and tells its client to reconnect elsewhere;
//! 2. when no connection is left open, or after [`DRAIN`] at the latest, axum's graceful
//!    shutdown closes the connections still idle and waits for the requests in flight.

use axum::extract::Request;
use axum::middleware::Next;
use axum::serve::{Listener, ListenerExt};
use http::{HeaderValue, Version, header};
use std::future::Future;
use std::io;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::task::{Context, Poll};
use std::time::Duration;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;

/// Longest wait in phase 1 for kept-alive connections to carry one more request (and close).
/// Connections idle all that time are closed in phase 2 as before.
pub const DRAIN: Duration = Duration::from_secs(2);

/// [`crate::run`]: serves `router` on `listener` (plain TCP, or [`crate::tls::TlsListener`])
/// until `shutdown`, then in two phases.
pub async fn serve<L>(
    listener: L,
    router: axum::Router,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> io::Result<()>
where
    L: Stoppable,
{
    let (closing, closing_rx) = watch::channel(false);
    let open = Arc::new(AtomicUsize::new(0));
    let listener = Draining {
        inner: listener,
        stopped: false,
        closing: closing_rx.clone(),
        open: open.clone(),
    };
    let router = router.layer(axum::middleware::from_fn(
        move |req: Request, next: Next| {
            let closing = closing_rx.clone();
            async move {
                let http1 = req.version() <= Version::HTTP_11;
                let mut resp = next.run(req).await;
                // Read when the response is ready: a request in flight at SIGTERM closes too.
                if http1 && *closing.borrow() {
                    resp.headers_mut()
                        .insert(header::CONNECTION, HeaderValue::from_static("close"));
                }
                resp
            }
        },
    ));
    let phases = async move {
        shutdown.await;
        let _ = closing.send(true);
        let _ = tokio::time::timeout(DRAIN, async {
            while open.load(Ordering::Acquire) > 0 {
                tokio::time::sleep(Duration::from_millis(10)).await;
            }
        })
        .await;
        tracing::debug!(
            open = open.load(Ordering::Acquire),
            "closing idle connections"
        );
    };
    // `tap_io` only for axum's `ConnectInfo<SocketAddr>`, which it provides for any listener
    // so wrapped.
    axum::serve(
        listener.tap_io(|_| {}),
        router.into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(phases)
    .await
}

/// A listener the drain can close to new connections while it still hands out the ones it
/// already holds (a TLS listener's finished handshakes).
pub trait Stoppable: Listener<Addr = SocketAddr> {
    /// Refuses new connections from now on (closes the port).
    fn stop_accepting(&mut self);
}

/// Plain TCP: stopping drops the socket; nothing is held.
pub struct Plain(Option<TcpListener>);

impl Plain {
    pub fn new(listener: TcpListener) -> Plain {
        Plain(Some(listener))
    }
}

impl Listener for Plain {
    type Io = TcpStream;
    type Addr = SocketAddr;

    async fn accept(&mut self) -> (TcpStream, SocketAddr) {
        match self.0.as_mut() {
            Some(l) => Listener::accept(l).await,
            None => std::future::pending().await,
        }
    }

    fn local_addr(&self) -> io::Result<SocketAddr> {
        match &self.0 {
            Some(l) => l.local_addr(),
            None => Err(io::Error::other("listener closed for shutdown")),
        }
    }
}

impl Stoppable for Plain {
    fn stop_accepting(&mut self) {
        self.0 = None;
    }
}

/// A listener that stops accepting when `closing` turns true and counts the open connections.
struct Draining<L> {
    inner: L,
    stopped: bool,
    closing: watch::Receiver<bool>,
    open: Arc<AtomicUsize>,
}

impl<L: Stoppable> Listener for Draining<L> {
    type Io = Counted<L::Io>;
    type Addr = SocketAddr;

    async fn accept(&mut self) -> (Counted<L::Io>, SocketAddr) {
        if !self.stopped {
            tokio::select! {
                (io, addr) = Listener::accept(&mut self.inner) => {
                    self.open.fetch_add(1, Ordering::AcqRel);
                    return (Counted { io, open: self.open.clone() }, addr);
                }
                _ = self.closing.wait_for(|c| *c) => {
                    self.inner.stop_accepting();
                    self.stopped = true;
                }
            }
        }
        // Stopped: only what the listener still holds (axum's accept loop ends with phase 2).
        let (io, addr) = Listener::accept(&mut self.inner).await;
        self.open.fetch_add(1, Ordering::AcqRel);
        (
            Counted {
                io,
                open: self.open.clone(),
            },
            addr,
        )
    }

    fn local_addr(&self) -> io::Result<SocketAddr> {
        self.inner.local_addr()
    }
}

/// An accepted connection, counted as open until hyper drops it.
struct Counted<Io> {
    io: Io,
    open: Arc<AtomicUsize>,
}

impl<Io> Drop for Counted<Io> {
    fn drop(&mut self) {
        self.open.fetch_sub(1, Ordering::AcqRel);
    }
}

impl<Io: AsyncRead + Unpin> AsyncRead for Counted<Io> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        Pin::new(&mut self.io).poll_read(cx, buf)
    }
}

impl<Io: AsyncWrite + Unpin> AsyncWrite for Counted<Io> {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.io).poll_write(cx, buf)
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.io).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.io.is_write_vectored()
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.io).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.io).poll_shutdown(cx)
    }
}
