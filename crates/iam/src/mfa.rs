//! Virtual MFA devices: create, enable, deactivate, resync, list, delete; root MFA.
