//! IAM group actions.

use super::ActionDef;

pub const ACTIONS: &[ActionDef] = &[];
