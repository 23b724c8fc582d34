//! STS `GetCallerIdentity`.

use crate::xml::Xml;
use fedgate_core::Principal;
use fedgate_sts::get_caller_identity::get_caller_identity;

pub fn run(principal: &Principal) -> String {
    let id = get_caller_identity(principal);
    let mut x = Xml::new();
    x.elem("Arn", &id.arn)
        .elem("UserId", &id.user_id)
        .elem("Account", &id.account);
    x.into_string()
}
