//! First-start bootstrap: an account, its root user's password, an admin IAM user and that
//! user's access key. The secrets are returned once and kept only sealed or hashed.

use crate::users::validate_user_name;
use crate::{Iam, IamError, password};
use fedgate_core::clock::iso8601;
use fedgate_core::ids::{generate_password, generate_secret_access_key};
use fedgate_core::{AccessKeyId, AccountId, Secret, UniqueId, UniqueIdKind};
use fedgate_store::model::{AccessKey, Account, KeyOwner, KeyStatus, User};
use fedgate_store::{StoreError, Txn};

#[derive(Debug, Clone)]
pub struct BootstrapRequest {
    /// A given account id, or `None` for a random one.
    pub account_id: Option<AccountId>,
    pub alias: Option<String>,
    pub admin_user: String,
}

#[derive(Debug)]
pub struct Bootstrapped {
    pub account_id: AccountId,
    pub alias: Option<String>,
    pub root_password: Secret,
    pub admin_user_name: String,
    pub admin_user_arn: String,
    pub access_key_id: AccessKeyId,
    pub secret_access_key: Secret,
}

/// AWS account alias rules: 3–63 characters, lowercase letters, digits and single hyphens,
/// starting and ending with a letter or digit, not all digits (would be mistaken for an id).
pub fn validate_alias(alias: &str) -> Result<(), IamError> {
    let b = alias.as_bytes();
    let ok = (3..=63).contains(&b.len())
        && b.iter()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || *c == b'-')
        && b.first().is_some_and(|c| *c != b'-')
        && b.last().is_some_and(|c| *c != b'-')
        && !alias.contains("--")
        && !b.iter().all(u8::is_ascii_digit);
    if ok {
        Ok(())
    } else {
        Err(IamError::Validation(format!(
            "The account alias '{alias}' must be 3 to 63 lowercase letters, digits or single hyphens, start and end with a letter or digit, and not be all digits."
        )))
    }
}

pub async fn bootstrap(iam: &Iam, req: BootstrapRequest) -> Result<Bootstrapped, IamError> {
    validate_user_name(&req.admin_user)?;
    if let Some(a) = &req.alias {
        validate_alias(a)?;
    }
    let rng = iam.rng.as_ref();
    let now = iso8601(iam.clock.now());
    let account_id = req
        .account_id
        .clone()
        .unwrap_or_else(|| AccountId::generate(rng));
    let root_password = generate_password(rng, 24);
    let admin_id = UniqueId::generate(UniqueIdKind::User, rng).0;

    let account = Account {
        id: account_id.clone(),
        alias: req.alias.clone(),
        created_at: now.clone(),
        root_password_hash: Some(password::hash(rng, &root_password)?),
        bootstrap_admin_user_id: Some(admin_id.clone()),
        root_password_changed_at: None,
        root_mfa_devices: vec![],
        password_policy: None,
        credential_report_generated_at: None,
    };
    let user = User {
        account_id: account_id.clone(),
        user_id: admin_id.clone(),
        name: req.admin_user.clone(),
        path: "/".into(),
        created_at: now.clone(),
        tags: vec![],
        permissions_boundary: None,
        attached_policies: vec![crate::managed::ADMINISTRATOR_ACCESS.to_owned()],
        inline_policies: Default::default(),
        groups: vec![],
        login_profile: None,
        mfa_devices: vec![],
        password_last_used: None,
    };
    let access_key_id = AccessKeyId::generate_long_term(rng);
    let secret_access_key = generate_secret_access_key(rng);
    let key = AccessKey {
        access_key_id: access_key_id.clone(),
        account_id: account_id.clone(),
        owner: KeyOwner::User {
            user_id: admin_id,
            user_name: req.admin_user.clone(),
        },
        sealed_secret: iam.kek.seal_secret(
            rng,
            &secret_access_key,
            access_key_id.as_str().as_bytes(),
        ),
        status: KeyStatus::Active,
        created_at: now,
        last_used: None,
    };
    // The admin's AdministratorAccess attachment counts like any other (usage record and
    // reverse index of the policy, as AttachUserPolicy writes them).
    let usage_key = crate::policies::attach::aws_usage_key(&account_id, "AdministratorAccess");
    let usage = crate::policies::attach::AwsPolicyUsage {
        attachment_count: 1,
        boundary_usage_count: 0,
    };
    let extra = Txn::new()
        .put(
            &usage_key,
            serde_json::to_vec(&usage).map_err(|e| IamError::Store(StoreError::corrupt(e)))?,
        )
        .index_add(
            format!("{usage_key}/entities"),
            format!("user/{}", user.user_id),
        );
    // One transaction: the account never exists without its admin user and key.
    iam.store
        .create_account_with_user(&account, &user, &key, extra)
        .await
        .map_err(|e| match e {
            StoreError::AlreadyExists => IamError::EntityAlreadyExists(format!(
                "Account {account_id} (or alias {}) already exists in this store.",
                req.alias.as_deref().unwrap_or("-")
            )),
            other => other.into(),
        })?;

    Ok(Bootstrapped {
        admin_user_arn: crate::users::user_arn(&iam.partition, &user).to_string(),
        account_id,
        alias: req.alias,
        root_password,
        admin_user_name: req.admin_user,
        access_key_id,
        secret_access_key,
    })
}
