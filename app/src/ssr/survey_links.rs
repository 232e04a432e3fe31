//! The links of satisfaction surveys: `https://…/survey/ID.NONCE.SIGNATURE`.
//!
//! - `ID` is the survey's row; `NONCE` is 128 random bits (hex) stored with the survey;
//!   `SIGNATURE` is HMAC-SHA256 over both, with the server's link key, truncated to 128 bits
//!   (hex).
//! - The key is configuration, never in the database, so a copy of the database cannot make a
//!   working link; the database keeps the nonce but no token, and a link is checked by signature
//!   first (in constant time) and then against the stored nonce, so knowing the key without the
//!   database is no use either.
//! - Because the link can be made again from the survey's row at any time, the delivery worker
//!   renders it when it sends the e-mail (a retry carries the same link), and the customer's
//!   ticket page can link to the same form.
//! - Single use and expiry are the survey's state (`domain::survey::check_link`), recorded in its
//!   row; a reopened ticket withdraws its survey, and its next resolution offers a new one with a
//!   new id and nonce.

use hmac::{Hmac, Mac};
use rand::RngCore;
use sha2::Sha256;

/// What tells the signature apart from any other HMAC made with the same key.
const PURPOSE: &[u8] = b"tierline survey link\0";
/// Bytes of the signature kept in the link.
const SIGNATURE_BYTES: usize = 16;
/// The shortest key accepted, in bytes of its text.
pub const MIN_KEY_LENGTH: usize = 32;

/// Signs and reads survey links. Its `Debug` leaves the key out.
#[derive(Clone)]
pub struct SurveyLinks {
    key: Vec<u8>,
    /// Where links point: the settings' `public_url`, without a trailing slash.
    public_url: String,
}

impl std::fmt::Debug for SurveyLinks {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter
            .debug_struct("SurveyLinks")
            .field("key", &"(redacted)")
            .field("public_url", &self.public_url)
            .finish()
    }
}

impl SurveyLinks {
    /// Links signed with `key` (at least [`MIN_KEY_LENGTH`] characters) under `public_url`.
    pub fn new(key: &str, public_url: &str) -> Result<SurveyLinks, String> {
        if key.trim().len() < MIN_KEY_LENGTH {
            return Err(format!(
                "the link key must be at least {MIN_KEY_LENGTH} characters (64 hex digits from `openssl rand -hex 32` are right)"
            ));
        }
        Ok(SurveyLinks {
            key: key.trim().as_bytes().to_vec(),
            public_url: public_url.trim_end_matches('/').to_string(),
        })
    }

    /// A new random key, as the text the settings hold: 256 bits in hex.
    pub fn new_key() -> String {
        super::auth::new_secret_token()
    }

    /// A new survey's nonce: 128 random bits in hex.
    pub fn new_nonce() -> String {
        let mut bytes = [0u8; 16];
        rand::rngs::OsRng.fill_bytes(&mut bytes);
        hex::encode(bytes)
    }

    /// The token of survey `id` with `nonce`: the last part of its link.
    pub fn token(&self, id: i64, nonce: &str) -> String {
        let signature = self.mac(id, nonce).finalize().into_bytes();
        format!("{id}.{nonce}.{}", hex::encode(&signature[..SIGNATURE_BYTES]))
    }

    /// The whole link of survey `id`.
    pub fn url(&self, id: i64, nonce: &str) -> String {
        format!("{}/survey/{}", self.public_url, self.token(id, nonce))
    }

    /// The survey id and nonce of a token this key signed; `None` for anything else (malformed,
    /// tampered, or signed with another key). The caller still compares the nonce with the
    /// survey's.
    pub fn read(&self, token: &str) -> Option<(i64, String)> {
        let mut parts = token.trim().splitn(3, '.');
        let (id, nonce, signature) = (parts.next()?, parts.next()?, parts.next()?);
        let id: i64 = id.parse().ok().filter(|id| *id > 0)?;
        if nonce.len() != 32
            || !nonce.bytes().all(|byte| byte.is_ascii_hexdigit() && !byte.is_ascii_uppercase())
        {
            return None;
        }
        let signature = hex::decode(signature).ok().filter(|bytes| bytes.len() == SIGNATURE_BYTES)?;
        self.mac(id, nonce).verify_truncated_left(&signature).ok()?;
        Some((id, nonce.to_string()))
    }

    fn mac(&self, id: i64, nonce: &str) -> Hmac<Sha256> {
        let mut mac = Hmac::<Sha256>::new_from_slice(&self.key).expect("HMAC takes a key of any length");
        mac.update(PURPOSE);
        mac.update(id.to_string().as_bytes());
        mac.update(b".");
        mac.update(nonce.as_bytes());
        mac
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn links(key: &str) -> SurveyLinks {
        SurveyLinks::new(key, "https://help.example/").expect("a long key")
    }

    #[test]
    fn a_link_reads_back_with_its_key_only() {
        let links = links("k".repeat(40).as_str());
        let nonce = SurveyLinks::new_nonce();
        let token = links.token(17, &nonce);
        assert_eq!(links.read(&token), Some((17, nonce.clone())));
        assert_eq!(links.url(17, &nonce), format!("https://help.example/survey/{token}"));
        let other = self::links("o".repeat(40).as_str());
        assert_eq!(other.read(&token), None, "another key's link");
    }

    #[test]
    fn a_changed_token_is_refused() {
        let links = links("k".repeat(40).as_str());
        let nonce = "0123456789abcdef0123456789abcdef";
        let token = links.token(17, nonce);
        let (_, signature) = token.rsplit_once('.').expect("three parts");
        let mut refused = vec![
            format!("18.{nonce}.{signature}"),
            format!("17.{}.{signature}", nonce.replace('0', "1")),
            format!("17.{nonce}.{}", &signature[..30]),
            format!("17.{nonce}.{signature}00"),
            format!("17.{}.{signature}", nonce.to_uppercase()),
            format!("-17.{nonce}.{signature}"),
            String::new(),
            "17".into(),
            "garbage.garbage.garbage".into(),
        ];
        // Every single changed character of the signature.
        for (at, character) in signature.char_indices() {
            let changed = if character == '0' { '1' } else { '0' };
            refused.push(format!("17.{nonce}.{}{changed}{}", &signature[..at], &signature[at + 1..]));
        }
        for token in refused {
            assert_eq!(links.read(&token), None, "{token}");
        }
    }

    #[test]
    fn short_keys_are_refused_and_new_ones_are_long_enough() {
        assert!(SurveyLinks::new("short", "https://help.example").is_err());
        assert!(SurveyLinks::new(&SurveyLinks::new_key(), "https://help.example").is_ok());
        assert_ne!(SurveyLinks::new_nonce(), SurveyLinks::new_nonce());
        assert_eq!(SurveyLinks::new_nonce().len(), 32);
    }
}
