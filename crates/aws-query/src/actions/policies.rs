//! Managed-policy actions: policies, versions, attachments, ListEntitiesForPolicy.

use super::ActionDef;

pub const ACTIONS: &[ActionDef] = &[];
