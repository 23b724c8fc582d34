//! The authorization call site. Every action fedgate serves is decided here, by
//! [`authorize`]`(principal, action, resource, context)`, with the policy engine.
//!
//! - `sts:GetCallerIdentity` is always allowed, as AWS documents ("No permissions are required
//!   to perform this operation").
//! - The account root user may do anything in its own account (AWS: only SCPs limit root, and
//!   fedgate has no Organizations); nothing in another account.
//! - An IAM user is decided by the engine over its identity-based policies — its attached
//!   managed policies (AWS-managed, and the default version of customer-managed ones), its
//!   inline policies, and the attached and inline policies of every group it is in — within
//!   its permissions boundary (AWS- or customer-managed). A policy fedgate cannot load grants
//!   nothing; a boundary it cannot load denies everything.
//! - Stored documents are compiled once and reused ([`crate::compiled`]).
//!
//! - Temporary credentials ([`session`]): an assumed-role session is decided over its role's
//!   current policies within the role's boundary and the session policies; a
//!   `GetSessionToken` session like its user (or root), with the session's MFA and issue time;
//!   a federated user session ([`federated`]) over its user's policies and boundary
//!   intersected with its session policies (none passed: no permissions), never for IAM or
//!   STS actions but `GetCallerIdentity`.

use crate::policies::{Holder, HolderKind};
use crate::policy_ref::{PolicyRef, resolve};
use crate::{Iam, IamError};
use fedgate_core::clock::iso8601;
use fedgate_core::{AccountId, Principal};
use fedgate_policy::{
    Context, Effect, Policy, PolicySet, Request, access_denied_message, evaluate,
};
use fedgate_store::model::{Group, Role, User};
use std::net::IpAddr;
use std::sync::Arc;

mod explain;
pub mod federated;
mod keys;
mod opening;
pub mod provider_trust;
mod session;
pub use explain::{Explanation, explain};
use keys::insert_action_keys;
pub use keys::{ActionKeys, request_tag_keys, resource_tag_keys};
use opening::{Opening, opening};
pub use session::session_policies;

/// Why a session of a deleted role is denied.
const GONE_ROLE: &str = "because the role no longer exists";

/// What is known about the request besides who sent it.
#[derive(Debug, Clone, Default)]
pub struct RequestContext {
    pub source_ip: Option<IpAddr>,
    pub secure_transport: bool,
    pub region: String,
    /// The session record of temporary credentials, as authentication read it (authorization
    /// reads it from the store when absent).
    pub session: Option<Arc<fedgate_store::model::Session>>,
    /// A console session of a user or root signed in with a password: whether and when MFA
    /// was checked at sign-in (`aws:MultiFactorAuthPresent`, `aws:MultiFactorAuthAge`).
    /// `None` for requests signed with long-term access keys, where AWS leaves the MFA keys
    /// out.
    pub console: Option<ConsoleSignIn>,
}

/// How a console session began (see [`RequestContext::console`]).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ConsoleSignIn {
    /// When the password was accepted, Unix ms (aws:TokenIssueTime).
    pub signed_in_at_ms: i64,
    /// When the MFA code was accepted, Unix ms; `None` = signed in without MFA.
    pub mfa_at_ms: Option<i64>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decision {
    Allow,
    /// Denied, with the message AWS would give (it names the principal, action and resource).
    Deny(String),
}

pub async fn authorize(
    iam: &Iam,
    principal: &Principal,
    action: &str,
    resource: &str,
    ctx: &RequestContext,
) -> Result<Decision, IamError> {
    authorize_with(iam, principal, action, resource, ctx, &[]).await
}

/// [`authorize`] with the action's own condition keys (see [`ActionKeys`]).
pub async fn authorize_with(
    iam: &Iam,
    principal: &Principal,
    action: &str,
    resource: &str,
    ctx: &RequestContext,
    keys: &ActionKeys,
) -> Result<Decision, IamError> {
    Ok(decide(iam, principal, action, resource, ctx, keys).await?.0)
}

/// [`authorize_with`], also telling whether a denial was an explicit `Deny` (for actions
/// where an account setting grants what policies do not, e.g. `ChangePassword` under
/// `AllowUsersToChangePassword`: the setting overrides an implicit deny, never an explicit one).
pub async fn decide(
    iam: &Iam,
    principal: &Principal,
    action: &str,
    resource: &str,
    ctx: &RequestContext,
    keys: &ActionKeys,
) -> Result<(Decision, bool), IamError> {
    let mut subject = match opening(iam, principal, action, resource, None, ctx).await? {
        Opening::Decided(d) if d.allowed => return Ok((Decision::Allow, false)),
        Opening::Decided(d) => {
            return Ok((
                Decision::Deny(d.message.unwrap_or_default()),
                d.explicit_deny,
            ));
        }
        Opening::Policies(s) => *s,
    };
    insert_action_keys(&mut subject.context, keys);
    Ok(subject.decide(action, resource, None, principal.account()))
}

/// [`authorize`] for an action decided with a resource-based policy as well (a role's trust
/// policy for `sts:AssumeRole`), with request-specific context keys added by `extra`.
/// The root user has no policies to evaluate here and is denied (STS refuses root callers
/// of `AssumeRole` before asking).
pub async fn authorize_with_resource_policy(
    iam: &Iam,
    principal: &Principal,
    action: &str,
    resource: &str,
    ctx: &RequestContext,
    resource_policy: &LoadedPolicy,
    extra: impl FnOnce(&mut Context),
) -> Result<Decision, IamError> {
    let principal_arn = principal.arn().to_string();
    let denied = |reason: &str| {
        Decision::Deny(format!(
            "User: {principal_arn} is not authorized to perform: {action} on resource: {resource} {reason}"
        ))
    };
    if let Some(why) = session::session_token_refusal(iam, principal, action, ctx).await? {
        return Ok(denied(why));
    }
    let mut subject = match Subject::load(iam, principal, ctx).await? {
        Ok(s) => s,
        Err(reason) => return Ok(denied(reason)),
    };
    extra(&mut subject.context);
    Ok(subject
        .decide(action, resource, Some(resource_policy), principal.account())
        .0)
}

/// A non-root principal's policies and request context, ready to decide requests.
struct Subject {
    principal_arn: String,
    role_arn: Option<String>,
    loaded: PrincipalPolicies,
    session: Vec<LoadedPolicy>,
    context: Context,
    /// The principal's tags as policies see them (aws:PrincipalTag), keys in their own case.
    tags: Vec<(String, String)>,
}

impl Subject {
    /// `Ok(Err(reason))` when the principal must be denied everything.
    async fn load(
        iam: &Iam,
        principal: &Principal,
        ctx: &RequestContext,
    ) -> Result<Result<Subject, &'static str>, IamError> {
        match principal {
            Principal::Root { .. } => Ok(Err("because the root user has no policies")),
            Principal::User {
                account, user_id, ..
            } => {
                let Some(user) = iam.store.get_user(account, user_id).await? else {
                    return Ok(Err("because the user no longer exists"));
                };
                // The user as it is now: a session (GetSessionToken) or cached key resolved
                // before a rename or move must not act under the old name or path.
                let principal_arn = fedgate_core::Arn::user(
                    &iam.partition,
                    account.as_str(),
                    &user.path,
                    &user.name,
                )
                .to_string();
                let loaded = match principal_policies(iam, PolicySource::User(&user)).await? {
                    Ok(p) => p,
                    Err(reason) => return Ok(Err(reason)),
                };
                let mut context = base_context(iam, principal, &principal_arn, ctx);
                context.insert("aws:username", user.name.as_str());
                for tag in &user.tags {
                    context.insert(&format!("aws:PrincipalTag/{}", tag.key), tag.value.as_str());
                }
                let mut tags: Vec<(String, String)> = user
                    .tags
                    .iter()
                    .map(|t| (t.key.clone(), t.value.clone()))
                    .collect();
                if principal.is_temporary() {
                    let Some(s) = session::load(iam, principal, ctx).await? else {
                        return Ok(Err(session::GONE));
                    };
                    session::insert_session_keys(&mut context, &s);
                    session::merge_tags(&mut tags, &s.details.tags);
                }
                Ok(Ok(Subject {
                    principal_arn,
                    role_arn: None,
                    loaded,
                    session: vec![],
                    context,
                    tags,
                }))
            }
            Principal::AssumedRole { .. } => {
                session::assumed_role_subject(iam, principal, ctx).await
            }
            Principal::FederatedUser { .. } => {
                federated::federated_user_subject(iam, principal, ctx).await
            }
        }
    }

    fn decide(
        &self,
        action: &str,
        resource: &str,
        resource_policy: Option<&LoadedPolicy>,
        account: &AccountId,
    ) -> (Decision, bool) {
        let mut req = Request::new(&self.principal_arn, action, resource, &self.context);
        req.session_role_arn = self.role_arn.as_deref();
        evaluate_set(&self.loaded, &self.session, resource_policy, req, account)
    }
}

/// The context keys every AWS principal has (`principal_arn` is the role's ARN for a role
/// session, as AWS sets aws:PrincipalArn).
fn base_context(
    iam: &Iam,
    principal: &Principal,
    principal_arn: &str,
    ctx: &RequestContext,
) -> Context {
    let mut context = Context::new();
    let now = iam.clock.now();
    context
        .insert("aws:userid", principal.user_id().as_ref())
        .insert("aws:PrincipalArn", principal_arn)
        .insert("aws:PrincipalAccount", principal.account().as_str())
        .insert("aws:PrincipalType", principal.principal_type())
        .insert("aws:CurrentTime", iso8601(now))
        .insert("aws:EpochTime", now.unix_timestamp().to_string())
        .insert("aws:SecureTransport", ctx.secure_transport.to_string());
    if !ctx.region.is_empty() {
        context.insert("aws:RequestedRegion", ctx.region.as_str());
    }
    if let Some(ip) = ctx.source_ip {
        context.insert("aws:SourceIp", ip.to_string());
    }
    if let Some(c) = &ctx.console {
        session::insert_sign_in_keys(&mut context, c.signed_in_at_ms, c.mfa_at_ms);
    }
    context
}

/// Evaluates `req` over a principal's identity policies, boundary and session policies;
/// the flag tells an explicit Deny from an implicit one.
fn evaluate_set<'a>(
    loaded: &PrincipalPolicies,
    session: &[LoadedPolicy],
    resource_policy: Option<&LoadedPolicy>,
    req: Request<'a>,
    account: &'a AccountId,
) -> (Decision, bool) {
    let (decision, req) = evaluate_full(loaded, session, resource_policy, req, account);
    match decision.effect {
        Effect::Allow => (Decision::Allow, false),
        Effect::ExplicitDeny | Effect::ImplicitDeny => {
            let message = access_denied_message(&decision, &req).unwrap_or_else(|| {
                format!(
                    "User: {} is not authorized to perform: {}",
                    req.principal_arn, req.action
                )
            });
            (
                Decision::Deny(message),
                decision.effect == Effect::ExplicitDeny,
            )
        }
    }
}

/// The engine's whole answer (matched statements included) over a principal's policy set,
/// with the request as evaluated.
fn evaluate_full<'a>(
    loaded: &PrincipalPolicies,
    session: &[LoadedPolicy],
    resource_policy: Option<&LoadedPolicy>,
    mut req: Request<'a>,
    account: &'a AccountId,
) -> (fedgate_policy::Decision, Request<'a>) {
    let set = PolicySet {
        identity: loaded
            .identity
            .iter()
            .map(|p| (p.label.clone(), p.policy.as_ref()))
            .collect(),
        resource: resource_policy.map(|p| (p.label.clone(), p.policy.as_ref())),
        boundary: loaded
            .boundary
            .as_ref()
            .map(|p| (p.label.clone(), p.policy.as_ref())),
        session: session
            .iter()
            .map(|p| (p.label.clone(), p.policy.as_ref()))
            .collect(),
    };
    if is_aws_managed_policy(req.resource) {
        // AWS-managed policies are readable and attachable in every account: IAM
        // actions on them are decided like actions on the caller's own resources.
        req = req.with_resource_account(account.as_str());
    }
    let decision = evaluate(&set, &req);
    (decision, req)
}

/// One policy of a principal, compiled, with the label its statements are reported under
/// (the policy ARN for managed policies, [`inline_label`] for inline ones) and its text (for
/// statement positions in Simulate* results).
#[derive(Debug, Clone)]
pub struct LoadedPolicy {
    pub label: String,
    pub policy: Arc<Policy>,
    pub document: String,
}

/// A principal's identity-based policies and permissions boundary, compiled.
#[derive(Debug, Clone, Default)]
pub struct PrincipalPolicies {
    pub identity: Vec<LoadedPolicy>,
    pub boundary: Option<LoadedPolicy>,
}

/// Whose policies to load.
#[derive(Debug, Clone, Copy)]
pub enum PolicySource<'a> {
    User(&'a User),
    Group(&'a Group),
    Role(&'a Role),
}

/// Why a principal's policies cannot be evaluated (it must be denied everything).
pub const BOUNDARY_UNLOADABLE: &str = "because its permissions boundary could not be evaluated";

/// The label of inline policy `policy` of the user, group or role `entity`:
/// `{user|group|role}_{entity}_{policy}`; [`inline_label_kind`] reads the kind back.
pub fn inline_label(kind: HolderKind, entity: &str, policy: &str) -> String {
    format!("{}_{entity}_{policy}", kind.as_str())
}

/// `user`, `group` or `role` when `label` names an inline policy ([`inline_label`]).
pub fn inline_label_kind(label: &str) -> Option<&'static str> {
    ["user", "group", "role"]
        .into_iter()
        .find(|k| label.strip_prefix(k).is_some_and(|r| r.starts_with('_')))
}

/// The identity-based policies of a user (its own attached and inline policies and those of
/// every group it is in), a group (attached and inline) or a role (attached and inline), and
/// the permissions boundary of a user or role. Every document comes from the compiled-policy
/// cache. A managed policy fedgate cannot load grants nothing; a boundary it cannot load is
/// `Ok(Err(BOUNDARY_UNLOADABLE))`.
pub async fn principal_policies(
    iam: &Iam,
    source: PolicySource<'_>,
) -> Result<Result<PrincipalPolicies, &'static str>, IamError> {
    let mut out = PrincipalPolicies::default();
    let boundary = match source {
        PolicySource::User(u) => {
            add_holder(iam, u, &mut out).await?;
            for gid in &u.groups {
                if let Some(g) = iam.store.get_entity::<Group>(&u.account_id, gid).await? {
                    add_holder(iam, &g, &mut out).await?;
                }
            }
            u.permissions_boundary
                .as_deref()
                .map(|b| (&u.account_id, b))
        }
        PolicySource::Group(g) => {
            add_holder(iam, g, &mut out).await?;
            None
        }
        PolicySource::Role(r) => {
            add_holder(iam, r, &mut out).await?;
            r.permissions_boundary
                .as_deref()
                .map(|b| (&r.account_id, b))
        }
    };
    if let Some((account, arn)) = boundary {
        match load_managed(iam, account, arn).await? {
            Some(p) => out.boundary = Some(p),
            None => return Ok(Err(BOUNDARY_UNLOADABLE)),
        }
    }
    Ok(Ok(out))
}

/// A user's policies (see [`principal_policies`]).
pub async fn user_policies(
    iam: &Iam,
    user: &User,
) -> Result<Result<PrincipalPolicies, &'static str>, IamError> {
    principal_policies(iam, PolicySource::User(user)).await
}

async fn add_holder<T: Holder>(
    iam: &Iam,
    e: &T,
    out: &mut PrincipalPolicies,
) -> Result<(), IamError> {
    for arn in e.attached() {
        if let Some(p) = load_managed(iam, e.account(), arn).await? {
            out.identity.push(p);
        }
    }
    let kind = T::HOLDER;
    for (name, doc) in e.inline() {
        match iam.compiled.document(kind.inline_kind(), doc) {
            Ok(policy) => out.identity.push(LoadedPolicy {
                label: inline_label(kind, e.name(), name),
                policy,
                document: doc.clone(),
            }),
            Err(err) => {
                tracing::warn!(entity = e.name(), policy = %name, error = %err, "stored inline policy does not compile")
            }
        }
    }
    Ok(())
}

/// An AWS-managed policy, or the default version of a customer-managed one; `None` when
/// there is no such policy (or it does not compile).
pub async fn load_managed(
    iam: &Iam,
    account: &AccountId,
    arn: &str,
) -> Result<Option<LoadedPolicy>, IamError> {
    if let (Some(p), Some(doc)) = (iam.managed.get(arn), iam.managed.document(arn)) {
        return Ok(Some(LoadedPolicy {
            label: arn.to_owned(),
            policy: p.clone(),
            document: doc.to_owned(),
        }));
    }
    let found = match resolve(iam, account, arn).await {
        Ok(f) => f,
        Err(IamError::Validation(_)) => None,
        Err(e) => return Err(e),
    };
    let Some(PolicyRef::Customer(p)) = found else {
        return Ok(None);
    };
    let Some(v) = p
        .versions
        .iter()
        .find(|v| v.version_id == p.default_version_id)
    else {
        return Ok(None);
    };
    match iam
        .compiled
        .managed_version(&p.policy_id, &v.version_id, &v.document)
    {
        Ok(policy) => Ok(Some(LoadedPolicy {
            label: arn.to_owned(),
            policy,
            document: v.document.clone(),
        })),
        Err(err) => {
            tracing::warn!(%arn, error = %err, "stored managed policy version does not compile");
            Ok(None)
        }
    }
}

/// Whether `resource` is an AWS-managed policy ARN (`arn:{partition}:iam::aws:policy/…`).
fn is_aws_managed_policy(resource: &str) -> bool {
    resource
        .strip_prefix("arn:")
        .and_then(|r| r.split_once(':'))
        .is_some_and(|(_, rest)| rest.starts_with("iam::aws:policy/"))
}

/// The account field of an ARN (`arn:p:s:r:ACCOUNT:res`), if the resource is an ARN with one.
fn resource_account(resource: &str) -> Option<&str> {
    let account = resource.strip_prefix("arn:")?.split(':').nth(3)?;
    (!account.is_empty()).then_some(account)
}

/// Turns a denial into the error every caller returns.
pub fn require(decision: Decision) -> Result<(), IamError> {
    match decision {
        Decision::Allow => Ok(()),
        Decision::Deny(msg) => Err(IamError::AccessDenied(msg)),
    }
}
