//! Cache invalidation across replicas: when a session ends, an access key changes or IAM
//! records are written, every gateway sharing the store hears of it and drops what it cached.
//!
//! [`crate::Store`] sends an [`Invalidation`] on its local bus and, when its backend is
//! shared by other replicas (Redis), publishes it there too; the backend forwards what other
//! replicas publish into the same bus ([`crate::Backend::listen`]). A listener that may have
//! missed messages (a lost pub/sub connection) hears [`Invalidation::All`]. Delivery is best
//! effort: caches must still bound their entries' lifetime.

/// What a replica must forget.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Invalidation {
    /// The session of this temporary key id ended.
    Session(String),
    /// This access key was deleted, deactivated or reactivated.
    AccessKey(String),
    /// These records were written or deleted (see [`crate::cache`]).
    Records(Vec<String>),
    /// Anything may have changed: drop every cached entry.
    All,
}

impl Invalidation {
    /// The wire form published between replicas.
    pub fn encode(&self) -> String {
        match self {
            Invalidation::Session(id) => format!("s:{id}"),
            Invalidation::AccessKey(id) => format!("k:{id}"),
            Invalidation::Records(keys) => format!("r:{}", keys.join("\n")),
            Invalidation::All => "*".to_owned(),
        }
    }

    /// Parses [`Invalidation::encode`]'s output; anything else (another version's message,
    /// garbage) is taken as [`Invalidation::All`], which is always safe.
    pub fn decode(raw: &str) -> Invalidation {
        match raw.split_once(':') {
            Some(("s", id)) if !id.is_empty() => Invalidation::Session(id.to_owned()),
            Some(("k", id)) if !id.is_empty() => Invalidation::AccessKey(id.to_owned()),
            Some(("r", keys)) if !keys.is_empty() => {
                Invalidation::Records(keys.split('\n').map(str::to_owned).collect())
            }
            _ => Invalidation::All,
        }
    }
}

/// Receives what other replicas published: `Some(message)`, or `None` when messages may have
/// been missed (the listener reconnected).
pub type Sink = std::sync::Arc<dyn Fn(Option<String>) + Send + Sync>;

#[cfg(test)]
mod tests {
    use super::Invalidation;

    #[test]
    fn round_trip_and_unknown_is_all() {
        for i in [
            Invalidation::Session("ASIAX".into()),
            Invalidation::AccessKey("AKIAX".into()),
            Invalidation::Records(vec!["acct/1/role/R".into(), "acct/1/name/role/r".into()]),
            Invalidation::Records(vec!["alias/x".into()]),
            Invalidation::All,
        ] {
            assert_eq!(Invalidation::decode(&i.encode()), i);
        }
        assert_eq!(Invalidation::decode("v2:whatever"), Invalidation::All);
        assert_eq!(Invalidation::decode("s:"), Invalidation::All);
        assert_eq!(Invalidation::decode("r:"), Invalidation::All);
    }
}
