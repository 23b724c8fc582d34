//! Account actions: CreateAccountAlias, ListAccountAliases, DeleteAccountAlias,
//! GetAccountSummary, GetAccountAuthorizationDetails.

use super::shapes::{page, page_end, tags, url_encoded};
use super::{ActionDef, Call, member_list, required};
use crate::action;
use crate::error::ApiError;
use crate::xml::Xml;
use fedgate_core::Arn;
use fedgate_iam::account::{self, AWS_POLICY_DATE, EntityFilter};
use fedgate_iam::policy_ref::policy_arn;
use fedgate_iam::users::user_arn;
use std::collections::BTreeMap;

pub const ACTIONS: &[ActionDef] = &[
    action!("CreateAccountAlias", Iam, Write, create_account_alias),
    action!("ListAccountAliases", Iam, Read, list_account_aliases),
    action!("DeleteAccountAlias", Iam, Write, delete_account_alias),
    action!("GetAccountSummary", Iam, Read, get_account_summary),
    action!(
        "GetAccountAuthorizationDetails",
        Iam,
        Read,
        get_account_authorization_details
    ),
];

async fn create_account_alias(c: &Call<'_>) -> Result<String, ApiError> {
    let alias = required(c.params, "AccountAlias")?;
    account::create_account_alias(c.iam, c.caller, c.ctx, alias).await?;
    Ok(String::new())
}

async fn delete_account_alias(c: &Call<'_>) -> Result<String, ApiError> {
    let alias = required(c.params, "AccountAlias")?;
    account::delete_account_alias(c.iam, c.caller, c.ctx, alias).await?;
    Ok(String::new())
}

async fn list_account_aliases(c: &Call<'_>) -> Result<String, ApiError> {
    page(c.params)?;
    let aliases = account::list_account_aliases(c.iam, c.caller, c.ctx).await?;
    let mut x = Xml::new();
    x.open("AccountAliases");
    for a in &aliases {
        x.elem("member", a);
    }
    x.close("AccountAliases");
    page_end(&mut x, None);
    Ok(x.into_string())
}

async fn get_account_summary(c: &Call<'_>) -> Result<String, ApiError> {
    let summary = account::get_account_summary(c.iam, c.caller, c.ctx).await?;
    let mut x = Xml::new();
    x.open("SummaryMap");
    for (k, v) in &summary {
        x.open("entry")
            .elem("key", k)
            .elem("value", &v.to_string())
            .close("entry");
    }
    x.close("SummaryMap");
    Ok(x.into_string())
}

/// `<{list}>` of inline policies: `PolicyName` and the URL-encoded `PolicyDocument`.
fn inline(x: &mut Xml, list: &str, policies: &BTreeMap<String, String>) {
    x.open(list);
    for (name, doc) in policies {
        x.open("member")
            .elem("PolicyName", name)
            .elem("PolicyDocument", &url_encoded(doc))
            .close("member");
    }
    x.close(list);
}

fn attached(x: &mut Xml, arns: &[String]) {
    x.open("AttachedManagedPolicies");
    for arn in arns {
        x.open("member")
            .elem("PolicyName", arn.rsplit('/').next().unwrap_or_default())
            .elem("PolicyArn", arn)
            .close("member");
    }
    x.close("AttachedManagedPolicies");
}

fn boundary(x: &mut Xml, b: Option<&str>) {
    if let Some(b) = b {
        x.open("PermissionsBoundary")
            .elem("PermissionsBoundaryType", "PermissionsBoundaryPolicy")
            .elem("PermissionsBoundaryArn", b)
            .close("PermissionsBoundary");
    }
}

async fn get_account_authorization_details(c: &Call<'_>) -> Result<String, ApiError> {
    let p = page(c.params)?;
    let filters = member_list(c.params, "Filter")
        .into_iter()
        .map(EntityFilter::parse)
        .collect::<Result<Vec<_>, _>>()?;
    let d = account::get_account_authorization_details(
        c.iam,
        c.caller,
        c.ctx,
        &filters,
        p.marker,
        p.max_items,
    )
    .await?;
    let partition = c.iam.partition.as_str();
    let mut x = Xml::new();
    x.open("UserDetailList");
    for (u, groups) in &d.users {
        x.open("member")
            .elem("Path", &u.path)
            .elem("UserName", &u.name)
            .elem("UserId", &u.user_id)
            .elem("Arn", &user_arn(partition, u).to_string())
            .elem("CreateDate", &u.created_at);
        inline(&mut x, "UserPolicyList", &u.inline_policies);
        x.open("GroupList");
        for g in groups {
            x.elem("member", g);
        }
        x.close("GroupList");
        attached(&mut x, &u.attached_policies);
        boundary(&mut x, u.permissions_boundary.as_deref());
        tags(&mut x, &u.tags);
        x.close("member");
    }
    x.close("UserDetailList");
    x.open("GroupDetailList");
    for g in &d.groups {
        let arn = Arn::iam_entity(partition, g.account_id.as_str(), "group", &g.path, &g.name);
        x.open("member")
            .elem("Path", &g.path)
            .elem("GroupName", &g.name)
            .elem("GroupId", &g.group_id)
            .elem("Arn", &arn.to_string())
            .elem("CreateDate", &g.created_at);
        inline(&mut x, "GroupPolicyList", &g.inline_policies);
        attached(&mut x, &g.attached_policies);
        x.close("member");
    }
    x.close("GroupDetailList");
    x.open("RoleDetailList");
    for r in &d.roles {
        let arn = Arn::iam_entity(partition, r.account_id.as_str(), "role", &r.path, &r.name);
        x.open("member")
            .elem("Path", &r.path)
            .elem("RoleName", &r.name)
            .elem("RoleId", &r.role_id)
            .elem("Arn", &arn.to_string())
            .elem("CreateDate", &r.created_at)
            .elem(
                "AssumeRolePolicyDocument",
                &url_encoded(&r.assume_role_policy),
            );
        x.open("InstanceProfileList").close("InstanceProfileList");
        inline(&mut x, "RolePolicyList", &r.inline_policies);
        attached(&mut x, &r.attached_policies);
        boundary(&mut x, r.permissions_boundary.as_deref());
        tags(&mut x, &r.tags);
        x.open("RoleLastUsed");
        if let Some((date, region)) = &r.last_used {
            x.elem("LastUsedDate", date).elem("Region", region);
        }
        x.close("RoleLastUsed");
        x.close("member");
    }
    x.close("RoleDetailList");
    x.open("Policies");
    for p in &d.local_policies {
        x.open("member")
            .elem("PolicyName", &p.name)
            .elem("PolicyId", &p.policy_id)
            .elem("Arn", &policy_arn(partition, p))
            .elem("Path", &p.path)
            .elem("DefaultVersionId", &p.default_version_id)
            .elem("AttachmentCount", &p.attachment_count.to_string())
            .elem(
                "PermissionsBoundaryUsageCount",
                &p.boundary_usage_count.to_string(),
            )
            .elem("IsAttachable", "true")
            .opt("Description", p.description.as_deref())
            .elem("CreateDate", &p.created_at)
            .elem("UpdateDate", &p.updated_at);
        x.open("PolicyVersionList");
        for v in &p.versions {
            x.open("member")
                .elem("Document", &url_encoded(&v.document))
                .elem("VersionId", &v.version_id)
                .elem(
                    "IsDefaultVersion",
                    if v.version_id == p.default_version_id {
                        "true"
                    } else {
                        "false"
                    },
                )
                .elem("CreateDate", &v.created_at)
                .close("member");
        }
        x.close("PolicyVersionList").close("member");
    }
    for p in &d.aws_policies {
        x.open("member")
            .elem("PolicyName", &p.name)
            .elem("PolicyId", &p.policy_id)
            .elem("Arn", &p.arn)
            .elem("Path", "/")
            .elem("DefaultVersionId", "v1")
            .elem("AttachmentCount", &p.attachment_count.to_string())
            .elem("PermissionsBoundaryUsageCount", "0")
            .elem("IsAttachable", "true")
            .elem("CreateDate", AWS_POLICY_DATE)
            .elem("UpdateDate", AWS_POLICY_DATE)
            .open("PolicyVersionList")
            .open("member")
            .elem("Document", &url_encoded(&p.document))
            .elem("VersionId", "v1")
            .elem("IsDefaultVersion", "true")
            .elem("CreateDate", AWS_POLICY_DATE)
            .close("member")
            .close("PolicyVersionList")
            .close("member");
    }
    x.close("Policies");
    page_end(&mut x, d.next_marker.as_deref());
    Ok(x.into_string())
}
