//! IAM roles: Create/Get/List/Update/UpdateAssumeRolePolicy/Delete, tags, permissions boundaries.
