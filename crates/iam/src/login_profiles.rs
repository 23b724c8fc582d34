//! Console passwords: login profiles, ChangePassword, password history and expiry.
