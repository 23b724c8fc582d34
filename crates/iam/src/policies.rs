//! Customer-managed policies and versions, attaching managed policies, inline policies, quotas.
