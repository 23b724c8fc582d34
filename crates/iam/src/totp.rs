//! TOTP (RFC 6238) for virtual MFA devices: HMAC-SHA1, 6 digits, 30-second steps, the seed
//! as unpadded Base32 (RFC 4648, as AWS's `Base32StringSeed`), verification over a window of
//! steps in constant time (every candidate is computed and compared, whichever matches), and
//! the `otpauth://` URI as a QR-code PNG. Pure: the time step and the seed are passed in;
//! replay and clock drift are the caller's (see [`crate::mfa`]).

use hmac::{Hmac, Mac};
use sha1::Sha1;
use subtle::ConstantTimeEq;

/// Seconds per time step (RFC 6238's default, and what authenticator apps use).
pub const STEP_SECONDS: i64 = 30;
/// Digits per code.
pub const DIGITS: u32 = 6;
/// Bytes of seed (160 bits, the HMAC-SHA1 block the RFC recommends).
pub const SEED_LEN: usize = 20;

/// The time step of a Unix time (RFC 6238 §4: T = floor((now - T0) / X), T0 = 0).
pub fn step_at(unix_seconds: i64) -> u64 {
    u64::try_from(unix_seconds.div_euclid(STEP_SECONDS)).unwrap_or(0)
}

/// The HOTP value (RFC 4226 §5.3) of `seed` at counter `step`, truncated to `digits`.
pub fn hotp(seed: &[u8], step: u64, digits: u32) -> u32 {
    // HMAC accepts keys of any length; new_from_slice cannot fail for it.
    let Ok(mut mac) = Hmac::<Sha1>::new_from_slice(seed) else {
        return u32::MAX;
    };
    mac.update(&step.to_be_bytes());
    let h = mac.finalize().into_bytes();
    let offset = usize::from(h[19] & 0x0f);
    let bin = (u32::from(h[offset]) & 0x7f) << 24
        | u32::from(h[offset + 1]) << 16
        | u32::from(h[offset + 2]) << 8
        | u32::from(h[offset + 3]);
    bin % 10u32.pow(digits)
}

/// The 6-digit code of `seed` at `step`, zero-padded.
pub fn code_at(seed: &[u8], step: u64) -> String {
    format!("{:06}", hotp(seed, step, DIGITS))
}

/// Whether `code` has AWS's shape for an authentication code: exactly six digits.
pub fn is_code_shaped(code: &str) -> bool {
    code.len() == 6 && code.bytes().all(|b| b.is_ascii_digit())
}

/// The step in `center - window ..= center + window` whose code is `code`, if any. Every
/// candidate is computed and compared in constant time, so timing does not tell which step
/// (or whether any) matched. When several steps match (a 10⁻⁶ coincidence), the latest wins.
pub fn verify(seed: &[u8], code: &str, center: u64, window: u64) -> Option<u64> {
    let mut found = None;
    for step in center.saturating_sub(window)..=center.saturating_add(window) {
        let candidate = code_at(seed, step);
        if bool::from(candidate.as_bytes().ct_eq(code.as_bytes())) {
            found = Some(step);
        }
    }
    found
}

/// The step `t` in `center - window ..= center + window` such that `code1` is the code of
/// `t - 1` and `code2` the code of `t` (two consecutive codes, as EnableMFADevice and
/// ResyncMFADevice take). Returns `t`, the later of the two steps; the latest when several
/// match. Constant time over the window, like [`verify`].
pub fn verify_consecutive(
    seed: &[u8],
    code1: &str,
    code2: &str,
    center: u64,
    window: u64,
) -> Option<u64> {
    let mut found = None;
    for step in center.saturating_sub(window).max(1)..=center.saturating_add(window) {
        let a = code_at(seed, step - 1);
        let b = code_at(seed, step);
        let both = a.as_bytes().ct_eq(code1.as_bytes()) & b.as_bytes().ct_eq(code2.as_bytes());
        if bool::from(both) {
            found = Some(step);
        }
    }
    found
}

/// Unpadded Base32 (RFC 4648 alphabet), as AWS returns `Base32StringSeed`.
pub fn base32(seed: &[u8]) -> String {
    data_encoding::BASE32_NOPAD.encode(seed)
}

/// Decodes unpadded Base32 (upper case), e.g. a `Base32StringSeed`.
pub fn base32_decode(text: &str) -> Option<Vec<u8>> {
    data_encoding::BASE32_NOPAD.decode(text.as_bytes()).ok()
}

/// Characters of an `otpauth://` label or parameter that stay as they are (RFC 3986 unreserved).
fn uri_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// The Key Uri Format authenticator apps read:
/// `otpauth://totp/{issuer}:{device}@{account}?secret={base32}&issuer={issuer}` — AWS's label
/// `{device}@{account}` (the account being the user name, alias or id), prefixed with the
/// issuer as the format recommends.
pub fn otpauth_uri(issuer: &str, device: &str, account: &str, seed_base32: &str) -> String {
    format!(
        "otpauth://totp/{}:{}%40{}?secret={seed_base32}&issuer={}",
        uri_escape(issuer),
        uri_escape(device),
        uri_escape(account),
        uri_escape(issuer)
    )
}

/// Why a QR code could not be drawn.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum QrError {
    #[error("the text is too long for a QR code")]
    TooLong,
    #[error("the PNG could not be written")]
    Png,
}

/// Pixels per QR module, and the quiet zone in modules (ISO/IEC 18004 asks for 4).
const SCALE: usize = 4;
const BORDER: usize = 4;

/// A QR code of `text` as an 8-bit greyscale PNG (black modules on white).
pub fn qr_png(text: &str) -> Result<Vec<u8>, QrError> {
    use qrcodegen::{QrCode, QrCodeEcc};
    let qr = QrCode::encode_text(text, QrCodeEcc::Medium).map_err(|_| QrError::TooLong)?;
    let modules = usize::try_from(qr.size()).map_err(|_| QrError::TooLong)?;
    let side = (modules + 2 * BORDER) * SCALE;
    let mut pixels = vec![0xffu8; side * side];
    for y in 0..modules {
        for x in 0..modules {
            // Coordinates fit in i32: a QR code is at most 177 modules wide.
            let dark = qr.get_module(x as i32, y as i32);
            if !dark {
                continue;
            }
            for dy in 0..SCALE {
                let row = (y + BORDER) * SCALE + dy;
                let start = row * side + (x + BORDER) * SCALE;
                pixels[start..start + SCALE].fill(0);
            }
        }
    }
    let side32 = u32::try_from(side).map_err(|_| QrError::TooLong)?;
    let mut out = Vec::new();
    {
        let mut enc = png::Encoder::new(&mut out, side32, side32);
        enc.set_color(png::ColorType::Grayscale);
        enc.set_depth(png::BitDepth::Eight);
        let mut w = enc.write_header().map_err(|_| QrError::Png)?;
        w.write_image_data(&pixels).map_err(|_| QrError::Png)?;
        w.finish().map_err(|_| QrError::Png)?;
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// RFC 6238 appendix B: the SHA-1 seed is the ASCII string "12345678901234567890"; the
    /// published 8-digit values, and their last 6 digits for our 6-digit codes.
    #[test]
    fn rfc6238_appendix_b_sha1_vectors() {
        let seed = b"12345678901234567890";
        for (time, eight) in [
            (59i64, 94287082u32),
            (1111111109, 7081804),
            (1111111111, 14050471),
            (1234567890, 89005924),
            (2000000000, 69279037),
            (20000000000, 65353130),
        ] {
            let step = step_at(time);
            assert_eq!(hotp(seed, step, 8), eight, "T={time}");
            assert_eq!(code_at(seed, step), format!("{:06}", eight % 1_000_000));
        }
    }

    /// RFC 4226 appendix D: HOTP values for counters 0–9 of the same seed.
    #[test]
    fn rfc4226_appendix_d_vectors() {
        let seed = b"12345678901234567890";
        let want = [
            755224, 287082, 359152, 969429, 338314, 254676, 287922, 162583, 399871, 520489,
        ];
        for (counter, w) in want.iter().enumerate() {
            assert_eq!(hotp(seed, counter as u64, 6), *w);
        }
    }

    #[test]
    fn window_accepts_neighbours_only() {
        let seed = b"12345678901234567890";
        let now = step_at(1_700_000_000);
        for d in [-1i64, 0, 1] {
            let s = now.checked_add_signed(d).unwrap();
            assert_eq!(verify(seed, &code_at(seed, s), now, 1), Some(s));
        }
        for d in [-3i64, -2, 2, 3] {
            let s = now.checked_add_signed(d).unwrap();
            let c = code_at(seed, s);
            // (Unless the neighbouring codes happen to coincide, which they do not here.)
            assert_eq!(verify(seed, &c, now, 1), None, "step {d}");
        }
        assert_eq!(verify(seed, "abcdef", now, 1), None);
        assert_eq!(verify(seed, "", now, 1), None);
    }

    #[test]
    fn consecutive_codes() {
        let seed = b"12345678901234567890";
        let now = step_at(1_700_000_000);
        let (a, b) = (code_at(seed, now - 1), code_at(seed, now));
        assert_eq!(verify_consecutive(seed, &a, &b, now, 1), Some(now));
        // Reversed or not adjacent: refused.
        assert_eq!(verify_consecutive(seed, &b, &a, now, 1), None);
        let c = code_at(seed, now + 1);
        assert_eq!(verify_consecutive(seed, &a, &c, now, 1), None);
        // Far away: only a wide window finds them.
        let (x, y) = (code_at(seed, now - 10), code_at(seed, now - 9));
        assert_eq!(verify_consecutive(seed, &x, &y, now, 1), None);
        assert_eq!(verify_consecutive(seed, &x, &y, now, 20), Some(now - 9));
    }

    #[test]
    fn base32_round_trip_rfc4648_vectors() {
        // RFC 4648 §10 (without padding).
        assert_eq!(base32(b"foobar"), "MZXW6YTBOI");
        assert_eq!(base32(b"fo"), "MZXQ");
        let seed = [7u8; SEED_LEN];
        let text = base32(&seed);
        assert_eq!(text.len(), 32);
        assert!(!text.contains('='));
        assert_eq!(base32_decode(&text).unwrap(), seed);
    }

    #[test]
    fn otpauth_uri_escapes_the_label() {
        let uri = otpauth_uri("fedgate", "my device", "123456789012", "MZXW6YTBOI");
        assert_eq!(
            uri,
            "otpauth://totp/fedgate:my%20device%40123456789012?secret=MZXW6YTBOI&issuer=fedgate"
        );
    }

    #[test]
    fn qr_png_is_a_png() {
        let png = qr_png("otpauth://totp/fedgate:x%40123456789012?secret=MZXW6YTBOI").unwrap();
        assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n");
        assert!(qr_png(&"x".repeat(5000)).is_err());
    }
}
