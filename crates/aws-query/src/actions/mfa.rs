//! MFA device actions.

use super::ActionDef;

pub const ACTIONS: &[ActionDef] = &[];
