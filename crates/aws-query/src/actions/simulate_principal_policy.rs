//! IAM `SimulatePrincipalPolicy` and `GetContextKeysForPrincipalPolicy`: the policies of an
//! existing principal (now: IAM users), optionally with extra policies.

use super::required;
use super::simulate_custom_policy::{evaluation_results, input_documents, policies};
use crate::error::ApiError;
use fedgate_core::{Arn, Principal};
use fedgate_iam::authz::{authorize, require, user_policies};
use fedgate_iam::{Iam, IamError};
use fedgate_policy::{PolicyKind, PolicySet};
use fedgate_store::model::User;

/// The user a `PolicySourceArn` names, in the caller's account.
async fn source_user(iam: &Iam, caller: &Principal, arn: &str) -> Result<User, ApiError> {
    let missing = || {
        ApiError::from(IamError::NoSuchEntity(format!(
            "The entity {arn} cannot be found."
        )))
    };
    let parsed = Arn::parse(arn).map_err(|e| ApiError::validation(e.to_string()))?;
    let Some(path_and_name) = parsed.resource.strip_prefix("user/") else {
        // Roles and groups become simulable with the IAM issue that creates them.
        return Err(missing());
    };
    if parsed.account != caller.account().as_str() {
        return Err(missing());
    }
    let name = path_and_name.rsplit('/').next().unwrap_or(path_and_name);
    iam.store
        .get_user_by_name(caller.account(), name)
        .await?
        .ok_or_else(missing)
}

pub async fn run(c: &super::Call<'_>) -> Result<String, ApiError> {
    let (iam, caller, ctx, params) = (c.iam, c.caller, c.ctx, c.params);
    let source = required(params, "PolicySourceArn")?;
    require(authorize(iam, caller, "iam:SimulatePrincipalPolicy", source, ctx).await?)?;
    let user = source_user(iam, caller, source).await?;
    let (attached, boundary) = user_policies(iam, &user)
        .map_err(|_| ApiError::validation("The user's permissions boundary cannot be loaded."))?;
    let extra = policies(params, "PolicyInputList", PolicyKind::Managed)?;
    let given_boundary = policies(
        params,
        "PermissionsBoundaryPolicyInputList",
        PolicyKind::Boundary,
    )?;
    let mut identity: Vec<(String, &fedgate_policy::Policy)> = attached
        .iter()
        .map(|(arn, p)| (arn.clone(), p.as_ref()))
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
        // A boundary given in the request replaces the user's own, as AWS documents.
        boundary: match given_boundary.first() {
            Some(p) => Some(("PermissionsBoundaryPolicyInputList.1".to_owned(), p)),
            None => boundary.as_ref().map(|(arn, p)| (arn.clone(), p.as_ref())),
        },
        session: vec![],
    };
    let caller_arn = params.get("CallerArn").unwrap_or(source);
    let mut documents = input_documents(params);
    for (arn, _) in attached.iter().chain(boundary.iter()) {
        if let Some(doc) = iam.managed.document(arn) {
            documents.insert(arn.clone(), doc.to_owned());
        }
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
    let user = source_user(iam, caller, source).await?;
    let (attached, boundary) = user_policies(iam, &user)
        .map_err(|_| ApiError::validation("The user's permissions boundary cannot be loaded."))?;
    let extra = policies(params, "PolicyInputList", PolicyKind::Managed)?;
    let all = attached
        .iter()
        .map(|(_, p)| p.as_ref())
        .chain(boundary.as_ref().map(|(_, p)| p.as_ref()))
        .chain(extra.iter());
    Ok(super::get_context_keys_for_custom_policy::context_key_names(all))
}
