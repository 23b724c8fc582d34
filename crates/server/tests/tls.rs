//! HTTPS on the listener: a real rustls client against the server with a freshly made
//! certificate; plain HTTP on the TLS port is refused without harming the server.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use fedgate_core::audit::NullAuditSink;
use fedgate_server::{App, Config};
use std::sync::Arc;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// A TLS connection to `localhost` at `addr`, trusting `roots`.
async fn https_connect(
    addr: std::net::SocketAddr,
    roots: rustls::RootCertStore,
) -> tokio_rustls::client::TlsStream<tokio::net::TcpStream> {
    let config = rustls::ClientConfig::builder_with_provider(Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .unwrap()
    .with_root_certificates(roots)
    .with_no_client_auth();
    let connector = tokio_rustls::TlsConnector::from(Arc::new(config));
    let tcp = tokio::net::TcpStream::connect(addr).await.unwrap();
    let name = rustls_pki_types::ServerName::try_from("localhost").unwrap();
    connector.connect(name, tcp).await.unwrap()
}

async fn https_request(
    addr: std::net::SocketAddr,
    roots: rustls::RootCertStore,
    raw: &str,
) -> String {
    let mut tls = https_connect(addr, roots).await;
    tls.write_all(raw.as_bytes()).await.unwrap();
    let mut out = Vec::new();
    let _ = tls.read_to_end(&mut out).await;
    String::from_utf8_lossy(&out).into_owned()
}

/// The gateway serving HTTPS on a loopback port with a fresh self-signed certificate for
/// `localhost`; `stop` begins the shutdown, `server` is its task.
struct TlsServer {
    addr: std::net::SocketAddr,
    roots: rustls::RootCertStore,
    stop: tokio::sync::oneshot::Sender<()>,
    server: tokio::task::JoinHandle<std::io::Result<()>>,
    _dir: tempfile::TempDir,
}

impl TlsServer {
    async fn start() -> TlsServer {
        let dir = tempfile::tempdir().unwrap();
        let cert = rcgen::generate_simple_self_signed(vec!["localhost".to_owned()]).unwrap();
        let (cert_pem, key_pem) = (dir.path().join("tls.crt"), dir.path().join("tls.key"));
        std::fs::write(&cert_pem, cert.cert.pem()).unwrap();
        std::fs::write(&key_pem, cert.signing_key.serialize_pem()).unwrap();
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let config = Config {
            data_dir: dir.path().join("data"),
            listen: addr,
            ..Config::default()
        };
        let app = App::open(config, Arc::new(NullAuditSink)).await.unwrap();
        let tls = fedgate_server::tls::server_config(&cert_pem, &key_pem).unwrap();
        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        let server = tokio::spawn(fedgate_server::tls::run_tls(
            listener,
            app.router(),
            tls,
            async {
                let _ = rx.await;
            },
        ));

        let mut roots = rustls::RootCertStore::empty();
        roots.add(cert.cert.der().clone()).unwrap();
        TlsServer {
            addr,
            roots,
            stop: tx,
            server,
            _dir: dir,
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn serves_the_api_over_tls() {
    let TlsServer {
        addr,
        roots,
        stop: tx,
        server,
        _dir,
    } = TlsServer::start().await;
    let health = https_request(
        addr,
        roots.clone(),
        "GET /healthz HTTP/1.1\r\nhost: localhost\r\nconnection: close\r\n\r\n",
    )
    .await;
    assert!(health.starts_with("HTTP/1.1 200"), "{health}");
    let body = "Action=GetCallerIdentity&Version=2011-06-15";
    let unsigned = https_request(
        addr,
        roots.clone(),
        &format!("POST / HTTP/1.1\r\nhost: localhost\r\ncontent-type: application/x-www-form-urlencoded\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}", body.len()),
    )
    .await;
    assert!(unsigned.starts_with("HTTP/1.1 403"), "{unsigned}");
    assert!(unsigned.contains("<Code>MissingAuthenticationToken</Code>"));

    // Plain HTTP on the TLS port gets no HTTP answer, and the server keeps serving TLS.
    let mut plain = tokio::net::TcpStream::connect(addr).await.unwrap();
    plain
        .write_all(b"GET /healthz HTTP/1.1\r\nhost: x\r\n\r\n")
        .await
        .unwrap();
    let mut buf = Vec::new();
    let _ = tokio::time::timeout(
        std::time::Duration::from_secs(5),
        plain.read_to_end(&mut buf),
    )
    .await;
    assert!(!String::from_utf8_lossy(&buf).contains("200 OK"));
    let again = https_request(
        addr,
        roots,
        "GET /healthz HTTP/1.1\r\nhost: localhost\r\nconnection: close\r\n\r\n",
    )
    .await;
    assert!(again.starts_with("HTTP/1.1 200"), "{again}");

    tx.send(()).unwrap();
    tokio::time::timeout(std::time::Duration::from_secs(10), server)
        .await
        .expect("graceful shutdown")
        .unwrap()
        .unwrap();
}

#[test]
fn bad_tls_files_are_clear_errors() {
    let dir = tempfile::tempdir().unwrap();
    let junk = dir.path().join("junk.pem");
    std::fs::write(&junk, "not pem").unwrap();
    let e = fedgate_server::tls::server_config(&junk, &junk).unwrap_err();
    assert!(format!("{e:#}").contains("tls.cert_file"), "{e:#}");
    let e = fedgate_server::tls::server_config(&dir.path().join("missing"), &junk).unwrap_err();
    assert!(
        format!("{e:#}").contains("cannot read tls.cert_file"),
        "{e:#}"
    );
    let only = fedgate_server::Config::load_from(
        None,
        &fedgate_server::Overrides::default(),
        vec![("FEDGATE_TLS__CERT_FILE".into(), "/x.pem".into())],
    );
    assert!(only.unwrap_err().to_string().contains("set together"));
}

/// Reads one HTTP/1.1 response (headers and a Content-Length body) from `io`.
async fn read_response(io: &mut (impl tokio::io::AsyncRead + Unpin)) -> String {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 4096];
    loop {
        if let Some(end) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            let head = String::from_utf8_lossy(&buf[..end]).to_ascii_lowercase();
            let len: usize = head
                .lines()
                .find_map(|l| l.strip_prefix("content-length:"))
                .map_or(0, |v| v.trim().parse().unwrap());
            if buf.len() >= end + 4 + len {
                return String::from_utf8_lossy(&buf[..end + 4 + len]).into_owned();
            }
        }
        let n = io.read(&mut chunk).await.unwrap();
        assert!(
            n > 0,
            "connection closed mid-response: {:?}",
            String::from_utf8_lossy(&buf)
        );
        buf.extend_from_slice(&chunk[..n]);
    }
}

/// Shutdown over TLS drains as over plain HTTP: the port closes at once, a request sent on a
/// kept-alive connection afterwards is still served (with `Connection: close`), and the server
/// then exits.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn shutdown_over_tls_serves_kept_alive_connections_once_more() {
    let TlsServer {
        addr,
        roots,
        stop: tx,
        server,
        _dir,
    } = TlsServer::start().await;
    let mut kept = https_connect(addr, roots).await;
    let get = b"GET /healthz HTTP/1.1\r\nhost: localhost\r\n\r\n";
    kept.write_all(get).await.unwrap();
    let first = read_response(&mut kept).await;
    assert!(first.starts_with("HTTP/1.1 200"), "{first}");
    assert!(
        !first.to_ascii_lowercase().contains("connection: close"),
        "{first}"
    );

    tx.send(()).unwrap();
    // The port closes at once.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(2);
    while tokio::net::TcpStream::connect(addr).await.is_ok() {
        assert!(std::time::Instant::now() < deadline, "the port stayed open");
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    // The kept-alive connection carries one more request, told to close.
    kept.write_all(get).await.unwrap();
    let second = read_response(&mut kept).await;
    assert!(second.starts_with("HTTP/1.1 200"), "{second}");
    assert!(
        second.to_ascii_lowercase().contains("connection: close"),
        "{second}"
    );
    tokio::time::timeout(std::time::Duration::from_secs(10), server)
        .await
        .expect("the server exits")
        .unwrap()
        .unwrap();
}
