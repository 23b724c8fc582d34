//! The embedded backend: one redb file, a single node.
//!
//! Record layout: `version (u64 LE) || expires_at_ms (i64 LE, i64::MAX = never) || value`.
//! Expired records are invisible at once and removed by [`EmbeddedBackend::purge_expired`].
//! Index members live in their own table, with a per-index member count beside them (so a
//! quota check is O(1)); a file written before the counts existed gets them on open.
//! Reads run inline (redb reads are microseconds and never wait for writers). Commits go to
//! one writer thread, which applies every transaction waiting at that moment in order within
//! one redb write transaction and one fsync (group commit), and answers each only once that is
//! durable (see [`Writer`]).

use crate::StoreError;
use crate::backend::{Backend, Check, Op, Txn, Versioned};
use async_trait::async_trait;
use fedgate_core::Clock;
use redb::{Database, ReadableDatabase, ReadableTable, TableDefinition};
use std::ops::Bound;
use std::path::Path;
use std::sync::Arc;

const RECORDS: TableDefinition<&str, &[u8]> = TableDefinition::new("records");
const INDEX: TableDefinition<&str, ()> = TableDefinition::new("index");
const EXPIRY: TableDefinition<(i64, &str), ()> = TableDefinition::new("expiry");
/// Member count of every index, kept in the same write transaction as its members.
const INDEX_LEN: TableDefinition<&str, u64> = TableDefinition::new("index_len");
/// Layout markers (`index_len`: the counts above are complete for this file).
const META: TableDefinition<&str, u64> = TableDefinition::new("meta");
const HEADER: usize = 16;
const NEVER: i64 = i64::MAX;

#[derive(Clone)]
pub struct EmbeddedBackend {
    writer: Arc<Writer>,
    db: Arc<Database>,
    clock: Arc<dyn Clock>,
}

/// A commit waiting for the writer thread: the transaction, the time its expiries are
/// judged against, and where the answer goes.
struct Job {
    txn: Txn,
    now: i64,
    reply: tokio::sync::oneshot::Sender<Result<(), StoreError>>,
}

/// Most transactions applied in one redb write transaction (one fsync).
const MAX_BATCH: usize = 256;

/// The writer thread. redb runs one write transaction at a time and fsyncs each commit, so
/// committing each transaction on its own made every minted session wait for its own fsync,
/// one after another. The thread instead takes every job queued while the previous fsync ran
/// and applies them in arrival order in one write transaction: each sees the effects of those
/// before it, a job whose checks fail writes nothing and gets `Conflict`, and every job is
/// answered after the single commit is durable. A job that fails midway for another reason
/// (a corrupt record) aborts the whole write transaction; the batch is then applied again one
/// job per transaction, so only that job fails. Dropping the last handle stops and joins the
/// thread (so the file can be opened again at once).
struct Writer {
    jobs: Option<std::sync::mpsc::Sender<Job>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Writer {
    fn start(db: Arc<Database>) -> Result<Writer, StoreError> {
        let (jobs, queue) = std::sync::mpsc::channel::<Job>();
        let thread = std::thread::Builder::new()
            .name("fedgate-store-writer".into())
            .spawn(move || write_batches(&db, &queue))
            .map_err(StoreError::unavailable)?;
        Ok(Writer {
            jobs: Some(jobs),
            thread: Some(thread),
        })
    }
}

impl Drop for Writer {
    fn drop(&mut self) {
        drop(self.jobs.take());
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

fn write_batches(db: &Database, queue: &std::sync::mpsc::Receiver<Job>) {
    while let Ok(first) = queue.recv() {
        let mut batch = vec![first];
        while batch.len() < MAX_BATCH {
            match queue.try_recv() {
                Ok(job) => batch.push(job),
                Err(_) => break,
            }
        }
        let results = apply_batch(db, &batch);
        for (job, result) in batch.into_iter().zip(results) {
            // The caller may have gone (its request was cancelled): nothing to tell.
            let _ = job.reply.send(result);
        }
    }
}

/// The answers for `batch`, in order, after one durable commit (or one per job when a job
/// fails other than by its checks).
fn apply_batch(db: &Database, batch: &[Job]) -> Vec<Result<(), StoreError>> {
    let one_by_one = |batch: &[Job]| {
        batch
            .iter()
            .map(|j| apply(db, &j.txn, j.now))
            .collect::<Vec<_>>()
    };
    if batch.len() == 1 {
        return one_by_one(batch);
    }
    let tx = match db.begin_write() {
        Ok(tx) => tx,
        Err(e) => {
            let e = StoreError::unavailable(e);
            return batch.iter().map(|_| Err(e.clone())).collect();
        }
    };
    let mut results = Vec::with_capacity(batch.len());
    for job in batch {
        match apply_in(&tx, &job.txn, job.now) {
            Ok(()) => results.push(Ok(())),
            Err(StoreError::Conflict) => results.push(Err(StoreError::Conflict)),
            // Possibly half applied: abort everything and go one by one.
            Err(_) => {
                drop(tx);
                return one_by_one(batch);
            }
        }
    }
    match tx.commit() {
        Ok(()) => results,
        // Nothing was written; a Conflict may have come from a write that is now lost too.
        Err(e) => {
            let e = StoreError::unavailable(e);
            batch.iter().map(|_| Err(e.clone())).collect()
        }
    }
}

impl std::fmt::Debug for EmbeddedBackend {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("EmbeddedBackend")
    }
}

struct Header {
    version: u64,
    expires_at_ms: i64,
}

fn decode(raw: &[u8]) -> Result<(Header, &[u8]), StoreError> {
    if raw.len() < HEADER {
        return Err(StoreError::corrupt("record shorter than its header"));
    }
    let mut v = [0u8; 8];
    v.copy_from_slice(&raw[..8]);
    let mut e = [0u8; 8];
    e.copy_from_slice(&raw[8..16]);
    Ok((
        Header {
            version: u64::from_le_bytes(v),
            expires_at_ms: i64::from_le_bytes(e),
        },
        &raw[HEADER..],
    ))
}

fn encode(version: u64, expires_at_ms: i64, value: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(HEADER + value.len());
    out.extend_from_slice(&version.to_le_bytes());
    out.extend_from_slice(&expires_at_ms.to_le_bytes());
    out.extend_from_slice(value);
    out
}

fn index_key(index: &str, member: &str) -> String {
    format!("{index}\u{0}{member}")
}

impl EmbeddedBackend {
    /// Opens (or creates) the database file at `path`.
    pub fn open(path: &Path, clock: Arc<dyn Clock>) -> Result<Self, StoreError> {
        let db = Database::create(path).map_err(StoreError::unavailable)?;
        let tx = db.begin_write().map_err(StoreError::unavailable)?;
        {
            tx.open_table(RECORDS).map_err(StoreError::corrupt)?;
            tx.open_table(INDEX).map_err(StoreError::corrupt)?;
            tx.open_table(EXPIRY).map_err(StoreError::corrupt)?;
            count_indexes_once(&tx)?;
        }
        tx.commit().map_err(StoreError::unavailable)?;
        let db = Arc::new(db);
        Ok(EmbeddedBackend {
            writer: Arc::new(Writer::start(db.clone())?),
            db,
            clock,
        })
    }

    /// Removes records whose expiry has passed; returns how many. Safe to run at any time.
    pub async fn purge_expired(&self) -> Result<usize, StoreError> {
        let db = self.db.clone();
        let now = self.clock.now_millis();
        tokio::task::spawn_blocking(move || purge(&db, now))
            .await
            .map_err(StoreError::corrupt)?
    }
}

/// Fills `INDEX_LEN` from the members once per file (files from before the counts existed).
fn count_indexes_once(tx: &redb::WriteTransaction) -> Result<(), StoreError> {
    let mut meta = tx.open_table(META).map_err(StoreError::corrupt)?;
    if meta
        .get("index_len")
        .map_err(StoreError::corrupt)?
        .is_some()
    {
        return Ok(());
    }
    let index = tx.open_table(INDEX).map_err(StoreError::corrupt)?;
    let mut counts = std::collections::BTreeMap::<String, u64>::new();
    for entry in index.iter().map_err(StoreError::corrupt)? {
        let (k, _) = entry.map_err(StoreError::corrupt)?;
        if let Some((name, _)) = k.value().split_once('\u{0}') {
            *counts.entry(name.to_owned()).or_default() += 1;
        }
    }
    let mut lens = tx.open_table(INDEX_LEN).map_err(StoreError::corrupt)?;
    for (name, n) in counts {
        lens.insert(name.as_str(), n).map_err(StoreError::corrupt)?;
    }
    meta.insert("index_len", 1).map_err(StoreError::corrupt)?;
    Ok(())
}

/// Adds `delta` to the member count of `name`, dropping the entry at zero.
fn shift_len(lens: &mut redb::Table<&str, u64>, name: &str, delta: i64) -> Result<(), StoreError> {
    let n = lens
        .get(name)
        .map_err(StoreError::corrupt)?
        .map_or(0, |v| v.value());
    let n = n.saturating_add_signed(delta);
    if n == 0 {
        lens.remove(name).map_err(StoreError::corrupt)?;
    } else {
        lens.insert(name, n).map_err(StoreError::corrupt)?;
    }
    Ok(())
}

fn index_len_of(
    lens: &impl ReadableTable<&'static str, u64>,
    name: &str,
) -> Result<u64, StoreError> {
    Ok(lens
        .get(name)
        .map_err(StoreError::corrupt)?
        .map_or(0, |v| v.value()))
}

fn purge(db: &Database, now: i64) -> Result<usize, StoreError> {
    let tx = db.begin_write().map_err(StoreError::unavailable)?;
    let mut removed = 0;
    {
        let mut expiry = tx.open_table(EXPIRY).map_err(StoreError::corrupt)?;
        let mut records = tx.open_table(RECORDS).map_err(StoreError::corrupt)?;
        let due: Vec<(i64, String)> = expiry
            .range::<(i64, &str)>(..=(now, "\u{10FFFF}"))
            .map_err(StoreError::corrupt)?
            .filter_map(|r| r.ok())
            .map(|(k, _)| {
                let (t, key) = k.value();
                (t, key.to_owned())
            })
            .collect();
        for (t, key) in due {
            expiry
                .remove((t, key.as_str()))
                .map_err(StoreError::corrupt)?;
            let still_due = match records.get(key.as_str()).map_err(StoreError::corrupt)? {
                Some(raw) => decode(raw.value())?.0.expires_at_ms == t,
                None => false,
            };
            if still_due {
                records.remove(key.as_str()).map_err(StoreError::corrupt)?;
                removed += 1;
            }
        }
    }
    tx.commit().map_err(StoreError::unavailable)?;
    Ok(removed)
}

/// `txn` in its own write transaction.
fn apply(db: &Database, txn: &Txn, now: i64) -> Result<(), StoreError> {
    let tx = db.begin_write().map_err(StoreError::unavailable)?;
    apply_in(&tx, txn, now)?;
    tx.commit().map_err(StoreError::unavailable)
}

/// `txn` within `tx`: `Conflict`, having written nothing, when a check fails; any other error
/// may leave `tx` half applied (the caller must then abort it).
fn apply_in(tx: &redb::WriteTransaction, txn: &Txn, now: i64) -> Result<(), StoreError> {
    {
        let mut records = tx.open_table(RECORDS).map_err(StoreError::corrupt)?;
        let mut index = tx.open_table(INDEX).map_err(StoreError::corrupt)?;
        let mut expiry = tx.open_table(EXPIRY).map_err(StoreError::corrupt)?;
        let mut lens = tx.open_table(INDEX_LEN).map_err(StoreError::corrupt)?;
        let live =
            |records: &redb::Table<&str, &[u8]>, key: &str| -> Result<Option<Header>, StoreError> {
                match records.get(key).map_err(StoreError::corrupt)? {
                    Some(raw) => {
                        let (h, _) = decode(raw.value())?;
                        Ok((h.expires_at_ms > now).then_some(h))
                    }
                    None => Ok(None),
                }
            };
        for check in &txn.checks {
            let ok = match check {
                Check::Absent(key) => live(&records, key)?.is_none(),
                Check::Version(key, v) => live(&records, key)?.is_some_and(|h| h.version == *v),
                Check::IndexLenBelow(i, max) => index_len_of(&lens, i)? < *max,
            };
            if !ok {
                // Dropping `tx` without commit aborts it.
                return Err(StoreError::Conflict);
            }
        }
        for op in &txn.ops {
            match op {
                Op::Put {
                    key,
                    value,
                    expires_at_ms,
                } => {
                    let old = live(&records, key)?;
                    if let Some(raw) = records.get(key.as_str()).map_err(StoreError::corrupt)? {
                        let (h, _) = decode(raw.value())?;
                        drop(raw);
                        if h.expires_at_ms != NEVER {
                            expiry
                                .remove((h.expires_at_ms, key.as_str()))
                                .map_err(StoreError::corrupt)?;
                        }
                    }
                    let version = old.map_or(1, |h| h.version + 1);
                    let at = expires_at_ms.unwrap_or(NEVER);
                    records
                        .insert(key.as_str(), encode(version, at, value).as_slice())
                        .map_err(StoreError::corrupt)?;
                    if at != NEVER {
                        expiry
                            .insert((at, key.as_str()), ())
                            .map_err(StoreError::corrupt)?;
                    }
                }
                Op::Delete { key } => {
                    let old = records
                        .remove(key.as_str())
                        .map_err(StoreError::corrupt)?
                        .map(|raw| decode(raw.value()).map(|(h, _)| h.expires_at_ms))
                        .transpose()?;
                    if let Some(at) = old.filter(|at| *at != NEVER) {
                        expiry
                            .remove((at, key.as_str()))
                            .map_err(StoreError::corrupt)?;
                    }
                }
                Op::IndexAdd { index: i, member } => {
                    let was = index
                        .insert(index_key(i, member).as_str(), ())
                        .map_err(StoreError::corrupt)?
                        .is_some();
                    if !was {
                        shift_len(&mut lens, i, 1)?;
                    }
                }
                Op::IndexRemove { index: i, member } => {
                    let was = index
                        .remove(index_key(i, member).as_str())
                        .map_err(StoreError::corrupt)?
                        .is_some();
                    if was {
                        shift_len(&mut lens, i, -1)?;
                    }
                }
            }
        }
    }
    Ok(())
}

#[async_trait]
impl Backend for EmbeddedBackend {
    async fn get(&self, key: &str) -> Result<Option<Versioned>, StoreError> {
        let tx = self.db.begin_read().map_err(StoreError::unavailable)?;
        let records = tx.open_table(RECORDS).map_err(StoreError::corrupt)?;
        let Some(raw) = records.get(key).map_err(StoreError::corrupt)? else {
            return Ok(None);
        };
        let (h, value) = decode(raw.value())?;
        if h.expires_at_ms <= self.clock.now_millis() {
            return Ok(None);
        }
        Ok(Some(Versioned {
            value: value.to_vec(),
            version: h.version,
        }))
    }

    async fn commit(&self, txn: Txn) -> Result<(), StoreError> {
        let (reply, answer) = tokio::sync::oneshot::channel();
        let job = Job {
            txn,
            now: self.clock.now_millis(),
            reply,
        };
        let gone = || StoreError::unavailable("the store's writer thread has stopped");
        self.writer
            .jobs
            .as_ref()
            .ok_or_else(gone)?
            .send(job)
            .map_err(|_| gone())?;
        answer.await.map_err(|_| gone())?
    }

    async fn index_range(
        &self,
        index: &str,
        after: Option<&str>,
        limit: usize,
    ) -> Result<Vec<String>, StoreError> {
        let tx = self.db.begin_read().map_err(StoreError::unavailable)?;
        let table = tx.open_table(INDEX).map_err(StoreError::corrupt)?;
        let prefix = format!("{index}\u{0}");
        let end = format!("{index}\u{1}");
        let start = match after {
            Some(a) => Bound::Excluded(index_key(index, a)),
            None => Bound::Included(prefix.clone()),
        };
        let start = match &start {
            Bound::Excluded(s) => Bound::Excluded(s.as_str()),
            Bound::Included(s) => Bound::Included(s.as_str()),
            Bound::Unbounded => Bound::Unbounded,
        };
        let mut out = Vec::new();
        for entry in table
            .range::<&str>((start, Bound::Excluded(end.as_str())))
            .map_err(StoreError::corrupt)?
        {
            if out.len() >= limit {
                break;
            }
            let (k, _) = entry.map_err(StoreError::corrupt)?;
            if let Some(member) = k.value().strip_prefix(prefix.as_str()) {
                out.push(member.to_owned());
            }
        }
        Ok(out)
    }

    async fn index_len(&self, index: &str) -> Result<u64, StoreError> {
        let tx = self.db.begin_read().map_err(StoreError::unavailable)?;
        let lens = tx.open_table(INDEX_LEN).map_err(StoreError::corrupt)?;
        index_len_of(&lens, index)
    }

    async fn ping(&self) -> Result<(), StoreError> {
        self.db
            .begin_read()
            .map(|_| ())
            .map_err(StoreError::unavailable)
    }

    fn kind(&self) -> &'static str {
        "embedded"
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
    use super::*;
    use fedgate_core::SystemClock;

    /// Many commits at once (group-committed in batches by the writer thread) answer exactly
    /// as they would one at a time: of creates racing for one key one wins and the rest get
    /// `Conflict`; creates of distinct keys all succeed; a commit that meets a corrupt record
    /// fails alone (its batch is applied again one by one) and nothing else is lost.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn concurrent_commits_answer_as_if_one_at_a_time() {
        let dir = tempfile::tempdir().unwrap();
        let b = EmbeddedBackend::open(&dir.path().join("db.redb"), Arc::new(SystemClock)).unwrap();
        {
            let tx = b.db.begin_write().unwrap();
            tx.open_table(RECORDS)
                .unwrap()
                .insert("broken", &b"short"[..])
                .unwrap();
            tx.commit().unwrap();
        }
        let mut tasks = Vec::new();
        for i in 0..200 {
            let b = b.clone();
            tasks.push(tokio::spawn(async move {
                let txn = match i % 4 {
                    0 => Txn::new().check_absent("same").put("same", vec![i as u8]),
                    1 if i == 1 => Txn::new().put("broken", b"x".to_vec()),
                    _ => Txn::new()
                        .check_absent(format!("k{i}"))
                        .put(format!("k{i}"), vec![1])
                        .index_add("all", format!("k{i}")),
                };
                (i, b.commit(txn).await)
            }));
        }
        let (mut won, mut conflicts) = (0, 0);
        for t in tasks {
            let (i, r) = t.await.unwrap();
            match (i % 4, r) {
                (0, Ok(())) => won += 1,
                (0, Err(StoreError::Conflict)) => conflicts += 1,
                (1, Err(StoreError::Corrupt(_))) if i == 1 => {}
                (_, Ok(())) if i != 1 && i % 4 != 0 => {}
                (_, r) => panic!("commit {i}: {r:?}"),
            }
        }
        assert_eq!((won, conflicts), (1, 49));
        assert_eq!(b.index_len("all").await.unwrap(), 149);
        for i in (0..200).filter(|i| i % 4 != 0 && *i != 1) {
            assert!(b.get(&format!("k{i}")).await.unwrap().is_some(), "k{i}");
        }
        let same = b.get("same").await.unwrap().unwrap();
        assert_eq!(same.version, 1);
    }

    /// A file written before index counts existed gets them when opened.
    #[tokio::test]
    async fn counts_are_rebuilt_for_older_files() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("db.redb");
        {
            let db = Database::create(&path).unwrap();
            let tx = db.begin_write().unwrap();
            {
                let mut index = tx.open_table(INDEX).unwrap();
                for m in ["a", "b", "c"] {
                    index
                        .insert(index_key("acct/x/users", m).as_str(), ())
                        .unwrap();
                }
                index.insert(index_key("other", "z").as_str(), ()).unwrap();
                tx.open_table(RECORDS).unwrap();
                tx.open_table(EXPIRY).unwrap();
            }
            tx.commit().unwrap();
        }
        let b = EmbeddedBackend::open(&path, Arc::new(SystemClock)).unwrap();
        assert_eq!(b.index_len("acct/x/users").await.unwrap(), 3);
        assert_eq!(b.index_len("other").await.unwrap(), 1);
        b.commit(Txn::new().index_remove("acct/x/users", "a"))
            .await
            .unwrap();
        drop(b);
        // Counted once: reopening does not count again.
        let b = EmbeddedBackend::open(&path, Arc::new(SystemClock)).unwrap();
        assert_eq!(b.index_len("acct/x/users").await.unwrap(), 2);
    }
}
