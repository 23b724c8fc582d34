//! Account password-policy actions.

use super::ActionDef;

pub const ACTIONS: &[ActionDef] = &[];
