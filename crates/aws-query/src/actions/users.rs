//! IAM user actions: CreateUser, ListUsers, UpdateUser, DeleteUser, tags, permissions boundaries (GetUser is in get_user).

use super::ActionDef;

pub const ACTIONS: &[ActionDef] = &[];
