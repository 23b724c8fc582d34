//! IAM groups: Create/Get/List/Update/Delete, membership (AddUserToGroup, RemoveUserFromGroup, ListGroupsForUser).
