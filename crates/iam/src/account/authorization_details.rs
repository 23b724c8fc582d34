//! `GetAccountAuthorizationDetails`: every user, group, role and managed policy of the account
//! with their policies, read straight from the store, in AWS's section order (users, groups,
//! roles, customer-managed policies, AWS-managed policies), filtered by `Filter` and paged
//! across sections.
//!
//! AWS-managed policies appear only when attached to something in the account. fedgate knows
//! their documents but not AWS's ids and dates: the id is derived from the ARN (stable, `ANPA`
//! + 17 characters), the version is `v1`, the dates AWS's 2015-02-06 launch date.

use super::all;
use crate::authz::{RequestContext, authorize, require};
use crate::{Iam, IamError};
use fedgate_core::{AccountId, Principal};
use fedgate_store::Entity;
use fedgate_store::model::{Group, ManagedPolicy, Role, User};
use std::collections::BTreeMap;

/// A value of `Filter.member.N`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum EntityFilter {
    User,
    Group,
    Role,
    LocalManagedPolicy,
    AwsManagedPolicy,
}

impl EntityFilter {
    pub const ALL: [EntityFilter; 5] = [
        Self::User,
        Self::Group,
        Self::Role,
        Self::LocalManagedPolicy,
        Self::AwsManagedPolicy,
    ];
    pub fn parse(s: &str) -> Result<Self, IamError> {
        Ok(match s {
            "User" => Self::User,
            "Group" => Self::Group,
            "Role" => Self::Role,
            "LocalManagedPolicy" => Self::LocalManagedPolicy,
            "AWSManagedPolicy" => Self::AwsManagedPolicy,
            _ => {
                return Err(IamError::Validation(format!(
                    "1 validation error detected: Value '[{s}]' at 'filter' failed to satisfy constraint: Member must satisfy constraint: [Member must satisfy enum value set: [LocalManagedPolicy, Group, Role, AWSManagedPolicy, User]]"
                )));
            }
        })
    }
    fn index(self) -> usize {
        self as usize
    }
}

/// An AWS-managed policy attached somewhere in the account.
#[derive(Debug, Clone)]
pub struct AwsPolicyDetail {
    pub arn: String,
    pub name: String,
    pub policy_id: String,
    pub document: String,
    pub attachment_count: u32,
}

/// One page of the answer. Users carry their group *names* in `user_groups` (same order).
#[derive(Debug, Default)]
pub struct AuthorizationDetails {
    pub users: Vec<(User, Vec<String>)>,
    pub groups: Vec<Group>,
    pub roles: Vec<Role>,
    pub local_policies: Vec<ManagedPolicy>,
    pub aws_policies: Vec<AwsPolicyDetail>,
    pub next_marker: Option<String>,
}

/// AWS's launch date of its managed policies, used for every shipped one.
pub const AWS_POLICY_DATE: &str = "2015-02-06T18:39:46Z";

/// A stable `ANPA…` id for an AWS-managed policy ARN.
fn aws_policy_id(arn: &str) -> String {
    use sha1::Digest;
    let digest = sha1::Sha1::digest(arn.as_bytes());
    let text = crate::totp::base32(&digest);
    format!("ANPA{}", &text[..17])
}

fn bad_marker() -> IamError {
    IamError::InvalidInput("Invalid Marker.".into())
}

/// Takes up to `room` entities of kind `T` after `inner`; returns the inner marker to resume.
async fn take<T: Entity>(
    iam: &Iam,
    account: &AccountId,
    inner: Option<&str>,
    room: usize,
) -> Result<(Vec<T>, Option<String>), IamError> {
    Ok(iam.store.list_entities::<T>(account, inner, room).await?)
}

/// `GetAccountAuthorizationDetails`. The marker is `{section}|{marker within it}`.
pub async fn get_account_authorization_details(
    iam: &Iam,
    caller: &Principal,
    ctx: &RequestContext,
    filters: &[EntityFilter],
    marker: Option<&str>,
    max_items: usize,
) -> Result<AuthorizationDetails, IamError> {
    require(authorize(iam, caller, "iam:GetAccountAuthorizationDetails", "*", ctx).await?)?;
    let account = caller.account();
    let wanted: Vec<EntityFilter> = if filters.is_empty() {
        EntityFilter::ALL.to_vec()
    } else {
        EntityFilter::ALL
            .into_iter()
            .filter(|f| filters.contains(f))
            .collect()
    };
    let (start, mut inner) = match marker {
        None => (0usize, None),
        Some(m) => {
            let (s, rest) = m.split_once('|').ok_or_else(bad_marker)?;
            let s: usize = s.parse().map_err(|_| bad_marker())?;
            (s, (!rest.is_empty()).then(|| rest.to_owned()))
        }
    };
    let mut out = AuthorizationDetails::default();
    let mut taken = 0usize;
    for section in wanted.into_iter().filter(|f| f.index() >= start) {
        if section.index() > start {
            inner = None;
        }
        let room = max_items - taken;
        if room == 0 {
            out.next_marker = Some(format!("{}|", section.index()));
            return Ok(out);
        }
        let next = match section {
            EntityFilter::User => {
                let (users, next) = take::<User>(iam, account, inner.as_deref(), room).await?;
                taken += users.len();
                for u in users {
                    let mut names = Vec::with_capacity(u.groups.len());
                    for gid in &u.groups {
                        if let Some(g) = iam.store.get_entity::<Group>(account, gid).await? {
                            names.push(g.name);
                        }
                    }
                    out.users.push((u, names));
                }
                next
            }
            EntityFilter::Group => {
                let (v, next) = take::<Group>(iam, account, inner.as_deref(), room).await?;
                taken += v.len();
                out.groups.extend(v);
                next
            }
            EntityFilter::Role => {
                let (v, next) = take::<Role>(iam, account, inner.as_deref(), room).await?;
                taken += v.len();
                out.roles.extend(v);
                next
            }
            EntityFilter::LocalManagedPolicy => {
                let (v, next) = take::<ManagedPolicy>(iam, account, inner.as_deref(), room).await?;
                taken += v.len();
                out.local_policies.extend(v);
                next
            }
            EntityFilter::AwsManagedPolicy => {
                let attached = aws_attached(iam, account).await?;
                let after: Vec<AwsPolicyDetail> = attached
                    .into_iter()
                    .filter(|p| inner.as_deref().is_none_or(|m| p.arn.as_str() > m))
                    .collect();
                let more = after.len() > room;
                let page: Vec<AwsPolicyDetail> = after.into_iter().take(room).collect();
                taken += page.len();
                let next = more.then(|| page.last().map(|p| p.arn.clone())).flatten();
                out.aws_policies.extend(page);
                next
            }
        };
        if let Some(n) = next {
            out.next_marker = Some(format!("{}|{n}", section.index()));
            return Ok(out);
        }
    }
    Ok(out)
}

/// The AWS-managed policies attached to users, groups or roles of the account, by ARN.
async fn aws_attached(iam: &Iam, account: &AccountId) -> Result<Vec<AwsPolicyDetail>, IamError> {
    let mut counts: BTreeMap<String, u32> = BTreeMap::new();
    let mut note = |arns: &[String]| {
        for a in arns {
            if iam.managed.document(a).is_some() {
                *counts.entry(a.clone()).or_default() += 1;
            }
        }
    };
    for u in all::<User>(&iam.store, account).await? {
        note(&u.attached_policies);
    }
    for g in all::<Group>(&iam.store, account).await? {
        note(&g.attached_policies);
    }
    for r in all::<Role>(&iam.store, account).await? {
        note(&r.attached_policies);
    }
    Ok(counts
        .into_iter()
        .filter_map(|(arn, attachment_count)| {
            let document = iam.managed.document(&arn)?.to_owned();
            let name = arn.rsplit('/').next().unwrap_or_default().to_owned();
            Some(AwsPolicyDetail {
                policy_id: aws_policy_id(&arn),
                name,
                document,
                attachment_count,
                arn,
            })
        })
        .collect())
}
