//! Login-profile and ChangePassword actions.

use super::ActionDef;

pub const ACTIONS: &[ActionDef] = &[];
