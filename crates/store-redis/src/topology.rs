//! `store.redis_url`: which Redis deployment fedgate talks to, and how.
//!
//! | URL | deployment |
//! |---|---|
//! | `redis://[[user]:password@]host[:port][/db]` | one server (or a proxy in front of one) |
//! | `redis+sentinel://[[user]:password@]host[:port][,host[:port]…]/service[/db][?sentinel_username=…&sentinel_password=…]` | the primary of `service`, found through these Sentinels (default port 26379) and followed across failovers |
//! | `redis+cluster://[[user]:password@]host[:port][,host[:port]…]` | a Redis Cluster, reached through these seed nodes (default port 6379); slots and redirects are followed |
//!
//! The user and password (percent-encoded) are those of the Redis servers. Sentinels often run
//! without a password, or with their own: `sentinel_username` and `sentinel_password`
//! (percent-encoded query parameters) give theirs. `rediss://` needs a client built with TLS,
//! which this build is not.
//!
//! Parsing never echoes the URL back: it may carry a password.

use redis::ConnectionAddr;

/// A parsed `store.redis_url`.
#[derive(Clone, PartialEq, Eq)]
pub(crate) enum Topology {
    /// `redis://` (or `rediss://`), handed to the client as written.
    Standalone(String),
    Sentinel(SentinelUrl),
    Cluster(ClusterUrl),
}

#[derive(Clone, PartialEq, Eq)]
pub(crate) struct SentinelUrl {
    pub sentinels: Vec<(String, u16)>,
    pub service: String,
    pub db: i64,
    pub auth: Auth,
    pub sentinel_auth: Auth,
}

#[derive(Clone, PartialEq, Eq)]
pub(crate) struct ClusterUrl {
    pub nodes: Vec<(String, u16)>,
    pub auth: Auth,
}

/// Credentials, already percent-decoded.
#[derive(Clone, Default, PartialEq, Eq)]
pub(crate) struct Auth {
    pub username: Option<String>,
    pub password: Option<String>,
}

impl std::fmt::Debug for Topology {
    // Hosts and the service name only: never the credentials.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Topology::Standalone(_) => f.write_str("Standalone"),
            Topology::Sentinel(s) => f
                .debug_struct("Sentinel")
                .field("sentinels", &s.sentinels)
                .field("service", &s.service)
                .field("db", &s.db)
                .finish_non_exhaustive(),
            Topology::Cluster(c) => f
                .debug_struct("Cluster")
                .field("nodes", &c.nodes)
                .finish_non_exhaustive(),
        }
    }
}

impl SentinelUrl {
    pub fn addrs(&self) -> Vec<ConnectionAddr> {
        tcp_addrs(&self.sentinels)
    }
}

impl ClusterUrl {
    /// One plain `redis://` URL per seed node, with the credentials.
    pub fn node_urls(&self) -> Vec<String> {
        self.nodes
            .iter()
            .map(|(host, port)| node_url(host, *port, &self.auth))
            .collect()
    }
}

fn tcp_addrs(hosts: &[(String, u16)]) -> Vec<ConnectionAddr> {
    hosts
        .iter()
        .map(|(h, p)| ConnectionAddr::Tcp(h.clone(), *p))
        .collect()
}

/// `redis://[user:password@]host:port/` with the credentials percent-encoded again.
pub(crate) fn node_url(host: &str, port: u16, auth: &Auth) -> String {
    let enc = |s: &str| {
        percent_encoding::utf8_percent_encode(s, percent_encoding::NON_ALPHANUMERIC).to_string()
    };
    let userinfo = match (&auth.username, &auth.password) {
        (None, None) => String::new(),
        (u, p) => format!(
            "{}:{}@",
            u.as_deref().map(enc).unwrap_or_default(),
            p.as_deref().map(enc).unwrap_or_default()
        ),
    };
    let host = if host.contains(':') {
        format!("[{host}]")
    } else {
        host.to_owned()
    };
    format!("redis://{userinfo}{host}:{port}/")
}

/// Why a URL was refused; the text names the part, never quotes it.
pub(crate) type UrlError = &'static str;

/// Sentinel and Cluster URLs are parsed here; anything else (`redis://`, and whatever else the
/// client accepts, e.g. `unix://`) is one server, for the client to judge.
pub(crate) fn parse(url: &str) -> Result<Topology, UrlError> {
    if let Some(rest) = strip_prefix_ci(url, "redis+sentinel://") {
        return parse_sentinel(rest).map(Topology::Sentinel);
    }
    if let Some(rest) = strip_prefix_ci(url, "redis+cluster://") {
        return parse_cluster(rest).map(Topology::Cluster);
    }
    if strip_prefix_ci(url, "rediss+").is_some() {
        return Err("TLS to Sentinel or Cluster nodes needs a client built with TLS");
    }
    Ok(Topology::Standalone(url.to_owned()))
}

fn strip_prefix_ci<'a>(s: &'a str, prefix: &str) -> Option<&'a str> {
    let head = s.get(..prefix.len())?;
    head.eq_ignore_ascii_case(prefix)
        .then(|| &s[prefix.len()..])
}

/// Splits `[userinfo@]hosts[/path][?query]`.
struct Parts<'a> {
    auth: Auth,
    hosts: &'a str,
    path: &'a str,
    query: &'a str,
}

fn split(rest: &str) -> Result<Parts<'_>, UrlError> {
    let (rest, query) = rest.split_once('?').unwrap_or((rest, ""));
    if rest.contains('#') || query.contains('#') {
        return Err("a fragment (#) is not allowed");
    }
    let (authority, path) = match rest.find('/') {
        Some(i) => (&rest[..i], &rest[i..]),
        None => (rest, ""),
    };
    let (auth, hosts) = match authority.rfind('@') {
        Some(i) => (parse_userinfo(&authority[..i])?, &authority[i + 1..]),
        None => (Auth::default(), authority),
    };
    Ok(Parts {
        auth,
        hosts,
        path,
        query,
    })
}

fn decode(s: &str) -> Result<String, UrlError> {
    percent_encoding::percent_decode_str(s)
        .decode_utf8()
        .map(|c| c.into_owned())
        .map_err(|_| "the credentials are not valid percent-encoded UTF-8")
}

fn parse_userinfo(s: &str) -> Result<Auth, UrlError> {
    let (user, password) = match s.split_once(':') {
        Some((u, p)) => (u, Some(p)),
        None => (s, None),
    };
    Ok(Auth {
        username: (!user.is_empty()).then(|| decode(user)).transpose()?,
        password: password.filter(|p| !p.is_empty()).map(decode).transpose()?,
    })
}

/// `host[:port]` entries separated by commas; IPv6 hosts in brackets.
fn parse_hosts(s: &str, default_port: u16) -> Result<Vec<(String, u16)>, UrlError> {
    let mut out = Vec::new();
    for entry in s.split(',') {
        let entry = entry.trim();
        if entry.is_empty() {
            return Err("an empty host in the host list");
        }
        let (host, port) = if let Some(v6) = entry.strip_prefix('[') {
            let (host, after) = v6.split_once(']').ok_or("an unclosed [ in a host")?;
            match after {
                "" => (host, None),
                p => (host, Some(p.strip_prefix(':').ok_or("a bad port")?)),
            }
        } else {
            match entry.split_once(':') {
                Some((h, p)) => (h, Some(p)),
                None => (entry, None),
            }
        };
        let valid = if entry.starts_with('[') {
            host.parse::<std::net::Ipv6Addr>().is_ok()
        } else {
            !host.is_empty()
                && host
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_'))
        };
        if !valid {
            return Err("a host is not a name, an IPv4 address or a bracketed IPv6 address");
        }
        let port = match port {
            None => default_port,
            Some(p) => p
                .parse::<u16>()
                .ok()
                .filter(|p| *p != 0)
                .ok_or("a port is not a number from 1 to 65535")?,
        };
        out.push((host.to_owned(), port));
    }
    if out.len() > 64 {
        return Err("more than 64 hosts");
    }
    Ok(out)
}

fn parse_sentinel(rest: &str) -> Result<SentinelUrl, UrlError> {
    let parts = split(rest)?;
    let sentinels = parse_hosts(parts.hosts, 26379)?;
    let mut segments = parts.path.trim_start_matches('/').split('/');
    let service = segments.next().unwrap_or_default();
    if service.is_empty() {
        return Err(
            "the Sentinel service (master) name is missing: redis+sentinel://HOSTS/SERVICE",
        );
    }
    let service = decode(service)?;
    let db = match segments.next() {
        None | Some("") => 0,
        Some(d) => d
            .parse::<i64>()
            .ok()
            .filter(|d| (0..=1_000_000).contains(d))
            .ok_or("the database number is not valid")?,
    };
    if segments.next().is_some_and(|s| !s.is_empty()) {
        return Err("the path must be /SERVICE or /SERVICE/DB");
    }
    let mut sentinel_auth = Auth::default();
    for (key, value) in form_pairs(parts.query) {
        match key.as_str() {
            "sentinel_username" => sentinel_auth.username = Some(value),
            "sentinel_password" => sentinel_auth.password = Some(value),
            _ => {
                return Err(
                    "unknown query parameter (sentinel_username and sentinel_password are known)",
                );
            }
        }
    }
    Ok(SentinelUrl {
        sentinels,
        service,
        db,
        auth: parts.auth,
        sentinel_auth,
    })
}

fn parse_cluster(rest: &str) -> Result<ClusterUrl, UrlError> {
    let parts = split(rest)?;
    let nodes = parse_hosts(parts.hosts, 6379)?;
    if !matches!(parts.path, "" | "/" | "/0") {
        return Err("a Redis Cluster has only database 0");
    }
    if !parts.query.is_empty() {
        return Err("redis+cluster:// takes no query parameters");
    }
    Ok(ClusterUrl {
        nodes,
        auth: parts.auth,
    })
}

fn form_pairs(query: &str) -> Vec<(String, String)> {
    form_urlencoded::parse(query.as_bytes())
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect()
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
    use super::*;

    #[test]
    fn standalone_urls_pass_through() {
        assert_eq!(
            parse("redis://:pw@r:6379/2").unwrap(),
            Topology::Standalone("redis://:pw@r:6379/2".into())
        );
        for other in ["REDIS://r", "unix:///run/redis.sock", "http://r", ""] {
            assert!(matches!(parse(other).unwrap(), Topology::Standalone(_)));
        }
    }

    #[test]
    fn sentinel_urls() {
        let Topology::Sentinel(s) = parse(
            "redis+sentinel://u%40x:p%2Fw@s1,s2:26380,[::1]:5/my%20master/3?sentinel_password=sp%26",
        )
        .unwrap() else {
            panic!("not a sentinel URL")
        };
        assert_eq!(
            s.sentinels,
            vec![
                ("s1".to_owned(), 26379),
                ("s2".to_owned(), 26380),
                ("::1".to_owned(), 5)
            ]
        );
        assert_eq!(s.service, "my master");
        assert_eq!(s.db, 3);
        assert_eq!(s.auth.username.as_deref(), Some("u@x"));
        assert_eq!(s.auth.password.as_deref(), Some("p/w"));
        assert_eq!(s.sentinel_auth.password.as_deref(), Some("sp&"));
        assert_eq!(s.sentinel_auth.username, None);
    }

    #[test]
    fn cluster_urls() {
        let Topology::Cluster(c) = parse("redis+cluster://:secret@a:7000,b").unwrap() else {
            panic!("not a cluster URL")
        };
        assert_eq!(
            c.nodes,
            vec![("a".to_owned(), 7000), ("b".to_owned(), 6379)]
        );
        assert_eq!(
            c.node_urls(),
            vec!["redis://:secret@a:7000/", "redis://:secret@b:6379/"]
        );
        let Topology::Cluster(c) = parse("redis+cluster://[::1]:7000").unwrap() else {
            panic!("not a cluster URL")
        };
        assert_eq!(c.node_urls(), vec!["redis://[::1]:7000/"]);
    }

    #[test]
    fn bad_urls_are_refused_without_echoing_them() {
        for bad in [
            "redis+sentinel://s1",
            "redis+sentinel://s1/",
            "redis+sentinel://s1:x/m",
            "redis+sentinel://s1:0/m",
            "redis+sentinel://s1:70000/m",
            "redis+sentinel://s1,,s2/m",
            "redis+sentinel://s1/m/x",
            "redis+sentinel://s1/m/1/2",
            "redis+sentinel://s1/m?foo=bar",
            "redis+sentinel://s 1/m",
            "redis+sentinel://[::1/m",
            "redis+cluster://a/1",
            "redis+cluster://a?x=1",
            "redis+cluster://a#frag",
            "rediss+cluster://a",
            "redis+cluster://:%ff@a",
            "redis+cluster://[a:b]:1",
            "redis+cluster://[host]:1",
            "redis+cluster://a:b:1",
        ] {
            let e = parse(bad)
                .err()
                .unwrap_or_else(|| panic!("accepted {bad:?}"));
            assert!(!e.contains("s1") && !e.contains("%ff"), "{e}");
        }
    }

    #[test]
    fn debug_hides_credentials() {
        for url in [
            "redis://:hunter2@r",
            "redis+sentinel://:hunter2@s/m?sentinel_password=hunter2",
            "redis+cluster://:hunter2@a",
        ] {
            let shown = format!("{:?}", parse(url).unwrap());
            assert!(!shown.contains("hunter2"), "{shown}");
        }
    }
}
