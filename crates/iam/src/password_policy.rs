//! The account password policy: Update/Get/Delete, and checking a password against it.
