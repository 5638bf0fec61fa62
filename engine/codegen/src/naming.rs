//! Identifier conversion: schema names (`VPCEndpointId`, `IPv6CidrBlock`) to each language's
//! casing, and escaping of keywords and reserved words.

/// Split a schema name into lower-case words.
///
/// `VPCEndpointId` → `vpc endpoint id`, `IPv6CidrBlock` → `ipv6 cidr block`, `S3Bucket` →
/// `s3 bucket`, `PublicIPs` → `public ips`, `DBInstanceARNs` → `db instance arns`.
#[must_use]
pub fn words(name: &str) -> Vec<String> {
    let name = normalise_known_words(name);
    let mut out = Vec::new();
    for chunk in name.split(|c: char| !c.is_ascii_alphanumeric()).filter(|c| !c.is_empty()) {
        split_chunk(chunk, &mut out);
    }
    // Binary units stay whole: `MemoryMiB` → `memory mib`, not `memory mi b`.
    let mut merged: Vec<String> = Vec::with_capacity(out.len());
    for word in out {
        if let Some(last) = merged.last_mut() {
            if ["ki", "mi", "gi", "ti", "pi"].contains(&last.as_str()) && (word == "b" || word == "bps") {
                last.push_str(&word);
                continue;
            }
        }
        merged.push(word);
    }
    merged
}

/// Mixed-case words of AWS names that the case rules would split (`OAuth` → `o auth`), written
/// as ordinary capitalised words; only where the word ends (an upper-case letter, a digit or the
/// end follows, or a plural `s`).
const KNOWN_WORDS: &[(&str, &str)] = &[
    ("OAuth", "Oauth"),
    ("IoT", "Iot"),
    ("FSx", "Fsx"),
    ("DDoS", "Ddos"),
    ("ETag", "Etag"),
    ("IdC", "Idc"),
    ("MiB", "Mib"),
    ("GiB", "Gib"),
    ("KiB", "Kib"),
    ("TiB", "Tib"),
    ("PiB", "Pib"),
    ("DevOps", "Devops"),
    ("GraphQL", "Graphql"),
    ("MySQL", "Mysql"),
    ("PostgreSQL", "Postgresql"),
    ("NoSQL", "Nosql"),
    ("OpenID", "Openid"),
    ("OpenSearch", "Opensearch"),
    ("QuickSight", "Quicksight"),
    ("macOS", "Macos"),
    ("iOS", "Ios"),
];

fn normalise_known_words(name: &str) -> String {
    let mut text = name.to_owned();
    for (word, replacement) in KNOWN_WORDS {
        let mut search_from = 0;
        while let Some(found) = text[search_from..].find(word) {
            let start = search_from + found;
            let end = start + word.len();
            let rest = &text[end..];
            let ends_word = rest.is_empty()
                || !rest.starts_with(|c: char| c.is_ascii_lowercase())
                || (rest.starts_with('s') && !rest[1..].starts_with(|c: char| c.is_ascii_lowercase()));
            let starts_word = start == 0 || !text[..start].ends_with(|c: char| c.is_ascii_lowercase()) || word.starts_with(|c: char| c.is_ascii_uppercase());
            if ends_word && starts_word {
                text.replace_range(start..end, replacement);
            }
            search_from = end;
        }
    }
    text
}

fn split_chunk(chunk: &str, out: &mut Vec<String>) {
    let chars: Vec<char> = chunk.chars().collect();
    let mut word = String::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c.is_ascii_uppercase() {
            // An upper-case run: an acronym, or the capital of a word.
            let start = i;
            while i < chars.len() && chars[i].is_ascii_uppercase() {
                i += 1;
            }
            let run: String = chars[start..i].iter().collect();
            let next_lower = i < chars.len() && chars[i].is_ascii_lowercase();
            // A word made only of digits (`3DSecure`) joins the run that follows it.
            if !word.is_empty() && !word.chars().all(|d| d.is_ascii_digit()) {
                out.push(std::mem::take(&mut word));
            }
            if run.len() == 1 || !next_lower {
                word.push_str(&run.to_ascii_lowercase());
                if !next_lower {
                    continue;
                }
            } else {
                // `IPv6`: an acronym followed by `v` and a digit stays one word. `IPs`, `ARNs`:
                // an acronym's plural stays one word. Otherwise the run's last capital starts
                // the next word (`VPCEndpoint` → `VPC`, `Endpoint`).
                let lower_end = (i..chars.len()).find(|&j| !chars[j].is_ascii_lowercase()).unwrap_or(chars.len());
                let lower: String = chars[i..lower_end].iter().collect();
                let version = lower == "v" && lower_end < chars.len() && chars[lower_end].is_ascii_digit();
                let plural = lower == "s";
                if version || plural {
                    word.push_str(&run.to_ascii_lowercase());
                } else {
                    let (acronym, capital) = run.split_at(run.len() - 1);
                    out.push(acronym.to_ascii_lowercase());
                    word.push_str(&capital.to_ascii_lowercase());
                }
            }
            // Lower-case letters and digits continue the current word.
            while i < chars.len() && (chars[i].is_ascii_lowercase() || chars[i].is_ascii_digit()) {
                word.push(chars[i]);
                i += 1;
            }
        } else {
            // Lower-case letters and digits continue the word (`Ec2`, `Ipv6`, `2fa`).
            word.push(c);
            i += 1;
        }
    }
    if !word.is_empty() {
        out.push(word);
    }
}

/// `snake_case`.
#[must_use]
pub fn snake(name: &str) -> String {
    words(name).join("_")
}

/// `camelCase`.
#[must_use]
pub fn camel(name: &str) -> String {
    let mut out = String::new();
    for (i, word) in words(name).iter().enumerate() {
        if i == 0 {
            out.push_str(word);
        } else {
            push_capitalised(&mut out, word);
        }
    }
    out
}

/// `PascalCase`.
#[must_use]
pub fn pascal(name: &str) -> String {
    let mut out = String::new();
    for word in words(name) {
        push_capitalised(&mut out, &word);
    }
    out
}

/// `SCREAMING_SNAKE`-free Pascal form of an enum value: `PAY_PER_REQUEST` → `PayPerRequest`,
/// `python3.13` → `Python313`, `t2.micro` → `T2Micro`. Empty when the value has no letters or
/// digits.
#[must_use]
pub fn pascal_value(value: &str) -> String {
    let mut out = String::new();
    for chunk in value.split(|c: char| !c.is_ascii_alphanumeric()).filter(|c| !c.is_empty()) {
        // An all-upper chunk (`PAY`) is one word; a mixed chunk keeps its inner capitals.
        if chunk.chars().all(|c| !c.is_ascii_lowercase()) {
            push_capitalised(&mut out, &chunk.to_ascii_lowercase());
        } else {
            for word in words(chunk) {
                push_capitalised(&mut out, &word);
            }
        }
    }
    out
}

/// Join a parent type name and a child name (both PascalCase), merging the words they share:
/// `Bucket` + `BucketNamespace` → `BucketNamespace`, `AccessGrantGrantee` + `GranteeType` →
/// `AccessGrantGranteeType`, `Bucket` + `Tags` → `BucketTags`.
#[must_use]
pub fn join_names(parent: &str, child: &str) -> String {
    let parent_words = pascal_words(parent);
    let child_words = pascal_words(child);
    let longest = parent_words.len().min(child_words.len());
    for overlap in (1..=longest).rev() {
        if parent_words[parent_words.len() - overlap..] == child_words[..overlap] {
            let rest: String = child_words[overlap..].concat();
            return format!("{parent}{rest}");
        }
    }
    format!("{parent}{child}")
}

/// The words of a PascalCase name (`AccessGrantGrantee` → `Access`, `Grant`, `Grantee`).
fn pascal_words(name: &str) -> Vec<&str> {
    let mut words = Vec::new();
    let mut start = 0;
    for (i, c) in name.char_indices().skip(1) {
        if c.is_ascii_uppercase() {
            words.push(&name[start..i]);
            start = i;
        }
    }
    if start < name.len() {
        words.push(&name[start..]);
    }
    words
}

fn push_capitalised(out: &mut String, word: &str) {
    let mut chars = word.chars();
    if let Some(first) = chars.next() {
        out.push(first.to_ascii_uppercase());
        out.extend(chars);
    }
}

/// Rust keywords (strict and reserved, 2024 edition).
pub const RUST_KEYWORDS: &[&str] = &[
    "as", "async", "await", "break", "const", "continue", "crate", "dyn", "else", "enum", "extern", "false", "fn",
    "for", "gen", "if", "impl", "in", "let", "loop", "match", "mod", "move", "mut", "pub", "ref", "return", "self",
    "Self", "static", "struct", "super", "trait", "true", "type", "unsafe", "use", "where", "while", "abstract",
    "become", "box", "do", "final", "macro", "override", "priv", "typeof", "unsized", "virtual", "yield", "try",
];

/// Python keywords and soft keywords that cannot be used as identifiers, plus the names the
/// generated code itself needs.
pub const PYTHON_KEYWORDS: &[&str] = &[
    "False", "None", "True", "and", "as", "assert", "async", "await", "break", "class", "continue", "def", "del",
    "elif", "else", "except", "finally", "for", "from", "global", "if", "import", "in", "is", "lambda", "nonlocal",
    "not", "or", "pass", "raise", "return", "try", "while", "with", "yield",
];

/// JavaScript reserved words (including strict-mode and TypeScript type names that cannot be
/// declared), for identifiers that are bindings (module and type names).
pub const TS_RESERVED: &[&str] = &[
    "break", "case", "catch", "class", "const", "continue", "debugger", "default", "delete", "do", "else", "enum",
    "export", "extends", "false", "finally", "for", "function", "if", "import", "in", "instanceof", "new", "null",
    "return", "super", "switch", "this", "throw", "true", "try", "typeof", "var", "void", "while", "with", "as",
    "implements", "interface", "let", "package", "private", "protected", "public", "static", "yield", "any",
    "boolean", "number", "string", "symbol", "never", "unknown", "object", "undefined", "await", "arguments", "eval",
];

/// A Rust identifier for a snake-case name: keywords become raw identifiers (`r#type`), the few
/// that cannot be raw get a trailing underscore, and a leading digit gets a leading underscore.
#[must_use]
pub fn rust_ident(name: &str) -> String {
    let name = leading_digit(name);
    match name.as_str() {
        "self" | "Self" | "super" | "crate" | "_" => format!("{name}_"),
        other if RUST_KEYWORDS.contains(&other) => format!("r#{other}"),
        _ => name,
    }
}

/// A Python identifier: keywords get a trailing underscore (`lambda` → `lambda_`).
#[must_use]
pub fn python_ident(name: &str) -> String {
    let name = leading_digit(name);
    if PYTHON_KEYWORDS.contains(&name.as_str()) { format!("{name}_") } else { name }
}

/// A TypeScript binding identifier (module alias, type name).
#[must_use]
pub fn ts_ident(name: &str) -> String {
    let name = leading_digit(name);
    if TS_RESERVED.contains(&name.as_str()) { format!("{name}_") } else { name }
}

fn leading_digit(name: &str) -> String {
    if name.starts_with(|c: char| c.is_ascii_digit()) || name.is_empty() { format!("_{name}") } else { name.to_owned() }
}

/// Whether a string can be written as a bare TypeScript/JavaScript property name.
#[must_use]
pub fn is_plain_js_name(name: &str) -> bool {
    let mut chars = name.chars();
    chars.next().is_some_and(|c| c.is_ascii_alphabetic() || c == '_' || c == '$')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '$')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_acronyms_digits_and_plurals() {
        let cases = [
            ("VPCEndpointId", "vpc_endpoint_id"),
            ("IPv6CidrBlock", "ipv6_cidr_block"),
            ("Ipv6CidrBlock", "ipv6_cidr_block"),
            ("S3Bucket", "s3_bucket"),
            ("EC2SecurityGroupId", "ec2_security_group_id"),
            ("Ec2Fleet", "ec2_fleet"),
            ("PublicIPs", "public_ips"),
            ("DBInstanceARNs", "db_instance_arns"),
            ("DBInstanceIdentifier", "db_instance_identifier"),
            ("SSEAlgorithm", "sse_algorithm"),
            ("TTL", "ttl"),
            ("Arn", "arn"),
            ("BucketName", "bucket_name"),
            ("KMSMasterKeyID", "kms_master_key_id"),
            ("WebACL", "web_acl"),
            ("httpTokens", "http_tokens"),
            ("MaxTTL", "max_ttl"),
            ("Type", "type"),
            ("AWSAccountId", "aws_account_id"),
            ("MemoryMiB", "memory_mib"),
            ("AllowedOAuthFlows", "allowed_oauth_flows"),
            ("EnableIoTLoggingParams", "enable_iot_logging_params"),
            ("FSxLustreConfig", "fsx_lustre_config"),
            ("AWSManagedRulesAntiDDoSRuleSet", "aws_managed_rules_anti_ddos_rule_set"),
            ("ETag", "etag"),
            ("IdCApplicationArn", "idc_application_arn"),
            ("IdConfig", "id_config"),
            ("MySQLSettings", "mysql_settings"),
            ("MemoryGiBPerVCpu", "memory_gib_per_v_cpu"),
        ];
        for (input, expected) in cases {
            assert_eq!(snake(input), expected, "{input}");
        }
        assert_eq!(camel("IPv6CidrBlock"), "ipv6CidrBlock");
        assert_eq!(camel("DBInstanceIdentifier"), "dbInstanceIdentifier");
        assert_eq!(pascal("VPC"), "Vpc");
        assert_eq!(pascal("WebACL"), "WebAcl");
        assert_eq!(pascal("DBInstance"), "DbInstance");
        assert_eq!(join_names("Bucket", "BucketNamespace"), "BucketNamespace");
        assert_eq!(join_names("AccessGrantGrantee", "GranteeType"), "AccessGrantGranteeType");
        assert_eq!(join_names("Bucket", "Tags"), "BucketTags");
        assert_eq!(join_names("WebAcl", "WebAclRule"), "WebAclRule");
    }

    #[test]
    fn enum_values_and_keywords() {
        assert_eq!(pascal_value("PAY_PER_REQUEST"), "PayPerRequest");
        assert_eq!(pascal_value("python3.13"), "Python313");
        assert_eq!(pascal_value("t2.micro"), "T2Micro");
        assert_eq!(pascal_value("AES256"), "Aes256");
        assert_eq!(pascal_value("aws:kms"), "AwsKms");
        assert_eq!(pascal_value("*"), "");
        assert_eq!(rust_ident("type"), "r#type");
        assert_eq!(rust_ident("self"), "self_");
        assert_eq!(rust_ident("3d"), "_3d");
        assert_eq!(python_ident("lambda"), "lambda_");
        assert_eq!(python_ident("from"), "from_");
        assert_eq!(python_ident("type"), "type");
        assert_eq!(ts_ident("default"), "default_");
        assert!(is_plain_js_name("bucketName") && !is_plain_js_name("a-b"));
    }
}
