//! Credential-report actions.

use super::ActionDef;

pub const ACTIONS: &[ActionDef] = &[];
