//! BinaryEquals: base64 values compared byte for byte.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;

/// Decodes base64 (standard alphabet, padding required).
pub(crate) fn decode(s: &str) -> Option<Vec<u8>> {
    STANDARD.decode(s.trim()).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes() {
        assert_eq!(decode("QmluYXJ5VmFsdWU="), Some(b"BinaryValue".to_vec()));
        assert_eq!(decode("!!"), None);
    }
}
