//! The records the local cloud keeps: resources, requests, client tokens, object metadata.

use serde::{Deserialize, Serialize};
use serde_json::Value;

/// Account of the local cloud.
pub const ACCOUNT_ID: &str = "123456789012";
/// Partition of the local cloud.
pub const PARTITION: &str = "aws";
/// Where global services' resources live.
pub const GLOBAL: &str = "global";

/// Request records are kept 7 days.
pub const REQUEST_TTL_MS: u64 = 7 * 24 * 3600 * 1000;
/// Client tokens are honoured for 36 hours.
pub const CLIENT_TOKEN_TTL_MS: u64 = 36 * 3600 * 1000;

/// Services whose resources are global (one namespace whatever the region of the call).
pub fn is_global_type(type_name: &str) -> bool {
    let service = type_name.split("::").nth(1).unwrap_or("");
    matches!(service, "IAM" | "Route53" | "CloudFront" | "Budgets" | "CUR" | "Organizations" | "CE")
}

/// The scope a type's resources live in when called from `region`.
pub fn scope_of(type_name: &str, region: &str) -> String {
    if is_global_type(type_name) { GLOBAL.to_owned() } else { region.to_owned() }
}

/// A resource's key: scope (region or `global`), type, primary identifier.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct ResKey {
    pub scope: String,
    pub type_name: String,
    pub identifier: String,
}

/// A resource as stored: its full model, write-only values included (reads strip them).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Resource {
    pub model: Value,
    /// Values this resource minted (ids, ARNs) that others may reference.
    #[serde(default)]
    pub minted: Vec<String>,
    /// Epoch milliseconds.
    pub created_ms: u64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Operation {
    #[serde(rename = "CREATE")]
    Create,
    #[serde(rename = "UPDATE")]
    Update,
    #[serde(rename = "DELETE")]
    Delete,
}

impl Operation {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Create => "CREATE",
            Self::Update => "UPDATE",
            Self::Delete => "DELETE",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "CREATE" => Some(Self::Create),
            "UPDATE" => Some(Self::Update),
            "DELETE" => Some(Self::Delete),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Status {
    #[serde(rename = "PENDING")]
    Pending,
    #[serde(rename = "IN_PROGRESS")]
    InProgress,
    #[serde(rename = "SUCCESS")]
    Success,
    #[serde(rename = "FAILED")]
    Failed,
    #[serde(rename = "CANCEL_IN_PROGRESS")]
    CancelInProgress,
    #[serde(rename = "CANCEL_COMPLETE")]
    CancelComplete,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "PENDING",
            Self::InProgress => "IN_PROGRESS",
            Self::Success => "SUCCESS",
            Self::Failed => "FAILED",
            Self::CancelInProgress => "CANCEL_IN_PROGRESS",
            Self::CancelComplete => "CANCEL_COMPLETE",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "PENDING" => Some(Self::Pending),
            "IN_PROGRESS" => Some(Self::InProgress),
            "SUCCESS" => Some(Self::Success),
            "FAILED" => Some(Self::Failed),
            "CANCEL_IN_PROGRESS" => Some(Self::CancelInProgress),
            "CANCEL_COMPLETE" => Some(Self::CancelComplete),
            _ => None,
        }
    }

    pub fn is_terminal(self) -> bool {
        matches!(self, Self::Success | Self::Failed | Self::CancelComplete)
    }
}

/// A mutation request and its progress.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Request {
    pub token: String,
    /// Region the request was made in (ListResourceRequests is per region).
    pub region: String,
    pub type_name: String,
    pub operation: Operation,
    pub status: Status,
    /// Known from the start for client-named resources, set on completion otherwise.
    pub identifier: Option<String>,
    /// The resource the request acts on, once known.
    pub key: Option<ResKey>,
    pub event_ms: u64,
    pub due_ms: u64,
    /// Desired state (create) or patched model (update), until completion.
    pub input: Option<Value>,
    pub error_code: Option<String>,
    pub status_message: Option<String>,
    pub client_token: Option<String>,
    /// Hash of the request parameters (ClientToken idempotency).
    pub fingerprint: String,
}

/// Metadata of a stored object.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ObjectMeta {
    pub size: u64,
    pub etag: String,
    pub content_type: Option<String>,
    pub modified_ms: u64,
    /// File name under `objects/`.
    pub file: String,
}

/// A deterministic generator (SplitMix64) for ids and injected failures.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Rng {
    pub state: u64,
}

impl Rng {
    pub fn new(seed: u64) -> Self {
        Self { state: seed ^ 0x9E37_79B9_7F4A_7C15 }
    }

    pub fn next_u64(&mut self) -> u64 {
        self.state = self.state.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.state;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in [0, 1).
    pub fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }

    pub fn below(&mut self, n: usize) -> usize {
        if n == 0 { 0 } else { (self.next_u64() % n as u64) as usize }
    }

    pub fn pick(&mut self, alphabet: &[u8], len: usize) -> String {
        (0..len).map(|_| alphabet[self.below(alphabet.len())] as char).collect()
    }

    pub fn hex(&mut self, len: usize) -> String {
        self.pick(b"0123456789abcdef", len)
    }

    pub fn lower(&mut self, len: usize) -> String {
        self.pick(b"abcdefghijklmnopqrstuvwxyz0123456789", len)
    }

    pub fn upper(&mut self, len: usize) -> String {
        self.pick(b"ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789", len)
    }

    pub fn mixed(&mut self, len: usize) -> String {
        self.pick(b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789", len)
    }

    pub fn uuid(&mut self) -> String {
        let a = self.next_u64();
        let b = self.next_u64();
        let mut bytes = [0u8; 16];
        bytes[..8].copy_from_slice(&a.to_be_bytes());
        bytes[8..].copy_from_slice(&b.to_be_bytes());
        bytes[6] = (bytes[6] & 0x0f) | 0x40;
        bytes[8] = (bytes[8] & 0x3f) | 0x80;
        uuid::Uuid::from_bytes(bytes).to_string()
    }
}

/// Milliseconds since the epoch.
pub fn now_ms() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as u64)
        .unwrap_or(0)
}

/// ISO-8601 UTC timestamp of epoch milliseconds (`2024-05-01T12:00:00.000Z`).
pub fn iso8601(ms: u64) -> String {
    let secs = ms / 1000;
    let days = (secs / 86_400) as i64;
    let rem = secs % 86_400;
    let (h, m, s) = (rem / 3600, (rem % 3600) / 60, rem % 60);
    // Civil-from-days (Howard Hinnant's algorithm).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = if month <= 2 { y + 1 } else { y };
    format!("{year:04}-{month:02}-{d:02}T{h:02}:{m:02}:{s:02}.{:03}Z", ms % 1000)
}

/// HTTP date (`Sun, 06 Nov 1994 08:49:37 GMT`).
pub fn http_date(ms: u64) -> String {
    let iso = iso8601(ms);
    let days = (ms / 1000 / 86_400) as usize;
    let weekday = ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"][days % 7];
    let month_names = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
    let month: usize = iso[5..7].parse().unwrap_or(1);
    format!("{weekday}, {} {} {} {} GMT", &iso[8..10], month_names[month.saturating_sub(1) % 12], &iso[0..4], &iso[11..19])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates() {
        assert_eq!(iso8601(0), "1970-01-01T00:00:00.000Z");
        assert_eq!(iso8601(1_700_000_000_123), "2023-11-14T22:13:20.123Z");
        assert_eq!(http_date(784_111_777_000), "Sun, 06 Nov 1994 08:49:37 GMT");
    }

    #[test]
    fn rng_is_deterministic() {
        let mut a = Rng::new(7);
        let mut b = Rng::new(7);
        assert_eq!(a.hex(17), b.hex(17));
        let id = a.uuid();
        assert_eq!(id.len(), 36);
        assert!(uuid::Uuid::parse_str(&id).is_ok());
        assert!((0..1000).map(|_| a.unit()).all(|u| (0.0..1.0).contains(&u)));
    }

    #[test]
    fn global_services() {
        assert_eq!(scope_of("AWS::IAM::Role", "eu-west-1"), GLOBAL);
        assert_eq!(scope_of("AWS::Route53::HostedZone", "eu-west-1"), GLOBAL);
        assert_eq!(scope_of("AWS::S3::Bucket", "eu-west-1"), "eu-west-1");
    }
}
