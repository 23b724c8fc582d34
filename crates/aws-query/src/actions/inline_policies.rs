//! Inline-policy actions: Put/Get/Delete/List{User,Group,Role}Policy.

use super::ActionDef;

pub const ACTIONS: &[ActionDef] = &[];
