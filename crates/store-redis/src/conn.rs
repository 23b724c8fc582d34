//! The connection to whichever Redis deployment `store.redis_url` names (see `topology`):
//! one multiplexed connection for a standalone server, the primary found through Sentinel and
//! followed across failovers, or a cluster connection that follows slots (rebuilding its map
//! after a redirect). [`Conn`] is what every command goes through; [`Subscriber`] says where
//! the invalidation listener subscribes.

use crate::topology::{ClusterUrl, SentinelUrl, Topology};
use crate::{RedisOptions, bounded};
use fedgate_store::StoreError;
use redis::aio::{ConnectionLike, ConnectionManager, ConnectionManagerConfig};
use redis::cluster::ClusterClientBuilder;
use redis::cluster_async::ClusterConnection;
use redis::io::tcp::{TcpSettings, socket2::TcpKeepalive};
use redis::sentinel::{SentinelClient, SentinelClientBuilder, SentinelServerType};
use redis::{
    Client, Cmd, ConnectionInfo, ErrorKind, IntoConnectionInfo, Pipeline, RedisError, RedisFuture,
    ServerErrorKind, Value,
};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, PoisonError, RwLock, Weak};
use std::time::Duration;
use tokio::sync::watch;

/// How often the Sentinels are asked who the primary is, besides after every error that
/// suggests a failover (so a demoted primary that still answers reads is left within this).
/// Each question opens connections (to a Sentinel, and to the primary for its `ROLE`).
const SENTINEL_POLL: Duration = Duration::from_secs(5);

/// A handle on the data connection; cheap to clone.
#[derive(Clone)]
pub(crate) enum Conn {
    Direct(ConnectionManager),
    Sentinel(Arc<Failover>),
    Cluster(ClusterConnection),
}

/// Where the invalidation listener subscribes.
#[derive(Clone)]
pub(crate) enum Subscriber {
    /// The one server.
    Direct(Client),
    /// The current primary.
    Sentinel(Arc<Failover>),
    /// Any node of the cluster, in turn: Redis Cluster forwards `PUBLISH` to every node.
    Cluster(Arc<[Client]>),
}

impl Subscriber {
    /// The server to subscribe on for the `attempt`-th time.
    pub fn client(&self, attempt: usize) -> Client {
        match self {
            Subscriber::Direct(c) => c.clone(),
            Subscriber::Sentinel(f) => f.client(),
            Subscriber::Cluster(nodes) => nodes[attempt % nodes.len()].clone(),
        }
    }

    /// Changes when the data connection moves to another primary (Sentinel only): the
    /// subscription must move too, or it would wait on the old server for ever.
    pub fn moves(&self) -> Option<watch::Receiver<u64>> {
        match self {
            Subscriber::Sentinel(f) => Some(f.moved.subscribe()),
            _ => None,
        }
    }

    /// Subscribing failed or the subscription ended.
    pub fn failed(&self) {
        if let Subscriber::Sentinel(f) = self {
            f.rediscover();
        }
    }
}

/// Every connection to Redis and to the Sentinels: TCP keepalive probes after 30 s idle, then
/// every 10 s, three of them; and `TCP_USER_TIMEOUT` 30 s (data unacknowledged that long
/// closes the connection). A server that vanished without a reset (a partition, a node
/// powered off) is then noticed within about a minute when idle and 30 s when busy, and the
/// connection is opened again, instead of after Linux's defaults (two hours of idleness, or
/// about 15 minutes of retransmissions) during which commands would wait on a dead socket
/// until their own timeouts, one by one.
pub(crate) fn tcp_settings() -> TcpSettings {
    TcpSettings::default()
        .set_keepalive(
            TcpKeepalive::new()
                .with_time(Duration::from_secs(30))
                .with_interval(Duration::from_secs(10))
                .with_retries(3),
        )
        .set_user_timeout(Duration::from_secs(30))
}

/// `url` as connection settings, with [`tcp_settings`].
pub(crate) fn connection_info(url: &str) -> redis::RedisResult<ConnectionInfo> {
    Ok(url.into_connection_info()?.set_tcp_settings(tcp_settings()))
}

/// The connection manager's settings for every server connection.
fn manager_config(options: RedisOptions) -> ConnectionManagerConfig {
    ConnectionManagerConfig::new()
        .set_connection_timeout(Some(options.connect_timeout))
        .set_response_timeout(Some(options.response_timeout))
        .set_number_of_retries(2)
        .set_min_delay(Duration::from_millis(50))
        .set_max_delay(Duration::from_millis(500))
}

/// Opens the connection the topology asks for. Errors never quote the URL.
pub(crate) async fn open(
    topology: Topology,
    options: RedisOptions,
    deadline: Duration,
) -> Result<(Conn, Subscriber), StoreError> {
    match topology {
        Topology::Standalone(url) => {
            // The client's own error text may quote the URL, password included: not passed on.
            let client = connection_info(url.as_str())
                .and_then(Client::open)
                .map_err(|_| StoreError::unavailable("invalid redis URL (store.redis_url)"))?;
            let conn = bounded(
                deadline,
                ConnectionManager::new_with_config(client.clone(), manager_config(options)),
            )
            .await?;
            Ok((Conn::Direct(conn), Subscriber::Direct(client)))
        }
        Topology::Sentinel(url) => {
            let failover = Failover::connect(&url, options, deadline).await?;
            Ok((
                Conn::Sentinel(Arc::clone(&failover)),
                Subscriber::Sentinel(failover),
            ))
        }
        Topology::Cluster(url) => open_cluster(&url, options, deadline).await,
    }
}

async fn open_cluster(
    url: &ClusterUrl,
    options: RedisOptions,
    deadline: Duration,
) -> Result<(Conn, Subscriber), StoreError> {
    let urls = url.node_urls();
    let invalid = |_| StoreError::unavailable("invalid redis URL (store.redis_url)");
    // No retries inside the client: it would send again a script whose answer was lost
    // (a dropped connection, a timeout), and a commit applied twice reports a conflict with
    // itself. A MOVED or ASK then surfaces as a 503 (the client rebuilds its slot map at
    // once, so the caller's retry goes to the right node), as during a Sentinel failover.
    let infos = urls
        .iter()
        .map(|u| connection_info(u))
        .collect::<Result<Vec<_>, _>>()
        .map_err(invalid)?;
    let client = ClusterClientBuilder::new(infos.clone())
        .connection_timeout(options.connect_timeout)
        .response_timeout(options.response_timeout)
        .retries(0)
        .tcp_settings(tcp_settings())
        .build()
        .map_err(invalid)?;
    let subscribers = infos
        .into_iter()
        .map(Client::open)
        .collect::<Result<Vec<_>, _>>()
        .map_err(invalid)?;
    let conn = bounded(deadline, client.get_async_connection()).await?;
    Ok((Conn::Cluster(conn), Subscriber::Cluster(subscribers.into())))
}

/// The primary of a Sentinel-managed service, followed across failovers: after any error
/// that suggests the primary moved (I/O, a refused or dropped connection, a timeout,
/// `READONLY`, `MASTERDOWN`) and every [`SENTINEL_POLL`], the Sentinels are asked again; when
/// they name another server, later commands go to a new connection there. Commands in flight
/// during a failover fail with `Unavailable` (a 503 the SDKs retry); none is retried here,
/// since a write whose answer was lost may have been applied.
pub(crate) struct Failover {
    sentinel: tokio::sync::Mutex<SentinelClient>,
    primary: RwLock<Primary>,
    config: ConnectionManagerConfig,
    deadline: Duration,
    /// A rediscovery is running (at most one at a time).
    refreshing: AtomicBool,
    /// Bumped on every move to another primary.
    moved: watch::Sender<u64>,
    /// The last question to the Sentinels failed (warn once per streak, not every time).
    failing: AtomicBool,
}

struct Primary {
    addr: String,
    client: Client,
    conn: ConnectionManager,
}

impl Failover {
    async fn connect(
        url: &SentinelUrl,
        options: RedisOptions,
        deadline: Duration,
    ) -> Result<Arc<Failover>, StoreError> {
        let invalid = |_| StoreError::unavailable("invalid redis URL (store.redis_url)");
        let mut builder =
            SentinelClientBuilder::new(url.addrs(), &url.service, SentinelServerType::Master)
                .map_err(invalid)?
                .set_client_to_redis_db(url.db)
                .set_client_to_redis_tcp_settings(tcp_settings())
                .set_client_to_sentinel_tcp_settings(tcp_settings());
        if let Some(u) = &url.auth.username {
            builder = builder.set_client_to_redis_username(u);
        }
        if let Some(p) = &url.auth.password {
            builder = builder.set_client_to_redis_password(p);
        }
        if let Some(u) = &url.sentinel_auth.username {
            builder = builder.set_client_to_sentinel_username(u);
        }
        if let Some(p) = &url.sentinel_auth.password {
            builder = builder.set_client_to_sentinel_password(p);
        }
        let mut sentinel = builder.build().map_err(invalid)?;
        let config = manager_config(options);
        let primary = bounded(deadline, find_primary(&mut sentinel, &config)).await?;
        tracing::info!(primary = %primary.addr, service = %url.service, "redis sentinel: primary found");
        let failover = Arc::new(Failover {
            sentinel: tokio::sync::Mutex::new(sentinel),
            primary: RwLock::new(primary),
            config,
            deadline,
            refreshing: AtomicBool::new(false),
            moved: watch::Sender::new(0),
            failing: AtomicBool::new(false),
        });
        tokio::spawn(poll(Arc::downgrade(&failover)));
        Ok(failover)
    }

    /// Reads the current primary under the lock, cloning only what the caller needs (this
    /// runs for every command).
    fn with_primary<T>(&self, f: impl FnOnce(&Primary) -> T) -> T {
        f(&self.primary.read().unwrap_or_else(PoisonError::into_inner))
    }

    fn conn(&self) -> ConnectionManager {
        self.with_primary(|p| p.conn.clone())
    }

    fn client(&self) -> Client {
        self.with_primary(|p| p.client.clone())
    }

    /// Passes `reply` on, asking the Sentinels again when it suggests a failover.
    fn noted<T>(self: &Arc<Self>, reply: redis::RedisResult<T>) -> redis::RedisResult<T> {
        if reply.as_ref().is_err_and(suggests_failover) {
            self.rediscover();
        }
        reply
    }

    /// Asks the Sentinels again in the background, unless that is already under way.
    pub fn rediscover(self: &Arc<Self>) {
        if self.refreshing.swap(true, Ordering::AcqRel) {
            return;
        }
        let Ok(rt) = tokio::runtime::Handle::try_current() else {
            self.refreshing.store(false, Ordering::Release);
            return;
        };
        let guard = Refreshing(Arc::clone(self));
        rt.spawn(async move {
            let this = &guard.0;
            match this.refresh().await {
                Ok(()) => this.failing.store(false, Ordering::Release),
                Err(e) => {
                    if !this.failing.swap(true, Ordering::AcqRel) {
                        tracing::warn!(category = e.category(), "redis sentinel: no primary found");
                    }
                }
            }
            // Spaces the questions out while the failover is still in progress.
            tokio::time::sleep(Duration::from_millis(100)).await;
            drop(guard);
        });
    }

    async fn refresh(&self) -> Result<(), RedisError> {
        let found = tokio::time::timeout(self.deadline, async {
            let mut sentinel = self.sentinel.lock().await;
            sentinel.async_get_client().await
        })
        .await
        .map_err(|_| RedisError::from((ErrorKind::Io, "sentinel did not answer in time")))??;
        let addr = found.get_connection_info().addr().to_string();
        if self.with_primary(|p| p.addr == addr) {
            return Ok(());
        }
        let conn = tokio::time::timeout(
            self.deadline,
            ConnectionManager::new_with_config(found.clone(), self.config.clone()),
        )
        .await
        .map_err(|_| RedisError::from((ErrorKind::Io, "new primary did not answer in time")))??;
        tracing::warn!(primary = %addr, "redis sentinel: following the new primary");
        *self.primary.write().unwrap_or_else(PoisonError::into_inner) = Primary {
            addr,
            client: found,
            conn,
        };
        self.moved.send_modify(|n| *n = n.wrapping_add(1));
        Ok(())
    }
}

/// Clears [`Failover::refreshing`] when the refresh task ends, also if it panics or is
/// cancelled with its runtime: a flag left set would stop every later failover from being
/// followed.
struct Refreshing(Arc<Failover>);

impl Drop for Refreshing {
    fn drop(&mut self) {
        self.0.refreshing.store(false, Ordering::Release);
    }
}

async fn find_primary(
    sentinel: &mut SentinelClient,
    config: &ConnectionManagerConfig,
) -> Result<Primary, RedisError> {
    let client = sentinel.async_get_client().await?;
    let conn = ConnectionManager::new_with_config(client.clone(), config.clone()).await?;
    Ok(Primary {
        addr: client.get_connection_info().addr().to_string(),
        client,
        conn,
    })
}

/// Asks the Sentinels every [`SENTINEL_POLL`] for as long as the backend lives.
async fn poll(failover: Weak<Failover>) {
    loop {
        tokio::time::sleep(SENTINEL_POLL).await;
        match failover.upgrade() {
            Some(f) => f.rediscover(),
            None => return,
        }
    }
}

/// Errors after which the primary may be elsewhere.
fn suggests_failover(e: &RedisError) -> bool {
    e.is_io_error()
        || e.is_timeout()
        || e.is_connection_dropped()
        || e.is_connection_refusal()
        || matches!(
            e.kind(),
            ErrorKind::Server(ServerErrorKind::ReadOnly | ServerErrorKind::MasterDown)
        )
}

impl ConnectionLike for Conn {
    fn req_packed_command<'a>(&'a mut self, cmd: &'a Cmd) -> RedisFuture<'a, Value> {
        match self {
            Conn::Direct(c) => c.req_packed_command(cmd),
            Conn::Cluster(c) => c.req_packed_command(cmd),
            Conn::Sentinel(f) => {
                let f = Arc::clone(f);
                Box::pin(async move {
                    let reply = f.conn().req_packed_command(cmd).await;
                    f.noted(reply)
                })
            }
        }
    }

    fn req_packed_commands<'a>(
        &'a mut self,
        pipeline: &'a Pipeline,
        offset: usize,
        count: usize,
    ) -> RedisFuture<'a, Vec<Value>> {
        match self {
            Conn::Direct(c) => c.req_packed_commands(pipeline, offset, count),
            Conn::Cluster(c) => c.req_packed_commands(pipeline, offset, count),
            Conn::Sentinel(f) => {
                let f = Arc::clone(f);
                Box::pin(async move {
                    let reply = f.conn().req_packed_commands(pipeline, offset, count).await;
                    f.noted(reply)
                })
            }
        }
    }

    fn get_db(&self) -> i64 {
        match self {
            Conn::Direct(c) => c.get_db(),
            Conn::Cluster(c) => c.get_db(),
            Conn::Sentinel(f) => f.with_primary(|p| p.conn.get_db()),
        }
    }
}
