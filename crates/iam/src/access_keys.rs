//! Access keys: Create/List/Update/Delete, GetAccessKeyLastUsed; at most two per user.
