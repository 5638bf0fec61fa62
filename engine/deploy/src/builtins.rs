//! Built-in resources the engine computes itself (no cloud call): `Engine::Random::Password` and
//! `Engine::Random::String` (see `proto/README.md`).
//!
//! Inputs: `Length` (required, 1..=1024), `Special` (bool, default true), `OverrideSpecial`
//! (the special characters to use), `Upper`/`Lower`/`Numeric` (bools, default true), `MinUpper`,
//! `MinLower`, `MinNumeric`, `MinSpecial` (default 0), `Keepers` (object; any change
//! re-generates). Output: every input plus `Result` (a secret for `Password`). The value is kept
//! in state and stays the same across runs until an input changes.

use serde_json::{Map, Value};

pub const PASSWORD: &str = "Engine::Random::Password";
pub const STRING: &str = "Engine::Random::String";

const DEFAULT_SPECIAL: &str = "!#$%&*()-_=+[]{}<>:?";
const MAX_LENGTH: u64 = 1024;

/// Whether a type is a built-in resource.
#[must_use]
pub fn is_builtin(type_name: &str) -> bool {
    type_name == PASSWORD || type_name == STRING
}

/// Whether the built-in's result is secret.
#[must_use]
pub fn result_is_secret(type_name: &str) -> bool {
    type_name == PASSWORD
}

const KNOWN: &[&str] = &[
    "Length",
    "Special",
    "OverrideSpecial",
    "Upper",
    "Lower",
    "Numeric",
    "MinUpper",
    "MinLower",
    "MinNumeric",
    "MinSpecial",
    "Keepers",
];

/// Check a built-in's inputs (plain values; unknowns are accepted). Returns `(path, message)`
/// for each problem.
#[must_use]
pub fn validate(inputs: &Map<String, Value>) -> Vec<(String, String)> {
    let mut problems = Vec::new();
    for key in inputs.keys() {
        if !KNOWN.contains(&key.as_str()) {
            problems.push((format!("/{key}"), format!("unknown property (expected one of {})", KNOWN.join(", "))));
        }
    }
    let unknown = |v: &Value| engine_proto::value::contains_unknowns(v);
    match inputs.get("Length") {
        None => problems.push(("/Length".into(), "required property is missing".into())),
        Some(v) if unknown(v) => {}
        Some(v) => match v.as_u64() {
            Some(n) if (1..=MAX_LENGTH).contains(&n) => {}
            _ => problems.push(("/Length".into(), format!("expected an integer from 1 to {MAX_LENGTH}, found {v}"))),
        },
    }
    for key in ["Special", "Upper", "Lower", "Numeric"] {
        if let Some(v) = inputs.get(key)
            && !unknown(v)
            && !v.is_boolean()
        {
            problems.push((format!("/{key}"), format!("expected a boolean, found {v}")));
        }
    }
    for key in ["MinUpper", "MinLower", "MinNumeric", "MinSpecial"] {
        if let Some(v) = inputs.get(key)
            && !unknown(v)
            && v.as_u64().is_none_or(|n| n > MAX_LENGTH)
        {
            problems.push((format!("/{key}"), format!("expected a non-negative integer, found {v}")));
        }
    }
    if let Some(v) = inputs.get("OverrideSpecial")
        && !unknown(v)
        && !v.is_string()
    {
        problems.push(("/OverrideSpecial".into(), format!("expected a string, found {v}")));
    }
    if let Some(v) = inputs.get("Keepers")
        && !unknown(v)
        && !v.is_object()
    {
        problems.push(("/Keepers".into(), format!("expected an object, found {v}")));
    }
    problems
}

fn random_below(n: usize) -> Result<usize, String> {
    // Rejection sampling over u64: uniform, no modulo bias.
    let n64 = n as u64;
    let zone = u64::MAX - (u64::MAX % n64);
    loop {
        let mut bytes = [0u8; 8];
        getrandom::fill(&mut bytes).map_err(|e| format!("the system's random source failed: {e}"))?;
        let x = u64::from_le_bytes(bytes);
        if x < zone {
            #[expect(clippy::cast_possible_truncation, reason = "x % n < n, which is a usize")]
            return Ok((x % n64) as usize);
        }
    }
}

/// Generate the value for a built-in's (plain, known) inputs.
pub fn generate(inputs: &Map<String, Value>) -> Result<String, String> {
    let length = inputs.get("Length").and_then(Value::as_u64).ok_or("Length is required")?;
    let flag = |key: &str| inputs.get(key).and_then(Value::as_bool).unwrap_or(true);
    let min = |key: &str| inputs.get(key).and_then(Value::as_u64).unwrap_or(0);
    let special: Vec<char> =
        inputs.get("OverrideSpecial").and_then(Value::as_str).unwrap_or(DEFAULT_SPECIAL).chars().collect();
    let upper: Vec<char> = ('A'..='Z').collect();
    let lower: Vec<char> = ('a'..='z').collect();
    let digits: Vec<char> = ('0'..='9').collect();
    let classes: Vec<(bool, u64, &[char], &str)> = vec![
        (flag("Upper"), min("MinUpper"), &upper, "MinUpper"),
        (flag("Lower"), min("MinLower"), &lower, "MinLower"),
        (flag("Numeric"), min("MinNumeric"), &digits, "MinNumeric"),
        (flag("Special") && !special.is_empty(), min("MinSpecial"), &special, "MinSpecial"),
    ];
    let mut out: Vec<char> = Vec::new();
    let mut pool: Vec<char> = Vec::new();
    for (enabled, minimum, chars, name) in &classes {
        if !enabled {
            if *minimum > 0 {
                return Err(format!("{name} is {minimum} but that character class is disabled"));
            }
            continue;
        }
        pool.extend_from_slice(chars);
        for _ in 0..*minimum {
            out.push(chars[random_below(chars.len())?]);
        }
    }
    if pool.is_empty() {
        return Err("every character class is disabled".into());
    }
    if out.len() as u64 > length {
        return Err(format!("the minimums add up to {} characters, more than Length {length}", out.len()));
    }
    while (out.len() as u64) < length {
        out.push(pool[random_below(pool.len())?]);
    }
    // Fisher-Yates, so the required characters are not at the front.
    for i in (1..out.len()).rev() {
        let j = random_below(i + 1)?;
        out.swap(i, j);
    }
    Ok(out.into_iter().collect())
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn generates_with_minimums() {
        let inputs = json!({"Length": 24, "MinUpper": 3, "MinNumeric": 4, "MinSpecial": 2, "OverrideSpecial": "_%"});
        let inputs = inputs.as_object().unwrap();
        for _ in 0..50 {
            let v = generate(inputs).unwrap();
            assert_eq!(v.chars().count(), 24);
            assert!(v.chars().filter(char::is_ascii_uppercase).count() >= 3);
            assert!(v.chars().filter(char::is_ascii_digit).count() >= 4);
            assert!(v.chars().filter(|c| "_%".contains(*c)).count() >= 2);
            assert!(v.chars().all(|c| c.is_ascii_alphanumeric() || "_%".contains(c)));
        }
        assert_ne!(generate(inputs).unwrap(), generate(inputs).unwrap());
        let plain = json!({"Length": 8, "Special": false});
        assert!(generate(plain.as_object().unwrap()).unwrap().chars().all(|c| c.is_ascii_alphanumeric()));
    }

    #[test]
    fn bad_inputs_are_named() {
        let problems = validate(json!({"Lenght": 3, "Special": "yes"}).as_object().unwrap());
        let paths: Vec<&str> = problems.iter().map(|(p, _)| p.as_str()).collect();
        assert_eq!(paths, vec!["/Lenght", "/Length", "/Special"]);
        assert!(validate(json!({"Length": engine_proto::value::unknown()}).as_object().unwrap()).is_empty());
        let err = generate(json!({"Length": 2, "MinUpper": 3}).as_object().unwrap()).unwrap_err();
        assert!(err.contains("more than Length"));
    }
}
