//! The credential report: GenerateCredentialReport/GetCredentialReport in AWS's CSV columns.
//!
//! As in AWS, a report is generated at most every four hours: `GenerateCredentialReport`
//! answers `STARTED` when it makes a new one (fedgate makes it at once, so it is already
//! there) and `COMPLETE` while the last one is younger than four hours. `GetCredentialReport`
//! answers `ReportNotPresent` before the first and `ReportExpired` once the last is older than
//! four hours. The report is stored per account at `acct/{id}/credential-report`.

use crate::access_keys::keys_of;
use crate::authz::{RequestContext, authorize, require};
use crate::login_profiles::password_expiry;
use crate::users::user_arn;
use crate::{Iam, IamError};
use fedgate_core::clock::iso8601;
use fedgate_core::{AccountId, Arn, Principal};
use fedgate_store::model::{AccessKey, Account, KeyOwner, KeyStatus, PasswordPolicy, User};
use fedgate_store::{StoreError, Txn};
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

/// How long a report stays current.
pub const REPORT_LIFETIME_SECS: i64 = 4 * 3600;

/// The columns, in AWS's order (IAM User Guide, "Getting credential reports").
pub const COLUMNS: [&str; 22] = [
    "user",
    "arn",
    "user_creation_time",
    "password_enabled",
    "password_last_used",
    "password_last_changed",
    "password_next_rotation",
    "mfa_active",
    "access_key_1_active",
    "access_key_1_last_rotated",
    "access_key_1_last_used_date",
    "access_key_1_last_used_region",
    "access_key_1_last_used_service",
    "access_key_2_active",
    "access_key_2_last_rotated",
    "access_key_2_last_used_date",
    "access_key_2_last_used_region",
    "access_key_2_last_used_service",
    "cert_1_active",
    "cert_1_last_rotated",
    "cert_2_active",
    "cert_2_last_rotated",
];

/// A stored report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CredentialReport {
    /// ISO 8601.
    pub generated_at: String,
    pub csv: String,
}

/// What `GenerateCredentialReport` answers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReportState {
    /// A new report was made.
    Started,
    /// The last report is still current.
    Complete,
}

impl ReportState {
    pub fn as_str(self) -> &'static str {
        match self {
            ReportState::Started => "STARTED",
            ReportState::Complete => "COMPLETE",
        }
    }
}

fn report_key(account: &AccountId) -> String {
    format!("acct/{account}/credential-report")
}

/// AWS writes the report's times as `2026-11-23T11:33:16+00:00`.
fn csv_time(iso: &str) -> String {
    match iso.strip_suffix('Z') {
        Some(t) => format!("{t}+00:00"),
        None => iso.to_owned(),
    }
}

fn csv_field(s: &str) -> String {
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_owned()
    }
}

fn flag(b: bool) -> String {
    b.to_string()
}

const NA: &str = "N/A";

/// The ten access-key columns for the owner's first two keys (oldest first).
fn key_columns(keys: &[AccessKey]) -> Vec<String> {
    let mut out = Vec::with_capacity(10);
    for i in 0..2 {
        match keys.get(i) {
            Some(k) => {
                out.push(flag(k.status == KeyStatus::Active));
                out.push(csv_time(&k.created_at));
                match &k.last_used {
                    Some(u) => {
                        out.push(csv_time(&u.date));
                        out.push(u.region.clone());
                        out.push(u.service.clone());
                    }
                    None => out.extend([NA, NA, NA].map(String::from)),
                }
            }
            None => out.extend(["false", NA, NA, NA, NA].map(String::from)),
        }
    }
    out
}

fn cert_columns() -> [String; 4] {
    ["false", NA, "false", NA].map(String::from)
}

/// The `<root_account>` row.
pub fn root_row(partition: &str, account: &Account, keys: &[AccessKey]) -> Vec<String> {
    let mut row = vec![
        "<root_account>".to_owned(),
        Arn::root(partition, account.id.as_str()).to_string(),
        csv_time(&account.created_at),
        "not_supported".to_owned(),
        "no_information".to_owned(),
        "not_supported".to_owned(),
        "not_supported".to_owned(),
        flag(!account.root_mfa_devices.is_empty()),
    ];
    row.extend(key_columns(keys));
    row.extend(cert_columns());
    row
}

/// One IAM user's row.
pub fn user_row(
    partition: &str,
    user: &User,
    keys: &[AccessKey],
    policy: Option<&PasswordPolicy>,
) -> Vec<String> {
    let profile = user.login_profile.as_ref();
    let last_used = match (&user.password_last_used, profile) {
        (Some(t), _) => csv_time(t),
        (None, Some(_)) => "no_information".to_owned(),
        (None, None) => NA.to_owned(),
    };
    let mut row = vec![
        user.name.clone(),
        user_arn(partition, user).to_string(),
        csv_time(&user.created_at),
        flag(profile.is_some()),
        last_used,
        profile.map_or_else(|| NA.to_owned(), |p| csv_time(&p.password_changed_at)),
        profile
            .and_then(|p| password_expiry(p, policy))
            .map_or_else(|| NA.to_owned(), |t| csv_time(&iso8601(t))),
        flag(!user.mfa_devices.is_empty()),
    ];
    row.extend(key_columns(keys));
    row.extend(cert_columns());
    row
}

/// The CSV text: the header, then one line per row.
pub fn to_csv(rows: &[Vec<String>]) -> String {
    let mut out = COLUMNS.join(",");
    out.push('\n');
    for row in rows {
        let line: Vec<String> = row.iter().map(|f| csv_field(f)).collect();
        out.push_str(&line.join(","));
        out.push('\n');
    }
    out
}

/// The rows of a report's CSV (the header first): RFC 4180, the inverse of [`to_csv`]
/// (quoted fields may hold commas, doubled quotes and line breaks).
pub fn parse_csv(csv: &str) -> Vec<Vec<String>> {
    let mut rows = Vec::new();
    let mut row = Vec::new();
    let mut field = String::new();
    let mut quoted = false;
    let mut chars = csv.chars().peekable();
    while let Some(c) = chars.next() {
        match (quoted, c) {
            (true, '"') if chars.peek() == Some(&'"') => {
                chars.next();
                field.push('"');
            }
            (true, '"') => quoted = false,
            (true, c) => field.push(c),
            (false, '"') if field.is_empty() => quoted = true,
            (false, ',') => row.push(std::mem::take(&mut field)),
            (false, '\r') => {}
            (false, '\n') => {
                row.push(std::mem::take(&mut field));
                rows.push(std::mem::take(&mut row));
            }
            (false, c) => field.push(c),
        }
    }
    if !field.is_empty() || !row.is_empty() {
        row.push(field);
        rows.push(row);
    }
    rows
}

async fn build(iam: &Iam, account: &Account) -> Result<String, IamError> {
    let partition = iam.partition.as_str();
    let policy = account.password_policy.as_ref();
    let root_keys = keys_of(iam, &account.id, &KeyOwner::Root).await?;
    let mut rows = vec![root_row(partition, account, &root_keys)];
    let mut marker: Option<String> = None;
    loop {
        let (users, next) = iam
            .store
            .list_entities::<User>(&account.id, marker.as_deref(), 1000)
            .await?;
        for u in &users {
            let owner = KeyOwner::User {
                user_id: u.user_id.clone(),
                user_name: u.name.clone(),
            };
            let keys = keys_of(iam, &account.id, &owner).await?;
            rows.push(user_row(partition, u, &keys, policy));
        }
        match next {
            Some(m) => marker = Some(m),
            None => break,
        }
    }
    Ok(to_csv(&rows))
}

async fn stored(iam: &Iam, account: &AccountId) -> Result<Option<CredentialReport>, IamError> {
    Ok(iam
        .store
        .get_json::<CredentialReport>(&report_key(account))
        .await?
        .map(|(r, _)| r))
}

fn age_secs(report: &CredentialReport, now: OffsetDateTime) -> Option<i64> {
    OffsetDateTime::parse(
        &report.generated_at,
        &time::format_description::well_known::Rfc3339,
    )
    .ok()
    .map(|t| (now - t).whole_seconds())
}

/// Whether a report is still current at `now` (younger than four hours).
pub fn is_current(report: &CredentialReport, now: OffsetDateTime) -> bool {
    age_secs(report, now).is_some_and(|a| a < REPORT_LIFETIME_SECS)
}

/// `GenerateCredentialReport`.
pub async fn generate_credential_report(
    iam: &Iam,
    caller: &Principal,
    ctx: &RequestContext,
) -> Result<ReportState, IamError> {
    require(authorize(iam, caller, "iam:GenerateCredentialReport", "*", ctx).await?)?;
    let now = iam.clock.now();
    if stored(iam, caller.account())
        .await?
        .is_some_and(|r| is_current(&r, now))
    {
        return Ok(ReportState::Complete);
    }
    let account = iam
        .store
        .get_account(caller.account())
        .await?
        .ok_or_else(|| IamError::NoSuchEntity("The account does not exist.".into()))?;
    let report = CredentialReport {
        generated_at: iso8601(now),
        csv: build(iam, &account).await?,
    };
    let json = serde_json::to_vec(&report).map_err(|e| IamError::Store(StoreError::corrupt(e)))?;
    iam.store
        .backend()
        .commit(Txn::new().put(report_key(&account.id), json))
        .await?;
    let at = report.generated_at.clone();
    iam.store
        .update_account(&account.id, |a| {
            a.credential_report_generated_at = Some(at.clone());
            Ok::<_, IamError>(())
        })
        .await?;
    Ok(ReportState::Started)
}

/// `GetCredentialReport`: the CSV and when it was generated.
pub async fn get_credential_report(
    iam: &Iam,
    caller: &Principal,
    ctx: &RequestContext,
) -> Result<CredentialReport, IamError> {
    require(authorize(iam, caller, "iam:GetCredentialReport", "*", ctx).await?)?;
    let Some(report) = stored(iam, caller.account()).await? else {
        return Err(IamError::ReportNotPresent(
            "Credential report not present. Call GenerateCredentialReport first.".into(),
        ));
    };
    if !is_current(&report, iam.clock.now()) {
        return Err(IamError::ReportExpired(
            "The credential report has expired (it is older than 4 hours). Call GenerateCredentialReport for a new one.".into(),
        ));
    }
    Ok(report)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_round_trips_through_parse_csv() {
        let rows = vec![
            vec![
                "a,b".to_owned(),
                "say \"hi\"".to_owned(),
                "plain".to_owned(),
            ],
            vec![String::new(), "x".to_owned(), "y".to_owned()],
        ];
        let parsed = parse_csv(&to_csv(&rows));
        assert_eq!(parsed[0].len(), COLUMNS.len());
        assert_eq!(&parsed[1..], &rows[..]);
    }
    use fedgate_store::model::{LastUsed, LoginProfile};

    fn account() -> Account {
        Account {
            id: AccountId::parse("123456789012").unwrap(),
            alias: None,
            created_at: "2026-01-01T00:00:00Z".into(),
            root_password_hash: None,
            bootstrap_admin_user_id: None,
            root_password_changed_at: None,
            root_mfa_devices: vec!["arn:aws:iam::123456789012:mfa/root".into()],
            password_policy: None,
            credential_report_generated_at: None,
        }
    }

    fn key(id: &str, active: bool, used: bool) -> AccessKey {
        AccessKey {
            access_key_id: fedgate_core::AccessKeyId::parse(id).unwrap(),
            account_id: AccountId::parse("123456789012").unwrap(),
            owner: KeyOwner::Root,
            sealed_secret: vec![],
            status: if active {
                KeyStatus::Active
            } else {
                KeyStatus::Inactive
            },
            created_at: "2026-02-01T00:00:00Z".into(),
            last_used: used.then(|| LastUsed {
                date: "2026-02-02T00:00:00Z".into(),
                service: "iam".into(),
                region: "us-east-1".into(),
            }),
        }
    }

    #[test]
    fn header_is_aws_columns() {
        let csv = to_csv(&[]);
        assert_eq!(
            csv,
            "user,arn,user_creation_time,password_enabled,password_last_used,password_last_changed,password_next_rotation,mfa_active,access_key_1_active,access_key_1_last_rotated,access_key_1_last_used_date,access_key_1_last_used_region,access_key_1_last_used_service,access_key_2_active,access_key_2_last_rotated,access_key_2_last_used_date,access_key_2_last_used_region,access_key_2_last_used_service,cert_1_active,cert_1_last_rotated,cert_2_active,cert_2_last_rotated\n"
        );
    }

    #[test]
    fn root_row_has_not_supported_password_and_its_keys() {
        let row = root_row(
            "aws",
            &account(),
            &[key("AKIAAAAAAAAAAAAAAAAA", true, true)],
        );
        assert_eq!(row.len(), COLUMNS.len());
        assert_eq!(
            row[..8],
            [
                "<root_account>",
                "arn:aws:iam::123456789012:root",
                "2026-01-01T00:00:00+00:00",
                "not_supported",
                "no_information",
                "not_supported",
                "not_supported",
                "true"
            ]
        );
        assert_eq!(
            row[8..13],
            [
                "true",
                "2026-02-01T00:00:00+00:00",
                "2026-02-02T00:00:00+00:00",
                "us-east-1",
                "iam"
            ]
        );
        assert_eq!(row[13..18], ["false", "N/A", "N/A", "N/A", "N/A"]);
        assert_eq!(row[18..], ["false", "N/A", "false", "N/A"]);
    }

    #[test]
    fn user_row_password_and_rotation() {
        let mut user = User {
            account_id: AccountId::parse("123456789012").unwrap(),
            user_id: "AIDAEXAMPLE".into(),
            name: "alice".into(),
            path: "/dev/".into(),
            created_at: "2026-01-01T00:00:00Z".into(),
            tags: vec![],
            permissions_boundary: None,
            attached_policies: vec![],
            inline_policies: Default::default(),
            groups: vec![],
            login_profile: None,
            mfa_devices: vec![],
            password_last_used: None,
        };
        let row = user_row("aws", &user, &[], None);
        assert_eq!(
            row[..8],
            [
                "alice",
                "arn:aws:iam::123456789012:user/dev/alice",
                "2026-01-01T00:00:00+00:00",
                "false",
                "N/A",
                "N/A",
                "N/A",
                "false"
            ]
        );
        user.login_profile = Some(LoginProfile {
            password_hash: String::new(),
            created_at: "2026-03-01T00:00:00Z".into(),
            password_changed_at: "2026-03-01T00:00:00Z".into(),
            password_reset_required: false,
            history: vec![],
        });
        let policy = PasswordPolicy {
            minimum_password_length: 6,
            require_symbols: false,
            require_numbers: false,
            require_uppercase_characters: false,
            require_lowercase_characters: false,
            allow_users_to_change_password: false,
            max_password_age: Some(30),
            password_reuse_prevention: None,
            hard_expiry: false,
        };
        let row = user_row(
            "aws",
            &user,
            &[
                key("AKIAAAAAAAAAAAAAAAAA", false, false),
                key("AKIABBBBBBBBBBBBBBBB", true, false),
            ],
            Some(&policy),
        );
        assert_eq!(
            row[3..7],
            [
                "true",
                "no_information",
                "2026-03-01T00:00:00+00:00",
                "2026-03-31T00:00:00+00:00"
            ]
        );
        assert_eq!(row[8], "false");
        assert_eq!(row[13], "true");
    }

    #[test]
    fn report_lifetime() {
        let r = CredentialReport {
            generated_at: "2026-01-01T00:00:00Z".into(),
            csv: String::new(),
        };
        let t = |s: &str| {
            OffsetDateTime::parse(s, &time::format_description::well_known::Rfc3339).unwrap()
        };
        assert!(is_current(&r, t("2026-01-01T03:59:59Z")));
        assert!(!is_current(&r, t("2026-01-01T04:00:00Z")));
    }

    #[test]
    fn fields_with_commas_are_quoted() {
        assert_eq!(csv_field("a,b"), "\"a,b\"");
        assert_eq!(csv_field("plain"), "plain");
    }
}
