//! HTTPS on the one listener, with rustls (ring provider) and the same graceful shutdown as
//! plain HTTP ([`crate::drain`]).

use crate::drain::Stoppable;
use anyhow::Context;
use axum::serve::Listener;
use rustls::ServerConfig;
use rustls_pki_types::pem::PemObject;
use rustls_pki_types::{CertificateDer, PrivateKeyDer};
use std::future::Future;
use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{Semaphore, mpsc};
use tokio_rustls::TlsAcceptor;
use tokio_rustls::server::TlsStream;

/// Loads the certificate chain and key (PEM) into a TLS 1.2/1.3 server configuration that
/// offers HTTP/2 and HTTP/1.1 by ALPN.
pub fn server_config(cert_file: &Path, key_file: &Path) -> anyhow::Result<Arc<ServerConfig>> {
    let certs: Vec<CertificateDer<'static>> = CertificateDer::pem_file_iter(cert_file)
        .with_context(|| format!("cannot read tls.cert_file {}", cert_file.display()))?
        .collect::<Result<_, _>>()
        .with_context(|| {
            format!(
                "tls.cert_file {} is not PEM certificates",
                cert_file.display()
            )
        })?;
    if certs.is_empty() {
        anyhow::bail!("tls.cert_file {} holds no certificate", cert_file.display());
    }
    let key = PrivateKeyDer::from_pem_file(key_file).with_context(|| {
        format!(
            "cannot read a PEM private key from tls.key_file {}",
            key_file.display()
        )
    })?;
    let mut config =
        ServerConfig::builder_with_provider(Arc::new(rustls::crypto::ring::default_provider()))
            .with_safe_default_protocol_versions()
            .context("TLS protocol versions")?
            .with_no_client_auth()
            .with_single_cert(certs, key)
            .context("tls.cert_file and tls.key_file do not form a usable certificate and key")?;
    config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
    Ok(Arc::new(config))
}

/// Longest a client may take over its TLS handshake; a connection still shaking hands after
/// this is dropped (slow or silent clients cannot hold a connection slot for ever).
const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);

/// Handshakes finished but not yet taken by the HTTP server.
const READY_QUEUE: usize = 128;

/// Connections accepted and not yet handed to the HTTP server (shaking hands, or queued) at
/// most; beyond, the port stops accepting until one is done, so a flood of silent
/// connections costs bounded memory and descriptors.
const MAX_PENDING: usize = 1024;

/// Serves `router` over TLS on `listener` until `shutdown` completes, then drains as the plain
/// listener does ([`crate::drain`]): the port closes at once, HTTP/1 responses from then on
/// carry `Connection: close` for up to [`crate::drain::DRAIN`], then idle connections close and
/// requests in flight finish (HTTP/2 clients get GOAWAY).
pub async fn run_tls(
    listener: TcpListener,
    router: axum::Router,
    tls: Arc<ServerConfig>,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    crate::drain::serve(TlsListener::new(listener, tls)?, router, shutdown).await
}

/// A listener that yields connections whose TLS handshake is done. Handshakes run on their
/// own tasks, each under [`HANDSHAKE_TIMEOUT`], so one slow client never holds up the others'
/// accepts; at most [`MAX_PENDING`] at once. Stopping it ([`Stoppable`]) closes the port but
/// still hands out the handshakes that finish, so a request a client sent right after its
/// handshake is served during the drain. Dropping it closes the port too.
pub struct TlsListener {
    ready: mpsc::Receiver<(TlsStream<TcpStream>, SocketAddr)>,
    local: SocketAddr,
    accepting: tokio::task::AbortHandle,
}

impl TlsListener {
    pub fn new(listener: TcpListener, config: Arc<ServerConfig>) -> std::io::Result<TlsListener> {
        let local = listener.local_addr()?;
        let (tx, ready) = mpsc::channel(READY_QUEUE);
        let acceptor = TlsAcceptor::from(config);
        let pending = Arc::new(Semaphore::new(MAX_PENDING));
        let accepting = tokio::spawn(async move {
            loop {
                let Ok(permit) = Arc::clone(&pending).acquire_owned().await else {
                    return;
                };
                let (tcp, addr) = match listener.accept().await {
                    Ok(accepted) => accepted,
                    Err(e) if is_connection_error(&e) => continue,
                    Err(e) => {
                        // Out of file descriptors and the like: as axum's listener, wait
                        // rather than spin.
                        tracing::error!(error = %e, "accepting a TLS connection failed");
                        tokio::time::sleep(Duration::from_secs(1)).await;
                        continue;
                    }
                };
                let (acceptor, tx) = (acceptor.clone(), tx.clone());
                tokio::spawn(async move {
                    let _permit = permit;
                    match tokio::time::timeout(HANDSHAKE_TIMEOUT, acceptor.accept(tcp)).await {
                        Ok(Ok(tls)) => {
                            // Bounded too: a server that stopped taking connections drops it.
                            let _ =
                                tokio::time::timeout(HANDSHAKE_TIMEOUT, tx.send((tls, addr))).await;
                        }
                        Ok(Err(e)) => tracing::debug!(error = %e, "TLS handshake failed"),
                        Err(_) => tracing::debug!("TLS handshake timed out"),
                    }
                });
            }
        })
        .abort_handle();
        Ok(TlsListener {
            ready,
            local,
            accepting,
        })
    }
}

impl Drop for TlsListener {
    fn drop(&mut self) {
        self.accepting.abort();
    }
}

impl Stoppable for TlsListener {
    fn stop_accepting(&mut self) {
        // The accepting task owns the socket: the port closes with it. Handshakes under way
        // keep their senders, so `accept` still yields them.
        self.accepting.abort();
    }
}

/// Errors of one connection (the peer gave up before it was accepted), not of the listener.
fn is_connection_error(e: &std::io::Error) -> bool {
    use std::io::ErrorKind::{ConnectionAborted, ConnectionRefused, ConnectionReset};
    matches!(
        e.kind(),
        ConnectionRefused | ConnectionAborted | ConnectionReset
    )
}

impl Listener for TlsListener {
    type Io = TlsStream<TcpStream>;
    type Addr = SocketAddr;

    async fn accept(&mut self) -> (Self::Io, SocketAddr) {
        match self.ready.recv().await {
            Some(ready) => ready,
            // Stopped, and every handshake under way has ended: accept nothing more.
            None => std::future::pending().await,
        }
    }

    fn local_addr(&self) -> std::io::Result<SocketAddr> {
        Ok(self.local)
    }
}
