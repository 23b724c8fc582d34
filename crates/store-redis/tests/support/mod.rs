//! Starts a throw-away `redis-server` for a test: a free port on 127.0.0.1, no persistence
//! (or the persistence [`RedisServer::start_with`] asks for), its working directory in a temp
//! dir; killed when dropped. `REDIS_SERVER` overrides the binary (default `redis-server` on
//! `PATH`, the Debian package).
#![allow(dead_code)]

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

pub struct RedisServer {
    pub port: u16,
    dir: tempfile::TempDir,
    child: Option<Child>,
    /// Persistence arguments, passed again on every restart.
    persistence: Vec<String>,
}

impl RedisServer {
    /// A running server on a fresh port. Retries with another port if one was taken meanwhile.
    pub fn start() -> RedisServer {
        Self::start_with(&["--save", "", "--appendonly", "no"])
    }

    /// [`RedisServer::start`] with these persistence arguments instead of none (e.g.
    /// `["--save", "", "--appendonly", "yes", "--appendfsync", "always"]`); they apply to every
    /// [`RedisServer::restart`] too, which then reloads the data from the same directory.
    pub fn start_with(persistence: &[&str]) -> RedisServer {
        let mut last = String::new();
        for _ in 0..5 {
            let port = free_port();
            let mut server = RedisServer {
                port,
                dir: tempfile::tempdir().expect("temp dir"),
                child: None,
                persistence: persistence.iter().map(|a| (*a).to_owned()).collect(),
            };
            match server.spawn() {
                Ok(()) => return server,
                Err(e) => last = e,
            }
        }
        panic!("could not start redis-server: {last}");
    }

    pub fn url(&self) -> String {
        format!("redis://127.0.0.1:{}/", self.port)
    }

    pub fn pid(&self) -> u32 {
        self.child.as_ref().expect("server running").id()
    }

    /// Kills the server (SIGKILL; without persistence its data goes with it).
    pub fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// Starts the server again on the same port and directory.
    pub fn restart(&mut self) {
        self.stop();
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            match self.spawn() {
                Ok(()) => return,
                Err(e) if Instant::now() > deadline => panic!("restart failed: {e}"),
                Err(_) => std::thread::sleep(Duration::from_millis(100)),
            }
        }
    }

    /// Sends SIGSTOP (`true`) or SIGCONT (`false`): a server that accepts but never answers.
    pub fn freeze(&self, frozen: bool) {
        let signal = if frozen { "-STOP" } else { "-CONT" };
        let ok = Command::new("kill")
            .arg(signal)
            .arg(self.pid().to_string())
            .status()
            .expect("kill")
            .success();
        assert!(ok, "kill {signal} failed");
    }

    fn spawn(&mut self) -> Result<(), String> {
        let bin = std::env::var("REDIS_SERVER").unwrap_or_else(|_| "redis-server".into());
        let mut child = Command::new(&bin)
            .args(["--port", &self.port.to_string(), "--bind", "127.0.0.1"])
            .args(&self.persistence)
            .arg("--dir")
            .arg(self.dir.path())
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .map_err(|e| format!("{bin}: {e}"))?;
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            if let Ok(Some(status)) = child.try_wait() {
                return Err(format!("redis-server exited: {status}"));
            }
            if answers_ping(self.port) {
                self.child = Some(child);
                return Ok(());
            }
            if Instant::now() > deadline {
                let _ = child.kill();
                let _ = child.wait();
                return Err("redis-server did not answer PING".into());
            }
            std::thread::sleep(Duration::from_millis(10));
        }
    }
}

impl Drop for RedisServer {
    fn drop(&mut self) {
        // SIGKILL ends a frozen (SIGSTOPped) server too.
        self.stop();
    }
}

fn free_port() -> u16 {
    let l = TcpListener::bind("127.0.0.1:0").expect("bind");
    l.local_addr().expect("addr").port()
}

fn answers_ping(port: u16) -> bool {
    let Ok(mut s) = TcpStream::connect(("127.0.0.1", port)) else {
        return false;
    };
    let _ = s.set_read_timeout(Some(Duration::from_millis(500)));
    if s.write_all(b"PING\r\n").is_err() {
        return false;
    }
    let mut buf = [0u8; 7];
    s.read_exact(&mut buf).is_ok() && &buf == b"+PONG\r\n"
}

/// Sends one command over RESP on a fresh connection and returns the raw reply text (enough
/// for `INFO`, `ROLE`, `CLUSTER INFO` and status replies in the fixtures below).
pub fn command(port: u16, args: &[&str]) -> Result<String, String> {
    let mut s = TcpStream::connect(("127.0.0.1", port)).map_err(|e| e.to_string())?;
    s.set_read_timeout(Some(Duration::from_millis(500)))
        .map_err(|e| e.to_string())?;
    let mut req = format!("*{}\r\n", args.len());
    for a in args {
        req.push_str(&format!("${}\r\n{a}\r\n", a.len()));
    }
    s.write_all(req.as_bytes()).map_err(|e| e.to_string())?;
    let mut out = Vec::new();
    let mut buf = [0u8; 16384];
    // Read until the peer has nothing more for a short while.
    loop {
        match s.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => {
                out.extend_from_slice(&buf[..n]);
                s.set_read_timeout(Some(Duration::from_millis(50)))
                    .map_err(|e| e.to_string())?;
            }
            Err(_) if !out.is_empty() => break,
            Err(e) => return Err(e.to_string()),
        }
    }
    Ok(String::from_utf8_lossy(&out).into_owned())
}

/// Polls `check` every 100 ms until it holds, or panics with `what` after `secs` seconds.
pub fn wait_until(secs: u64, what: &str, mut check: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(secs);
    while !check() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// A primary, one replica and one Sentinel (quorum 1, down after 1 s) watching service
/// `mymaster`: the smallest deployment in which Sentinel fails over.
pub struct SentinelSetup {
    pub primary: RedisServer,
    pub replica: RedisServer,
    sentinel: Option<Child>,
    pub sentinel_port: u16,
    _dir: tempfile::TempDir,
}

pub const SERVICE: &str = "mymaster";

impl SentinelSetup {
    pub fn start() -> SentinelSetup {
        let primary = RedisServer::start();
        let replica = RedisServer::start_with(&[
            "--save",
            "",
            "--appendonly",
            "no",
            "--replicaof",
            "127.0.0.1",
            &primary.port.to_string(),
        ]);
        wait_until(20, "the replica's link to the primary", || {
            command(replica.port, &["INFO", "replication"])
                .is_ok_and(|i| i.contains("master_link_status:up"))
        });
        let dir = tempfile::tempdir().expect("temp dir");
        let mut last = String::new();
        for _ in 0..5 {
            let port = free_port();
            let conf = dir.path().join(format!("sentinel-{port}.conf"));
            std::fs::write(
                &conf,
                format!(
                    "port {port}\nbind 127.0.0.1\ndir {dir}\n\
                     sentinel monitor {SERVICE} 127.0.0.1 {primary} 1\n\
                     sentinel down-after-milliseconds {SERVICE} 1000\n\
                     sentinel failover-timeout {SERVICE} 5000\n\
                     sentinel parallel-syncs {SERVICE} 1\n",
                    dir = dir.path().display(),
                    primary = primary.port
                ),
            )
            .expect("write sentinel.conf");
            let bin = std::env::var("REDIS_SERVER").unwrap_or_else(|_| "redis-server".into());
            let mut child = Command::new(&bin)
                .arg(&conf)
                .arg("--sentinel")
                .stdin(Stdio::null())
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .expect("spawn redis-server --sentinel");
            let deadline = Instant::now() + Duration::from_secs(10);
            let up = loop {
                if let Ok(Some(status)) = child.try_wait() {
                    last = format!("sentinel exited: {status}");
                    break false;
                }
                if answers_ping(port) {
                    break true;
                }
                if Instant::now() > deadline {
                    last = "sentinel did not answer PING".into();
                    let _ = child.kill();
                    let _ = child.wait();
                    break false;
                }
                std::thread::sleep(Duration::from_millis(10));
            };
            if !up {
                continue;
            }
            let setup = SentinelSetup {
                primary,
                replica,
                sentinel: Some(child),
                sentinel_port: port,
                _dir: dir,
            };
            // A failover needs the Sentinel to know the replica (it learns it from the
            // primary's INFO).
            wait_until(20, "the Sentinel to know the replica", || {
                command(port, &["SENTINEL", "REPLICAS", SERVICE]).is_ok_and(|r| {
                    r.contains(&setup.replica.port.to_string()) && !r.contains("s_down")
                })
            });
            return setup;
        }
        panic!("could not start a sentinel: {last}");
    }

    /// Waits until the replica has every write the primary acknowledged (replication is
    /// asynchronous: a failover loses what the replica had not received).
    pub fn wait_replicated(&self) {
        wait_until(10, "the replica to catch up", || {
            command(self.replica.port, &["INFO", "replication"]).is_ok_and(|i| {
                let offset = |field: &str| {
                    i.lines()
                        .find_map(|l| l.strip_prefix(field))
                        .and_then(|v| v.trim().parse::<u64>().ok())
                };
                offset("slave_repl_offset:").is_some()
                    && offset("slave_repl_offset:") == offset("master_repl_offset:")
            })
        });
    }

    /// `redis+sentinel://127.0.0.1:PORT/mymaster`.
    pub fn url(&self) -> String {
        format!(
            "redis+sentinel://127.0.0.1:{}/{SERVICE}",
            self.sentinel_port
        )
    }
}

impl Drop for SentinelSetup {
    fn drop(&mut self) {
        if let Some(mut child) = self.sentinel.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

/// A Redis Cluster on loopback: `primaries` primaries (at least 3), each with `replicas`
/// replicas, made with `redis-cli --cluster create`; node timeout 1 s so that a failover
/// takes a few seconds.
pub struct ClusterSetup {
    pub nodes: Vec<RedisServer>,
}

impl ClusterSetup {
    pub fn start(primaries: usize, replicas: usize) -> ClusterSetup {
        let total = primaries * (1 + replicas);
        let nodes: Vec<RedisServer> = (0..total)
            .map(|_| {
                RedisServer::start_with(&[
                    "--save",
                    "",
                    "--appendonly",
                    "no",
                    "--cluster-enabled",
                    "yes",
                    "--cluster-config-file",
                    "nodes.conf",
                    "--cluster-node-timeout",
                    "1000",
                ])
            })
            .collect();
        let cli = std::env::var("REDIS_CLI").unwrap_or_else(|_| "redis-cli".into());
        let out = Command::new(&cli)
            .arg("--cluster")
            .arg("create")
            .args(nodes.iter().map(|n| format!("127.0.0.1:{}", n.port)))
            .args(["--cluster-replicas", &replicas.to_string(), "--cluster-yes"])
            .stdin(Stdio::null())
            .output()
            .expect("run redis-cli --cluster create");
        assert!(
            out.status.success(),
            "redis-cli --cluster create failed: {}",
            String::from_utf8_lossy(&out.stdout)
        );
        let setup = ClusterSetup { nodes };
        for n in &setup.nodes {
            wait_until(30, "cluster_state:ok on every node", || {
                command(n.port, &["CLUSTER", "INFO"]).is_ok_and(|i| i.contains("cluster_state:ok"))
            });
        }
        setup
    }

    /// `redis+cluster://` with these nodes as seeds.
    pub fn url_with(&self, seeds: &[&RedisServer]) -> String {
        let hosts: Vec<String> = seeds
            .iter()
            .map(|n| format!("127.0.0.1:{}", n.port))
            .collect();
        format!("redis+cluster://{}", hosts.join(","))
    }

    /// The primary serving `key`'s slot, and its replicas.
    pub fn owner_of(&self, key: &str) -> (usize, Vec<usize>) {
        let port = self.nodes[0].port;
        let slot_reply = command(port, &["CLUSTER", "KEYSLOT", key]).expect("CLUSTER KEYSLOT");
        let slot: u32 = slot_reply
            .trim()
            .trim_start_matches(':')
            .parse()
            .expect("slot number");
        let nodes = command(port, &["CLUSTER", "NODES"]).expect("CLUSTER NODES");
        let mut owner_id = None;
        let mut by_port = std::collections::HashMap::new();
        let mut masters_of = Vec::new();
        for line in nodes.lines() {
            let f: Vec<&str> = line.split(' ').collect();
            if f.len() < 8 {
                continue;
            }
            let port: u16 = f[1]
                .split(['@', ':'])
                .nth(1)
                .and_then(|p| p.parse().ok())
                .unwrap_or(0);
            by_port.insert(f[0].to_owned(), port);
            masters_of.push((port, f[3].to_owned()));
            for range in &f[8..] {
                let (a, b) = range.split_once('-').unwrap_or((range, range));
                if let (Ok(a), Ok(b)) = (a.trim().parse::<u32>(), b.trim().parse::<u32>())
                    && (a..=b).contains(&slot)
                {
                    owner_id = Some(f[0].to_owned());
                }
            }
        }
        let owner_id = owner_id.expect("a node owns the slot");
        let index = |port: u16| {
            self.nodes
                .iter()
                .position(|n| n.port == port)
                .expect("a node of this setup")
        };
        let owner = index(by_port[&owner_id]);
        let replicas = masters_of
            .iter()
            .filter(|(_, m)| *m == owner_id)
            .map(|(p, _)| index(*p))
            .collect();
        (owner, replicas)
    }
}
