//! Random tokens and their stored form, for every area that hands out a secret: session
//! tokens, check-in codes, ballot ids, receipt numbers.

use blake2::{Blake2s256, Digest};
use rand::RngCore;

/// The stored form of a session token: its BLAKE2s hash, so a copy of the database
/// does not hand out live sessions.
pub fn session_key(token: &str) -> String {
    hex(&Blake2s256::digest(token.as_bytes()))
}

/// Bytes as lowercase hex.
pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// A fresh random token (256 bits, hex).
pub fn random_token() -> String {
    let mut b = [0u8; 32];
    rand::rng().fill_bytes(&mut b);
    hex(&b)
}
