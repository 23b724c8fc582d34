//! IAM `GetUser`.

use crate::error::ApiError;
use crate::xml::Xml;
use fedgate_iam::users;

pub async fn run(c: &super::Call<'_>) -> Result<String, ApiError> {
    let (iam, caller, ctx, params) = (c.iam, c.caller, c.ctx, c.params);
    let user = users::get_user(iam, caller, ctx, params.get("UserName")).await?;
    let mut x = Xml::new();
    x.open("User");
    if user.name.is_empty() {
        // The root user: AWS returns its id and ARN without a name or path.
        x.elem("UserId", &user.user_id)
            .elem("Arn", &caller.arn().to_string())
            .elem("CreateDate", &user.created_at);
    } else {
        super::shapes::user_fields(&mut x, &iam.partition, &user, true);
    }
    x.close("User");
    Ok(x.into_string())
}
