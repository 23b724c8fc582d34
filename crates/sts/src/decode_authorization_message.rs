//! Encoded authorization failure messages, and `DecodeAuthorizationMessage`.
//!
//! [`encode_denial`] turns the details of a denial ([`DenialDetails`]) into an opaque text
//! that services put in their deny answers (fedgate's `POST /authorize`); only a caller
//! allowed `sts:DecodeAuthorizationMessage` (resource `*`, as the Service Authorization
//! Reference lists it) in the same account can read it back with
//! [`decode_authorization_message`].
//!
//! The decoded message has the shape of AWS's (the AWS CLI reference example for
//! `decode-authorization-message`): `allowed`, `explicitDeny`, `matchedStatements.items[]`
//! (`statementId`, `effect` `ALLOW`/`DENY`, `principals`, `principalGroups`, `actions`,
//! `resources`, `conditions`), `failures.items[]`, and `context` (`principal.id`/`arn`,
//! `action`, `resource`, `conditions.items[]` of `key` and `values.items[].value`).
//! fedgate writes `context.action` as `service:Action` (AWS's example shows the bare name).
//!
//! Encoded form: base64url (no padding) of the KEK seal ([`fedgate_core::Kek::seal`],
//! AES-256-GCM) of `account id (12 digits) ‖ decoded JSON`, under a key derived from the KEK
//! with [`MESSAGE_KEY_LABEL`] and that label as associated data. Anything that does not
//! open — tampered, truncated, garbage, another KEK's — is
//! `InvalidAuthorizationMessageException`. An encoded message is kept within AWS's
//! `EncodedMessage` limit of 10,240 characters by leaving out context keys, then matched
//! statements, then shortening long strings.

use crate::StsError;
use crate::error::{access_denied, constraint};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use fedgate_core::{AccountId, Kek, Principal, Rng};
use fedgate_iam::Iam;
use fedgate_iam::authz::{RequestContext, authorize, require};
use fedgate_policy::{MatchedStatement, StatementEffect};
use serde::Serialize;

/// The label of the message key derived from the KEK.
pub const MESSAGE_KEY_LABEL: &str = "fedgate/sts/authorization-message/v1";
/// AWS's length limit of `EncodedMessage`, characters.
pub const MAX_ENCODED_CHARS: usize = 10_240;
/// How long a string in a message that had to be shortened may stay, characters.
const SHORTENED_CHARS: usize = 200;
const ACCOUNT_LEN: usize = 12;

/// What an encoded authorization message tells about one denied request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DenialDetails {
    /// The principal's `aws:userid` (`AIDA…`, `AROA…:session`, `{account}:{name}`, …).
    pub principal_id: String,
    /// The principal's ARN.
    pub principal_arn: String,
    /// The account the request was decided in; only this account can decode the message.
    pub account: AccountId,
    /// `service:Action`.
    pub action: String,
    /// The resource ARN (or `*`).
    pub resource: String,
    /// Denied by a `Deny` statement (else: nothing allowed it).
    pub explicit_deny: bool,
    /// Statements that applied to the request.
    pub matched_statements: Vec<StatementDescription>,
    /// The request context: condition keys and their values.
    pub context: Vec<(String, Vec<String>)>,
}

impl DenialDetails {
    /// Details of a denial of `action` on `resource` to `principal`, with nothing else yet.
    pub fn for_principal(principal: &Principal, action: &str, resource: &str) -> Self {
        DenialDetails {
            principal_id: principal.user_id().into_owned(),
            principal_arn: principal.arn().to_string(),
            account: principal.account().clone(),
            action: action.to_owned(),
            resource: resource.to_owned(),
            explicit_deny: false,
            matched_statements: Vec::new(),
            context: Vec::new(),
        }
    }
}

/// One statement that applied to a denied request, as the decoded message lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatementDescription {
    /// The statement's `Sid`, or `{policy} statement {index}` when it has none.
    pub statement_id: String,
    pub effect: StatementEffect,
    /// Unique ids of the principals the statement's policy applies to.
    pub principals: Vec<String>,
    /// Groups through which it applies.
    pub principal_groups: Vec<String>,
    pub actions: Vec<String>,
    pub resources: Vec<String>,
}

impl StatementDescription {
    /// A statement the policy engine reported as matched, for the principal `principal_id`
    /// (its actions and resources are not known from the engine's report).
    pub fn from_matched(m: &MatchedStatement, principal_id: &str) -> Self {
        StatementDescription {
            statement_id: m
                .sid
                .clone()
                .unwrap_or_else(|| format!("{} statement {}", m.source, m.index)),
            effect: m.effect,
            principals: vec![principal_id.to_owned()],
            principal_groups: Vec::new(),
            actions: Vec::new(),
            resources: Vec::new(),
        }
    }
}

#[derive(Serialize)]
struct Items<T> {
    items: Vec<T>,
}

#[derive(Serialize)]
struct Value<'a> {
    value: &'a str,
}

fn values(v: &[String]) -> Items<Value<'_>> {
    Items {
        items: v.iter().map(|s| Value { value: s }).collect(),
    }
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Doc<'a> {
    allowed: bool,
    explicit_deny: bool,
    matched_statements: Items<StatementDoc<'a>>,
    failures: Items<Value<'a>>,
    context: ContextDoc<'a>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct StatementDoc<'a> {
    statement_id: &'a str,
    effect: &'static str,
    principals: Items<Value<'a>>,
    principal_groups: Items<Value<'a>>,
    actions: Items<Value<'a>>,
    resources: Items<Value<'a>>,
    conditions: Items<ConditionDoc<'a>>,
}

#[derive(Serialize)]
struct ContextDoc<'a> {
    principal: PrincipalDoc<'a>,
    action: &'a str,
    resource: &'a str,
    conditions: Items<ConditionDoc<'a>>,
}

#[derive(Serialize)]
struct PrincipalDoc<'a> {
    id: &'a str,
    arn: &'a str,
}

#[derive(Serialize)]
struct ConditionDoc<'a> {
    key: &'a str,
    values: Items<Value<'a>>,
}

/// The decoded message (JSON text) for `d`.
pub fn decoded_json(d: &DenialDetails) -> String {
    let doc = Doc {
        allowed: false,
        explicit_deny: d.explicit_deny,
        matched_statements: Items {
            items: d
                .matched_statements
                .iter()
                .map(|s| StatementDoc {
                    statement_id: &s.statement_id,
                    effect: match s.effect {
                        StatementEffect::Allow => "ALLOW",
                        StatementEffect::Deny => "DENY",
                    },
                    principals: values(&s.principals),
                    principal_groups: values(&s.principal_groups),
                    actions: values(&s.actions),
                    resources: values(&s.resources),
                    conditions: Items { items: Vec::new() },
                })
                .collect(),
        },
        failures: Items { items: Vec::new() },
        context: ContextDoc {
            principal: PrincipalDoc {
                id: &d.principal_id,
                arn: &d.principal_arn,
            },
            action: &d.action,
            resource: &d.resource,
            conditions: Items {
                items: d
                    .context
                    .iter()
                    .map(|(key, v)| ConditionDoc {
                        key,
                        values: values(v),
                    })
                    .collect(),
            },
        },
    };
    // Serializing these plain structs of strings cannot fail.
    serde_json::to_string(&doc).unwrap_or_default()
}

fn message_key(kek: &Kek) -> Option<Kek> {
    Kek::from_bytes(&kek.derive_key(MESSAGE_KEY_LABEL)[..]).ok()
}

/// Characters of the encoded form of a `plaintext_len`-byte message.
fn encoded_len(plaintext_len: usize) -> usize {
    // version (1) ‖ nonce (12) ‖ ciphertext ‖ tag (16), base64 without padding.
    (4 * (1 + 12 + plaintext_len + 16)).div_ceil(3)
}

fn shorten(s: &mut String) {
    if s.chars().count() > SHORTENED_CHARS {
        *s = s.chars().take(SHORTENED_CHARS).collect::<String>() + "…";
    }
}

/// The decoded JSON for `d`, reduced until its encoded form fits [`MAX_ENCODED_CHARS`].
fn fitted_json(d: &DenialDetails) -> String {
    let fits = |json: &str| encoded_len(ACCOUNT_LEN + json.len()) <= MAX_ENCODED_CHARS;
    let json = decoded_json(d);
    if fits(&json) {
        return json;
    }
    let mut d = d.clone();
    // The most context keys that fit (binary search), then the most statements.
    let keep = largest_fitting(d.context.len(), |n| {
        let mut t = d.clone();
        t.context.truncate(n);
        fits(&decoded_json(&t))
    });
    d.context.truncate(keep);
    if keep == 0 {
        let keep = largest_fitting(d.matched_statements.len(), |n| {
            let mut t = d.clone();
            t.matched_statements.truncate(n);
            fits(&decoded_json(&t))
        });
        d.matched_statements.truncate(keep);
        if keep == 0 && !fits(&decoded_json(&d)) {
            for s in [
                &mut d.resource,
                &mut d.action,
                &mut d.principal_arn,
                &mut d.principal_id,
            ] {
                shorten(s);
            }
        }
    }
    decoded_json(&d)
}

/// The largest `n` in `0..=max` with `ok(n)`, for `ok` monotone (true up to some point);
/// 0 when none.
fn largest_fitting(max: usize, ok: impl Fn(usize) -> bool) -> usize {
    let (mut lo, mut hi) = (0, max);
    while lo < hi {
        let mid = lo + (hi - lo).div_ceil(2);
        if ok(mid) {
            lo = mid;
        } else {
            hi = mid - 1;
        }
    }
    lo
}

/// Seals `d` under `kek` (see the module documentation for the form).
pub fn seal_denial(kek: &Kek, rng: &dyn Rng, d: &DenialDetails) -> String {
    let Some(key) = message_key(kek) else {
        // A derived key is always 32 bytes; this cannot happen.
        return String::new();
    };
    let mut plaintext = d.account.as_str().as_bytes().to_vec();
    plaintext.extend_from_slice(fitted_json(d).as_bytes());
    URL_SAFE_NO_PAD.encode(key.seal(rng, &plaintext, MESSAGE_KEY_LABEL.as_bytes()))
}

/// An encoded authorization failure message for `d`, sealed under this gateway's KEK.
pub fn encode_denial(iam: &Iam, d: &DenialDetails) -> String {
    seal_denial(&iam.kek, iam.rng.as_ref(), d)
}

/// Opens an encoded message: its account and decoded JSON. Total on any input.
pub fn open_denial(kek: &Kek, encoded: &str) -> Result<(AccountId, String), StsError> {
    let invalid = || StsError::InvalidAuthorizationMessage;
    if encoded.len() > MAX_ENCODED_CHARS {
        return Err(invalid());
    }
    let sealed = URL_SAFE_NO_PAD.decode(encoded).map_err(|_| invalid())?;
    let key = message_key(kek).ok_or_else(invalid)?;
    let plain = key
        .open(&sealed, MESSAGE_KEY_LABEL.as_bytes())
        .map_err(|_| invalid())?;
    // Authentic from here on: the contents are ours.
    if plain.len() < ACCOUNT_LEN {
        return Err(invalid());
    }
    let (account, json) = plain.split_at(ACCOUNT_LEN);
    let account = std::str::from_utf8(account)
        .ok()
        .and_then(|a| AccountId::parse(a).ok())
        .ok_or_else(invalid)?;
    let json = std::str::from_utf8(json).map_err(|_| invalid())?;
    Ok((account, json.to_owned()))
}

/// `DecodeAuthorizationMessage`: the decoded JSON of `encoded` (`DecodedMessage`), for a
/// caller allowed `sts:DecodeAuthorizationMessage` in the message's account.
pub async fn decode_authorization_message(
    iam: &Iam,
    caller: &Principal,
    ctx: &RequestContext,
    encoded: &str,
) -> Result<String, StsError> {
    let n = encoded.chars().count();
    if n < 1 {
        return Err(constraint(
            encoded,
            "encodedMessage",
            "Member must have length greater than or equal to 1",
        ));
    }
    if n > MAX_ENCODED_CHARS {
        return Err(constraint(
            "…",
            "encodedMessage",
            "Member must have length less than or equal to 10240",
        ));
    }
    require(authorize(iam, caller, "sts:DecodeAuthorizationMessage", "*", ctx).await?)?;
    let (account, json) = open_denial(&iam.kek, encoded)?;
    if &account != caller.account() {
        return Err(access_denied(format!(
            "User: {} is not authorized to perform: sts:DecodeAuthorizationMessage on a message about another account",
            caller.arn()
        )));
    }
    Ok(json)
}

#[cfg(test)]
#[path = "decode_authorization_message_tests.rs"]
mod tests;
