//! IAM `SimulatePrincipalPolicy` and `GetContextKeysForPrincipalPolicy`: the policies of an
//! existing user, group or role (for a user, also those of its groups), optionally with extra
//! policies.

use super::required;
use super::simulate_custom_policy::{evaluation_results, input_documents, policies};
use crate::error::ApiError;
use fedgate_core::{Arn, Principal};
use fedgate_iam::authz::{PolicySource, PrincipalPolicies, authorize, principal_policies, require};
use fedgate_iam::{Iam, IamError};
use fedgate_policy::{PolicyKind, PolicySet};
use fedgate_store::model::{Group, Role, User};

/// The policies of the user, group or role a `PolicySourceArn` names, in the caller's account.
async fn source_policies(
    iam: &Iam,
    caller: &Principal,
    arn: &str,
) -> Result<PrincipalPolicies, ApiError> {
    let missing = || {
        ApiError::from(IamError::NoSuchEntity(format!(
            "The entity {arn} cannot be found."
        )))
    };
    let parsed = Arn::parse(arn).map_err(|e| ApiError::validation(e.to_string()))?;
    if parsed.service != "iam" || parsed.account != caller.account().as_str() {
        return Err(missing());
    }
    let Some((kind, path_and_name)) = parsed.resource.split_once('/') else {
        return Err(missing());
    };
    let name = path_and_name.rsplit('/').next().unwrap_or(path_and_name);
    let account = caller.account();
    let store = &iam.store;
    // The caller was authorized on the ARN it sent: the entity must be exactly that one (this
    // partition, same path, same name), or a caller allowed on `user/sandbox/*` could read
    // `/admin`'s policies, or one denied `arn:aws:…:user/admin` ask as `arn:x:…:user/admin`.
    let is = |path: &str, entity_name: &str| {
        Arn::iam_entity(&iam.partition, account.as_str(), kind, path, entity_name).to_string()
            == arn
    };
    let loaded = match kind {
        "user" => {
            let u = store.get_entity_by_name::<User>(account, name).await?;
            let u = u.filter(|u| is(&u.path, &u.name)).ok_or_else(missing)?;
            principal_policies(iam, PolicySource::User(&u)).await?
        }
        "group" => {
            let g = store.get_entity_by_name::<Group>(account, name).await?;
            let g = g.filter(|g| is(&g.path, &g.name)).ok_or_else(missing)?;
            principal_policies(iam, PolicySource::Group(&g)).await?
        }
        "role" => {
            let r = store.get_entity_by_name::<Role>(account, name).await?;
            let r = r.filter(|r| is(&r.path, &r.name)).ok_or_else(missing)?;
            principal_policies(iam, PolicySource::Role(&r)).await?
        }
        _ => return Err(missing()),
    };
    loaded
        .map_err(|_| ApiError::validation("The principal's permissions boundary cannot be loaded."))
}

pub async fn run(c: &super::Call<'_>) -> Result<String, ApiError> {
    let (iam, caller, ctx, params) = (c.iam, c.caller, c.ctx, c.params);
    let source = required(params, "PolicySourceArn")?;
    require(authorize(iam, caller, "iam:SimulatePrincipalPolicy", source, ctx).await?)?;
    let loaded = source_policies(iam, caller, source).await?;
    let extra = policies(params, "PolicyInputList", PolicyKind::Managed)?;
    let given_boundary = policies(
        params,
        "PermissionsBoundaryPolicyInputList",
        PolicyKind::Boundary,
    )?;
    let mut identity: Vec<(String, &fedgate_policy::Policy)> = loaded
        .identity
        .iter()
        .map(|p| (p.label.clone(), p.policy.as_ref()))
        .collect();
    identity.extend(
        extra
            .iter()
            .enumerate()
            .map(|(i, p)| (format!("PolicyInputList.{}", i + 1), p)),
    );
    let set = PolicySet {
        identity,
        resource: None,
        // A boundary given in the request replaces the principal's own, as AWS documents.
        boundary: match given_boundary.first() {
            Some(p) => Some(("PermissionsBoundaryPolicyInputList.1".to_owned(), p)),
            None => loaded
                .boundary
                .as_ref()
                .map(|p| (p.label.clone(), p.policy.as_ref())),
        },
        session: vec![],
    };
    let caller_arn = params.get("CallerArn").unwrap_or(source);
    let mut documents = input_documents(params);
    for p in loaded.identity.iter().chain(loaded.boundary.iter()) {
        documents.insert(p.label.clone(), p.document.clone());
    }
    evaluation_results(params, &set, caller_arn, &documents)
}

pub async fn context_keys_for_principal(c: &super::Call<'_>) -> Result<String, ApiError> {
    let (iam, caller, ctx, params) = (c.iam, c.caller, c.ctx, c.params);
    let source = required(params, "PolicySourceArn")?;
    require(
        authorize(
            iam,
            caller,
            "iam:GetContextKeysForPrincipalPolicy",
            source,
            ctx,
        )
        .await?,
    )?;
    let loaded = source_policies(iam, caller, source).await?;
    let extra = policies(params, "PolicyInputList", PolicyKind::Managed)?;
    let all = loaded
        .identity
        .iter()
        .chain(loaded.boundary.iter())
        .map(|p| p.policy.as_ref())
        .chain(extra.iter());
    Ok(super::get_context_keys_for_custom_policy::context_key_names(all))
}
