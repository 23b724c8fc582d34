//! IAM `GetUser`.

use crate::error::ApiError;
use crate::form::Params;
use crate::xml::Xml;
use fedgate_core::Principal;
use fedgate_iam::authz::RequestContext;
use fedgate_iam::{Iam, users};

pub async fn run(
    iam: &Iam,
    caller: &Principal,
    ctx: &RequestContext,
    params: &Params,
) -> Result<String, ApiError> {
    let user = users::get_user(iam, caller, ctx, params.get("UserName")).await?;
    let mut x = Xml::new();
    x.open("User");
    if user.name.is_empty() {
        // The root user: AWS returns its id and ARN without a name or path.
        x.elem("UserId", &user.user_id)
            .elem("Arn", &caller.arn().to_string())
            .elem("CreateDate", &user.created_at);
    } else {
        x.elem("Path", &user.path)
            .elem("UserName", &user.name)
            .elem("UserId", &user.user_id)
            .elem("Arn", &users::user_arn(&iam.partition, &user).to_string())
            .elem("CreateDate", &user.created_at);
        if let Some(b) = &user.permissions_boundary {
            x.open("PermissionsBoundary")
                .elem("PermissionsBoundaryType", "Policy")
                .elem("PermissionsBoundaryArn", b)
                .close("PermissionsBoundary");
        }
        if !user.tags.is_empty() {
            x.open("Tags");
            for t in &user.tags {
                x.open("member")
                    .elem("Key", &t.key)
                    .elem("Value", &t.value)
                    .close("member");
            }
            x.close("Tags");
        }
    }
    x.close("User");
    Ok(x.into_string())
}
