//! Account actions: aliases, summary, authorization details.

use super::ActionDef;

pub const ACTIONS: &[ActionDef] = &[];
