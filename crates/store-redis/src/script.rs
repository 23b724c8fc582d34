//! The commit script: one Lua script that checks, then writes, a whole [`Txn`] atomically.
//!
//! Encoding (binary-safe: every value is its own ARGV entry, never spliced into text):
//! item `i` of the transaction (checks first, then ops, in order) names its Redis key as
//! `KEYS[i]` and contributes a one-byte tag plus its operands to ARGV:
//!
//! | item | ARGV |
//! |---|---|
//! | check absent | `a` |
//! | check version | `v`, version (decimal) |
//! | check index length below | `n`, bound (decimal); `KEYS[i]` is the index |
//! | put | `p`, value (raw bytes), expiry (decimal Unix ms, or empty for none) |
//! | delete | `d` |
//! | index add | `+`, member |
//! | index remove | `-`, member |
//!
//! The script returns `1` when it applied everything and `0` when a check failed (nothing
//! written). Redis does not roll a script back when a command inside it fails, so the first
//! pass also reads every key the second pass will write and fails on a wrongly typed key or a
//! non-numeric version before the first write: a script error therefore never leaves a
//! transaction half applied.

use fedgate_store::{Check, Op, StoreError, Txn};
use redis::Script;

const COMMIT_LUA: &str = r#"
local n = #KEYS
local a = 1
for i = 1, n do
  local k, tag = KEYS[i], ARGV[a]
  if tag == 'a' then
    if redis.call('EXISTS', k) == 1 then return 0 end
    a = a + 1
  elseif tag == 'v' then
    if redis.call('HGET', k, 'v') ~= ARGV[a + 1] then return 0 end
    a = a + 2
  elseif tag == 'n' then
    local t = redis.call('TYPE', k)['ok']
    if t ~= 'none' and t ~= 'zset' then
      return redis.error_reply('FEDGATE index is not a sorted set')
    end
    if redis.call('ZCARD', k) >= tonumber(ARGV[a + 1]) then return 0 end
    a = a + 2
  elseif tag == 'p' then
    local v = redis.call('HGET', k, 'v')
    if v and not string.match(v, '^[0-9]+$') then
      return redis.error_reply('FEDGATE record version is not a number')
    end
    a = a + 3
  elseif tag == 'd' then
    a = a + 1
  elseif tag == '+' or tag == '-' then
    local t = redis.call('TYPE', k)['ok']
    if t ~= 'none' and t ~= 'zset' then
      return redis.error_reply('FEDGATE index is not a sorted set')
    end
    a = a + 2
  else
    return redis.error_reply('FEDGATE bad commit encoding')
  end
end
if a ~= #ARGV + 1 then
  return redis.error_reply('FEDGATE bad commit encoding')
end
a = 1
for i = 1, n do
  local k, tag = KEYS[i], ARGV[a]
  if tag == 'p' then
    redis.call('HINCRBY', k, 'v', 1)
    redis.call('HSET', k, 'd', ARGV[a + 1])
    if ARGV[a + 2] == '' then
      redis.call('PERSIST', k)
    else
      redis.call('PEXPIREAT', k, ARGV[a + 2])
    end
    a = a + 3
  elseif tag == 'd' then
    redis.call('DEL', k)
    a = a + 1
  elseif tag == '+' then
    redis.call('ZADD', k, 0, ARGV[a + 1])
    a = a + 2
  elseif tag == '-' then
    redis.call('ZREM', k, ARGV[a + 1])
    a = a + 2
  elseif tag == 'v' or tag == 'n' then
    a = a + 2
  else
    a = a + 1
  end
end
return 1
"#;

/// The compiled script; its SHA1 is computed once and EVALSHA is tried first.
pub(crate) fn commit_script() -> Script {
    Script::new(COMMIT_LUA)
}

/// The one transaction shape on the hot path — create one record if absent (a new session:
/// `check_absent(k)` then `put(k)`, with or without expiry) — as a script a fraction of the
/// general one's cost, with the same effect: `0` when the key exists, else the record at
/// version 1 with its expiry, and `1`. `KEYS[1]` the record; `ARGV` value, expiry (decimal
/// Unix ms, or empty).
const CREATE_LUA: &str = r#"
if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
redis.call('HSET', KEYS[1], 'v', '1', 'd', ARGV[1])
if ARGV[2] ~= '' then redis.call('PEXPIREAT', KEYS[1], ARGV[2]) end
return 1
"#;

pub(crate) fn create_script() -> Script {
    Script::new(CREATE_LUA)
}

/// When `txn` is exactly "create this one record if absent": the record, value and expiry.
pub(crate) fn as_create(txn: &Txn) -> Option<(&str, &[u8], Option<i64>)> {
    match (txn.checks.as_slice(), txn.ops.as_slice()) {
        (
            [Check::Absent(checked)],
            [
                Op::Put {
                    key,
                    value,
                    expires_at_ms,
                },
            ],
        ) if checked == key => Some((key.as_str(), value.as_slice(), *expires_at_ms)),
        _ => None,
    }
}

/// How the script answered.
pub(crate) fn reply_to_result(reply: i64) -> Result<(), StoreError> {
    match reply {
        1 => Ok(()),
        0 => Err(StoreError::Conflict),
        _ => Err(StoreError::corrupt(
            "unexpected reply from the commit script",
        )),
    }
}

/// Maps logical names to Redis keys: records and indexes live in separate namespaces under
/// one prefix, as they do in the embedded backend's separate tables.
#[derive(Debug, Clone)]
pub(crate) struct Keys {
    record: String,
    index: String,
}

impl Keys {
    pub(crate) fn new(prefix: &str) -> Self {
        Keys {
            record: format!("{prefix}r:"),
            index: format!("{prefix}i:"),
        }
    }

    pub(crate) fn record(&self, key: &str) -> String {
        let mut k = String::with_capacity(self.record.len() + key.len());
        k.push_str(&self.record);
        k.push_str(key);
        k
    }

    pub(crate) fn index(&self, index: &str) -> String {
        let mut k = String::with_capacity(self.index.len() + index.len());
        k.push_str(&self.index);
        k.push_str(index);
        k
    }
}

/// Builds the KEYS and ARGV of one commit (see the module doc for the layout).
pub(crate) fn encode(keys: &Keys, txn: Txn) -> (Vec<String>, Vec<Vec<u8>>) {
    let items = txn.checks.len() + txn.ops.len();
    let mut redis_keys = Vec::with_capacity(items);
    let mut argv: Vec<Vec<u8>> = Vec::with_capacity(items * 3);
    for check in &txn.checks {
        match check {
            Check::Absent(key) => {
                redis_keys.push(keys.record(key));
                argv.push(b"a".to_vec());
            }
            Check::Version(key, version) => {
                redis_keys.push(keys.record(key));
                argv.push(b"v".to_vec());
                argv.push(version.to_string().into_bytes());
            }
            Check::IndexLenBelow(index, max) => {
                redis_keys.push(keys.index(index));
                argv.push(b"n".to_vec());
                argv.push(max.to_string().into_bytes());
            }
        }
    }
    for op in txn.ops {
        match op {
            Op::Put {
                key,
                value,
                expires_at_ms,
            } => {
                redis_keys.push(keys.record(&key));
                argv.push(b"p".to_vec());
                argv.push(value);
                argv.push(expires_at_ms.map_or_else(Vec::new, |at| at.to_string().into_bytes()));
            }
            Op::Delete { key } => {
                redis_keys.push(keys.record(&key));
                argv.push(b"d".to_vec());
            }
            Op::IndexAdd { index, member } => {
                redis_keys.push(keys.index(&index));
                argv.push(b"+".to_vec());
                argv.push(member.into_bytes());
            }
            Op::IndexRemove { index, member } => {
                redis_keys.push(keys.index(&index));
                argv.push(b"-".to_vec());
                argv.push(member.into_bytes());
            }
        }
    }
    (redis_keys, argv)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
    use super::*;

    #[test]
    fn only_a_lone_create_takes_the_short_script() {
        let create = Txn::new().check_absent("s").put_expiring("s", vec![1], 42);
        assert_eq!(as_create(&create), Some(("s", &[1u8][..], Some(42))));
        let plain = Txn::new().check_absent("s").put("s", vec![]);
        assert_eq!(as_create(&plain), Some(("s", &[][..], None)));
        for other in [
            Txn::new().check_absent("s").put("t", vec![]),
            Txn::new().check_version("s", 1).put("s", vec![]),
            Txn::new().put("s", vec![]),
            Txn::new()
                .check_absent("s")
                .put("s", vec![])
                .index_add("i", "s"),
            Txn::new()
                .check_absent("s")
                .check_absent("t")
                .put("s", vec![]),
        ] {
            assert_eq!(as_create(&other), None, "{other:?}");
        }
    }

    #[test]
    fn one_key_per_item_and_values_stay_separate_arguments() {
        let keys = Keys::new("{fg}:");
        let txn = Txn::new()
            .check_absent("a")
            .check_version("b", 7)
            .put_expiring("a", vec![0, 255, b'\'', b'"'], 42)
            .put("b", vec![])
            .delete("c")
            .index_add("i", "m")
            .index_remove("i", "n");
        let (k, argv) = encode(&keys, txn);
        assert_eq!(
            k,
            [
                "{fg}:r:a", "{fg}:r:b", "{fg}:r:a", "{fg}:r:b", "{fg}:r:c", "{fg}:i:i", "{fg}:i:i"
            ]
        );
        let expected: Vec<Vec<u8>> = vec![
            b"a".to_vec(),
            b"v".to_vec(),
            b"7".to_vec(),
            b"p".to_vec(),
            vec![0, 255, b'\'', b'"'],
            b"42".to_vec(),
            b"p".to_vec(),
            vec![],
            vec![],
            b"d".to_vec(),
            b"+".to_vec(),
            b"m".to_vec(),
            b"-".to_vec(),
            b"n".to_vec(),
        ];
        assert_eq!(argv, expected);
    }

    #[test]
    fn replies() {
        assert!(reply_to_result(1).is_ok());
        assert!(matches!(reply_to_result(0), Err(StoreError::Conflict)));
        assert!(matches!(reply_to_result(2), Err(StoreError::Corrupt(_))));
    }
}
