//! Access-key actions.

use super::ActionDef;

pub const ACTIONS: &[ActionDef] = &[];
