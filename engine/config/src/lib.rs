//! `engine-config`: the project file, stack files, typed config values and secrets.
//!
//! # Files
//!
//! ```toml
//! # Engine.toml (the program folder; found from any folder below it with Project::find)
//! name = "events"               # letters, digits, - _ .
//! runtime = "python"            # rust | python | node
//! main = "app"                  # optional entry point, relative to the folder
//! description = "Events API"    # optional
//!
//! # Engine.dev.toml (one per stack, committed)
//! cloud = "local"               # local | aws            (default local)
//! region = "eu-west-1"          # default us-east-1 on local; required on aws
//! secrets = "local-key"         # local-key | passphrase (default: local-key on local, passphrase on aws)
//! [config]
//! logRetentionDays = 14                      # bare key = this project's namespace (events:logRetentionDays)
//! "aws:profile" = "dev"                      # other namespaces written in full
//! apiToken = { secure = "v1:..." }           # a secret: ciphertext of the value's JSON text
//! [encryption]                               # passphrase stacks only, written by `stack init`
//! kdf = "argon2id"
//! salt = "base64..."
//! memory-kib = 65536
//! iterations = 3
//! parallelism = 1
//! verifier = "v1:..."                        # proves a passphrase right or wrong
//! ```
//!
//! Errors in these files are reported as `path:line:column: message`; unknown keys are refused
//! (typos are caught). The project's `.engine/` folder (never committed; it gets a `.gitignore`
//! of `*`) holds `current-stack` (the selection) and `keys/<stack>.key` (local keys, mode 0600),
//! beside the state (`engine-state`) and the local cloud's data.
//!
//! # Config values
//!
//! Values are JSON-typed and stored as TOML. `engine config set KEY VALUE` reads VALUE with
//! [`parse_value`] and [`ValueKind::Auto`] unless `--type` says otherwise: `true`/`false` become
//! booleans, a number that reads back exactly as typed (`14`, `-3`, `0.5`) becomes a number,
//! `[...]`/`{...}` must be JSON, and everything else (`007`, `1.10`, `eu-west-1`) stays a string.
//! `--type string|number|bool|json` forces a kind ([`ValueKind::from_flag`]). SDK getters should
//! accept a number stored as a string and vice versa where unambiguous.
//!
//! The program receives [`ProgramConfig`]: `ENGINE_CONFIG` maps every **full** key
//! (`events:logRetentionDays`) to its JSON value, secrets decrypted; `ENGINE_CONFIG_SECRET_KEYS`
//! lists the full keys that are secret.
//!
//! # Secrets
//!
//! [`Crypter`] encrypts single values with XChaCha20-Poly1305 (random 192-bit nonces;
//! ciphertexts are `v1:<base64(nonce || ciphertext || tag)>`). Its key comes from
//! - `secrets = "passphrase"`: Argon2id over the passphrase with the salt and parameters of
//!   `[encryption]`; the verifier turns a wrong passphrase into [`ConfigError::WrongPassphrase`].
//!   The passphrase comes from a [`PassphraseSource`]: given in code, else `ENGINE_PASSPHRASE`,
//!   else `ENGINE_PASSPHRASE_FILE`, else a prompt callback (the CLI supplies one on a terminal).
//! - `secrets = "local-key"` (local-cloud stacks): 32 random bytes in `.engine/keys/<stack>.key`,
//!   created on first need; committed `dev` stacks need no passphrase.
//!
//! A crypter is lazy and cheap to clone: nothing is asked or derived until the first
//! encrypt/decrypt (or [`Crypter::ensure`], to fail early), and the KDF runs once per process.
//! `engine-state` uses the same crypter for secret values in state.
//!
//! Display helpers: [`mask_value`] (every secret becomes `[secret]`) and [`Masker`] (replace
//! secret plaintexts in free text such as program output).
//!
//! # Typical use (CLI)
//!
//! ```no_run
//! # fn main() -> Result<(), engine_config::ConfigError> {
//! use engine_config::{Project, PassphraseSource, parse_value, ValueKind};
//! let project = Project::find(std::path::Path::new("."))?;
//! let name = project.resolve_stack(None)?;             // --stack, else selected, else the only one
//! let mut stack = project.load_stack(&name)?;
//! let crypter = stack.crypter(&PassphraseSource::from_env());
//! let value = parse_value("apiToken", "s3cr3t", ValueKind::Auto)?;
//! stack.set_secret_config("apiToken", &value, &crypter)?;
//! stack.save()?;
//! let env = stack.program_config(&crypter)?.env();    // ENGINE_CONFIG, ENGINE_CONFIG_SECRET_KEYS
//! # let _ = env; Ok(()) }
//! ```

mod error;
mod fsutil;
mod mask;
mod project;
mod secrets;
mod stack;
mod tomlfile;
mod value;

pub use error::{ConfigError, Result};
pub use fsutil::{ensure_engine_dir, write_atomic, write_if_absent};
pub use mask::{MASK, Masker, mask_value};
pub use project::{CURRENT_STACK_FILE, ENGINE_DIR, PROJECT_FILE, PackageDependency, Project, Runtime};
pub use secrets::{
    CIPHERTEXT_PREFIX, Crypter, KdfParams, PASSPHRASE_ENV, PASSPHRASE_FILE_ENV, PassphrasePrompt, PassphraseSettings,
    PassphraseSource, PromptFn, is_ciphertext, new_passphrase_settings,
};
pub use stack::{
    Cloud, ConfigEntry, ConfigValue, DEFAULT_LOCAL_REGION, ProgramConfig, SecretsProvider, Stack, StackInit, StoredValue,
};
pub use value::{ConfigKey, ValueKind, parse_value};
