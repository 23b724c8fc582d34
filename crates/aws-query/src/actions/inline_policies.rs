//! Inline-policy actions: Put/Get/Delete/List{User,Group,Role}Policy. Documents come back
//! URL-encoded, as IAM returns them.

use super::shapes::{page, page_end, url_encoded};
use super::{ActionDef, Call, required};
use crate::action;
use crate::error::ApiError;
use crate::xml::Xml;
use fedgate_iam::policies::Holder;
use fedgate_iam::policies::inline;
use fedgate_store::model::{Group, Role, User};

pub const ACTIONS: &[ActionDef] = &[
    action!("PutUserPolicy", Iam, Write, put::<User>),
    action!("PutGroupPolicy", Iam, Write, put::<Group>),
    action!("PutRolePolicy", Iam, Write, put::<Role>),
    action!("GetUserPolicy", Iam, Read, get::<User>),
    action!("GetGroupPolicy", Iam, Read, get::<Group>),
    action!("GetRolePolicy", Iam, Read, get::<Role>),
    action!("DeleteUserPolicy", Iam, Write, delete::<User>),
    action!("DeleteGroupPolicy", Iam, Write, delete::<Group>),
    action!("DeleteRolePolicy", Iam, Write, delete::<Role>),
    action!("ListUserPolicies", Iam, Read, list::<User>),
    action!("ListGroupPolicies", Iam, Read, list::<Group>),
    action!("ListRolePolicies", Iam, Read, list::<Role>),
];

/// `UserName`, `GroupName` or `RoleName`.
fn holder_param<T: Holder>() -> String {
    format!("{}Name", T::HOLDER.title())
}

async fn put<T: Holder>(c: &Call<'_>) -> Result<String, ApiError> {
    let name = required(c.params, &holder_param::<T>())?;
    let policy = required(c.params, "PolicyName")?;
    let doc = required(c.params, "PolicyDocument")?;
    inline::put::<T>(c.iam, c.caller, c.ctx, name, policy, doc).await?;
    Ok(String::new())
}

async fn get<T: Holder>(c: &Call<'_>) -> Result<String, ApiError> {
    let param = holder_param::<T>();
    let name = required(c.params, &param)?;
    let policy = required(c.params, "PolicyName")?;
    let (stored_name, doc) = inline::get::<T>(c.iam, c.caller, c.ctx, name, policy).await?;
    let mut x = Xml::new();
    x.elem(&param, &stored_name)
        .elem("PolicyName", policy)
        .elem("PolicyDocument", &url_encoded(&doc));
    Ok(x.into_string())
}

async fn delete<T: Holder>(c: &Call<'_>) -> Result<String, ApiError> {
    let name = required(c.params, &holder_param::<T>())?;
    let policy = required(c.params, "PolicyName")?;
    inline::delete::<T>(c.iam, c.caller, c.ctx, name, policy).await?;
    Ok(String::new())
}

async fn list<T: Holder>(c: &Call<'_>) -> Result<String, ApiError> {
    let name = required(c.params, &holder_param::<T>())?;
    let pg = page(c.params)?;
    let (names, next) =
        inline::list::<T>(c.iam, c.caller, c.ctx, name, pg.marker, pg.max_items).await?;
    let mut x = Xml::new();
    x.open("PolicyNames");
    for n in &names {
        x.elem("member", n);
    }
    x.close("PolicyNames");
    page_end(&mut x, next.as_deref());
    Ok(x.into_string())
}
