//! Enrolment (`POST /v1/enrol`): a counter trades the one-time code the portal's administrator
//! gave it for its token, site, counter id and the portal's public keys.
//!
//! The code is 16 characters of Crockford's base32 (80 bits), shown as `XXXX-XXXX-XXXX-XXXX`;
//! typing is forgiving (case, dashes, spaces, O for 0 and I/L for 1), so the portal and the
//! counter agree on [`normalize_code`].

use serde::{Deserialize, Serialize};

/// Crockford's base32: no I, L, O, U, so nothing reads as another character.
const ALPHABET: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";
/// Characters of a code: 16 × 5 bits = 80 bits.
pub const CODE_CHARS: usize = 16;

/// `POST /v1/enrol`'s body.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EnrolRequest {
    pub code: String,
}

/// What an accepted code gives the counter.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Enrolment {
    pub token: String,
    pub site_code: String,
    pub counter_id: String,
    /// Base64 Ed25519 keys, newest first (for `portal_public_keys`).
    pub public_keys: Vec<String>,
    pub portal_id: String,
}

/// A new code from 10 random bytes, grouped by four.
pub fn new_code() -> String {
    use rand::RngCore;
    let mut bytes = [0u8; 10];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    format_code(&bytes)
}

fn format_code(bytes: &[u8; 10]) -> String {
    let bits = bytes
        .iter()
        .fold(0u128, |acc, &b| (acc << 8) | u128::from(b));
    let chars: Vec<char> = (0..CODE_CHARS)
        .rev()
        .map(|i| char::from(ALPHABET[((bits >> (i * 5)) & 31) as usize]))
        .collect();
    chars
        .chunks(4)
        .map(|group| group.iter().collect::<String>())
        .collect::<Vec<_>>()
        .join("-")
}

/// The code as typed, in its canonical form (16 characters, no dashes), or `None` when it
/// cannot be a code.
pub fn normalize_code(typed: &str) -> Option<String> {
    let mut out = String::with_capacity(CODE_CHARS);
    for c in typed.chars() {
        let c = match c.to_ascii_uppercase() {
            '-' | ' ' => continue,
            'O' => '0',
            'I' | 'L' => '1',
            c if c.is_ascii() && ALPHABET.contains(&(c as u8)) => c,
            _ => return None,
        };
        out.push(c);
    }
    (out.len() == CODE_CHARS).then_some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_code_carries_80_bits_and_reads_back_as_typed() {
        assert_eq!(format_code(&[0; 10]), "0000-0000-0000-0000");
        assert_eq!(format_code(&[0xff; 10]), "ZZZZ-ZZZZ-ZZZZ-ZZZZ");
        let code = new_code();
        assert_eq!(code.len(), 19, "{code}");
        let canonical = normalize_code(&code).unwrap();
        assert_eq!(canonical, code.replace('-', ""));
        let typed = format!(
            " {} ",
            code.to_lowercase().replace('0', "o").replace('-', " ")
        );
        assert_eq!(normalize_code(&typed).as_deref(), Some(canonical.as_str()));
        assert_ne!(new_code(), code, "random");
        for bad in [
            "",
            "ABCD-EFGH",
            "ABCD-EFGH-JKMN-PQRSU",
            "ABCD-EFGH-JKMN-PQR!",
            "ÄBCD",
        ] {
            assert_eq!(normalize_code(bad), None, "{bad}");
        }
    }
}
