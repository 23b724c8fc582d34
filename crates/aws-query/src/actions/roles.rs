//! IAM role actions.

use super::ActionDef;

pub const ACTIONS: &[ActionDef] = &[];
