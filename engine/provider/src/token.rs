//! Client tokens and input checks.

use sha2::{Digest, Sha256};

const MAX_TOKEN: usize = 128;

/// A deterministic client token from the parts that identify one operation (for example stack,
/// URN, operation and generation): 64 hex characters of SHA-256 over the length-prefixed parts,
/// so `["ab", "c"]` and `["a", "bc"]` differ. Valid for Cloud Control (`[-A-Za-z0-9+/=]`, ≤ 128).
pub fn client_token(parts: &[&str]) -> String {
    let mut hasher = Sha256::new();
    for part in parts {
        hasher.update((part.len() as u64).to_be_bytes());
        hasher.update(part.as_bytes());
    }
    hex::encode(hasher.finalize())
}

/// The client token of the `resubmission`-th re-submission of an operation whose first request
/// used `base` (0 returns `base`): `base-rN`, or `sha256(base)-rN` when that would exceed
/// 128 characters. Deterministic, so re-running an operation after a crash walks the same chain
/// of tokens and every step is answered idempotently by the service.
pub fn derive_client_token(base: &str, resubmission: u32) -> String {
    if resubmission == 0 {
        return base.to_string();
    }
    let suffix = format!("-r{resubmission}");
    if base.len() + suffix.len() <= MAX_TOKEN {
        format!("{base}{suffix}")
    } else {
        format!("{}{suffix}", hex::encode(Sha256::digest(base.as_bytes())))
    }
}

/// Checks Cloud Control's ClientToken shape: 1-128 characters of `[-A-Za-z0-9+/=]`.
pub(crate) fn validate_client_token(token: &str) -> Result<(), String> {
    if token.is_empty() || token.len() > MAX_TOKEN {
        return Err(format!(
            "client token must have 1 to {MAX_TOKEN} characters, not {}",
            token.len()
        ));
    }
    if let Some(bad) = token
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || matches!(c, '-' | '+' | '/' | '=')))
    {
        return Err(format!(
            "client token '{token}' contains '{bad}' (allowed: letters, digits, - + / =)"
        ));
    }
    Ok(())
}

/// Checks the `Service::Area::Type` shape Cloud Control requires.
pub(crate) fn validate_type_name(type_name: &str) -> Result<(), String> {
    let parts: Vec<&str> = type_name.split("::").collect();
    let valid = parts.len() == 3
        && parts
            .iter()
            .all(|part| (2..=64).contains(&part.len()) && part.chars().all(|c| c.is_ascii_alphanumeric()));
    if valid {
        Ok(())
    } else {
        Err(format!(
            "'{type_name}' is not a resource type name (expected Service::Area::Type, like AWS::S3::Bucket)"
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn client_tokens_are_deterministic_and_valid() {
        let token = client_token(&["dev", "urn:engine:dev::p::AWS::S3::Bucket::b", "create", "1"]);
        assert_eq!(token.len(), 64);
        assert_eq!(
            token,
            client_token(&["dev", "urn:engine:dev::p::AWS::S3::Bucket::b", "create", "1"])
        );
        assert_ne!(client_token(&["ab", "c"]), client_token(&["a", "bc"]));
        assert!(validate_client_token(&token).is_ok());
    }

    #[test]
    fn derived_tokens_stay_valid_and_distinct() {
        assert_eq!(derive_client_token("abc", 0), "abc");
        assert_eq!(derive_client_token("abc", 1), "abc-r1");
        assert_eq!(derive_client_token("abc", 12), "abc-r12");
        let long = "x".repeat(128);
        let derived = derive_client_token(&long, 3);
        assert!(derived.len() <= 128 && derived.ends_with("-r3"));
        assert!(validate_client_token(&derived).is_ok());
        assert_ne!(derive_client_token(&long, 3), derive_client_token(&"y".repeat(128), 3));
        assert_eq!(derived, derive_client_token(&long, 3));
    }

    #[test]
    fn token_and_type_checks() {
        assert!(validate_client_token("").is_err());
        assert!(validate_client_token(&"a".repeat(129)).is_err());
        assert!(validate_client_token("has space").is_err());
        assert!(validate_client_token("a-B+9/=").is_ok());
        assert!(validate_type_name("AWS::S3::Bucket").is_ok());
        assert!(validate_type_name("AWS::S3").is_err());
        assert!(validate_type_name("AWS::S3::Bucket::X").is_err());
        assert!(validate_type_name("AWS::S-3::Bucket").is_err());
        assert!(validate_type_name("").is_err());
    }
}
