//! TOTP (RFC 6238) codes for virtual MFA devices: ±1 step window, replay refused.
