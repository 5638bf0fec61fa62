//! Secrets encryption: XChaCha20-Poly1305 with a 256-bit key that comes either from a passphrase
//! through Argon2id (salt, parameters and a verifier recorded in the stack file) or from a random
//! per-stack key file (`.engine/keys/<stack>.key`, local-cloud stacks).
//!
//! Ciphertexts are `v1:` followed by standard base64 of `nonce (24 bytes) || ciphertext || tag`.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, OnceLock};

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use chacha20poly1305::aead::{Aead, KeyInit};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use serde_json::Value;
use sha2::{Digest, Sha256};
use zeroize::Zeroizing;

use crate::error::{ConfigError, Result};
use crate::fsutil;

/// The prefix of every ciphertext this version writes.
pub const CIPHERTEXT_PREFIX: &str = "v1:";
/// Environment variable holding a stack's passphrase.
pub const PASSPHRASE_ENV: &str = "ENGINE_PASSPHRASE";
/// Environment variable naming a file whose content (one trailing newline removed) is the passphrase.
pub const PASSPHRASE_FILE_ENV: &str = "ENGINE_PASSPHRASE_FILE";

const NONCE_LEN: usize = 24;
const KEY_LEN: usize = 32;
const VERIFIER_PLAINTEXT: &[u8] = b"engine passphrase verifier v1";
const LOCAL_KEY_HEADER: &str = "engine-local-key v1";

pub(crate) type Key = Zeroizing<[u8; KEY_LEN]>;

/// Argon2id cost parameters, recorded in the stack file beside the salt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct KdfParams {
    /// Memory in KiB.
    pub memory_kib: u32,
    pub iterations: u32,
    pub parallelism: u32,
}

impl KdfParams {
    /// The defaults written by `stack init`: 64 MiB, 3 passes, 1 lane (RFC 9106's memory-constrained
    /// choice with one lane; about 0.3 s once per process).
    pub const DEFAULT: Self = Self { memory_kib: 64 * 1024, iterations: 3, parallelism: 1 };
}

impl Default for KdfParams {
    fn default() -> Self {
        Self::DEFAULT
    }
}

/// The `[encryption]` table of a passphrase stack.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PassphraseSettings {
    pub salt: Vec<u8>,
    pub params: KdfParams,
    /// A ciphertext of a fixed text: decrypting it proves the passphrase is right.
    pub verifier: String,
}

/// What a passphrase prompt is for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PassphrasePrompt {
    pub stack: String,
    /// A new passphrase is being chosen: the prompt should ask twice and compare.
    pub new: bool,
}

/// A function that asks the user for a passphrase (the CLI supplies one when on a terminal).
pub type PromptFn = dyn Fn(&PassphrasePrompt) -> std::result::Result<String, String> + Send + Sync;

/// Where a stack's passphrase comes from, tried in this order: a passphrase given in code, then
/// `ENGINE_PASSPHRASE`, then `ENGINE_PASSPHRASE_FILE` (both only when reading the environment is
/// enabled, the default), then the prompt. Nothing is asked until a key is first needed.
#[derive(Clone)]
pub struct PassphraseSource {
    given: Option<Arc<Zeroizing<String>>>,
    use_env: bool,
    prompt: Option<Arc<PromptFn>>,
}

impl Default for PassphraseSource {
    fn default() -> Self {
        Self::from_env()
    }
}

impl std::fmt::Debug for PassphraseSource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PassphraseSource")
            .field("given", &self.given.as_ref().map(|_| "[secret]"))
            .field("use_env", &self.use_env)
            .field("prompt", &self.prompt.is_some())
            .finish()
    }
}

impl PassphraseSource {
    /// Read `ENGINE_PASSPHRASE` / `ENGINE_PASSPHRASE_FILE`.
    #[must_use]
    pub fn from_env() -> Self {
        Self { given: None, use_env: true, prompt: None }
    }

    /// Use this passphrase (the environment is not read).
    #[must_use]
    pub fn given(passphrase: impl Into<String>) -> Self {
        Self { given: Some(Arc::new(Zeroizing::new(passphrase.into()))), use_env: false, prompt: None }
    }

    /// No passphrase at all: any need for one fails with [`ConfigError::PassphraseMissing`].
    #[must_use]
    pub fn none() -> Self {
        Self { given: None, use_env: false, prompt: None }
    }

    /// Ask with `prompt` when nothing else supplied a passphrase.
    #[must_use]
    pub fn with_prompt(mut self, prompt: Arc<PromptFn>) -> Self {
        self.prompt = Some(prompt);
        self
    }

    fn resolve(&self, stack: &str, new: bool) -> Result<Zeroizing<String>> {
        let passphrase = if let Some(given) = &self.given {
            Zeroizing::new(given.as_str().to_owned())
        } else if let Some(value) = self.use_env.then(|| std::env::var(PASSPHRASE_ENV).ok()).flatten() {
            Zeroizing::new(value)
        } else if let Some(path) = self.use_env.then(|| std::env::var_os(PASSPHRASE_FILE_ENV)).flatten() {
            let mut text = Zeroizing::new(fsutil::read_to_string(Path::new(&path))?);
            if text.ends_with('\n') {
                text.pop();
                if text.ends_with('\r') {
                    text.pop();
                }
            }
            text
        } else if let Some(prompt) = &self.prompt {
            let request = PassphrasePrompt { stack: stack.to_owned(), new };
            Zeroizing::new(
                prompt(&request).map_err(|message| ConfigError::Prompt { stack: stack.to_owned(), message })?,
            )
        } else {
            return Err(ConfigError::PassphraseMissing { stack: stack.to_owned() });
        };
        if passphrase.is_empty() {
            return Err(ConfigError::PassphraseEmpty { stack: stack.to_owned() });
        }
        Ok(passphrase)
    }
}

/// Encrypts and decrypts individual secret values for one stack (config values, state values).
///
/// Cheap to clone and shareable across threads. The key is obtained lazily, on the first
/// encrypt/decrypt (or [`Crypter::ensure`]): only then is a passphrase asked for or a local key
/// file created, and Argon2id runs at most once per process for a given passphrase and salt.
#[derive(Clone)]
pub struct Crypter {
    inner: Arc<CrypterInner>,
}

struct CrypterInner {
    label: String,
    cipher: OnceLock<XChaCha20Poly1305>,
    init: Mutex<Init>,
}

enum Init {
    Pending(Box<dyn FnOnce() -> Result<Key> + Send>),
    Failed(String),
    Done,
}

impl std::fmt::Debug for Crypter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Crypter").field("key", &self.inner.label).finish_non_exhaustive()
    }
}

impl Crypter {
    /// A crypter over a known 256-bit key (tests, tools). `label` names the key in errors.
    #[must_use]
    pub fn from_key(key: [u8; KEY_LEN], label: impl Into<String>) -> Self {
        let key = Zeroizing::new(key);
        Self::lazy(label.into(), Box::new(move || Ok(key)))
    }

    /// A crypter whose key comes from the stack's passphrase, checked against `settings`.
    #[must_use]
    pub fn from_passphrase(
        stack: &str,
        stack_file: &Path,
        settings: PassphraseSettings,
        source: PassphraseSource,
    ) -> Self {
        let stack = stack.to_owned();
        let file = stack_file.to_path_buf();
        Self::lazy(
            format!("the passphrase of stack `{stack}`"),
            Box::new(move || {
                let passphrase = source.resolve(&stack, false)?;
                let key = derive_key_cached(&passphrase, &settings.salt, settings.params)?;
                if decrypt_with(&cipher_for(&key), &settings.verifier).is_err() {
                    return Err(ConfigError::WrongPassphrase { stack, file });
                }
                Ok(key)
            }),
        )
    }

    /// A crypter over the stack's local key file, created (mode 0600) on first need.
    #[must_use]
    pub fn from_local_key(key_file: &Path) -> Self {
        let path = key_file.to_path_buf();
        Self::lazy(
            format!("the local key {}", key_file.display()),
            Box::new(move || load_or_create_local_key(&path)),
        )
    }

    pub(crate) fn lazy(label: String, init: Box<dyn FnOnce() -> Result<Key> + Send>) -> Self {
        Self {
            inner: Arc::new(CrypterInner { label, cipher: OnceLock::new(), init: Mutex::new(Init::Pending(init)) }),
        }
    }

    /// Run the key source now and hand back the key (for a crypter nobody else holds yet).
    pub(crate) fn take_key(self) -> Result<Key> {
        let mut init = self.inner.init.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        match std::mem::replace(&mut *init, Init::Done) {
            Init::Pending(derive) => derive(),
            Init::Failed(message) => Err(ConfigError::KeyUnavailable(message)),
            Init::Done => Err(ConfigError::Crypto("key already taken".to_owned())),
        }
    }

    /// What the key is, for messages (`the passphrase of stack `dev``, `the local key ...`).
    #[must_use]
    pub fn label(&self) -> &str {
        &self.inner.label
    }

    /// Obtain the key now (ask for the passphrase, check it, create the local key), so a prompt
    /// or a wrong-passphrase error happens before any work starts.
    ///
    /// # Errors
    /// The key source's error: [`ConfigError::PassphraseMissing`], [`ConfigError::WrongPassphrase`],
    /// [`ConfigError::LocalKey`], ...; later calls repeat it as [`ConfigError::KeyUnavailable`].
    pub fn ensure(&self) -> Result<()> {
        self.cipher().map(|_| ())
    }

    fn cipher(&self) -> Result<&XChaCha20Poly1305> {
        if let Some(cipher) = self.inner.cipher.get() {
            return Ok(cipher);
        }
        let mut init = self.inner.init.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        if let Some(cipher) = self.inner.cipher.get() {
            return Ok(cipher);
        }
        match std::mem::replace(&mut *init, Init::Done) {
            Init::Pending(derive) => match derive() {
                Ok(key) => {
                    let _ = self.inner.cipher.set(cipher_for(&key));
                    self.inner.cipher.get().ok_or_else(|| ConfigError::Crypto("key not initialised".to_owned()))
                }
                Err(error) => {
                    *init = Init::Failed(error.to_string());
                    Err(error)
                }
            },
            Init::Failed(message) => {
                *init = Init::Failed(message.clone());
                Err(ConfigError::KeyUnavailable(message))
            }
            Init::Done => Err(ConfigError::Crypto("key initialisation was interrupted".to_owned())),
        }
    }

    /// Encrypt bytes to a `v1:` ciphertext (a fresh random nonce each time).
    ///
    /// # Errors
    /// The key is unavailable, or the system random source failed.
    pub fn encrypt(&self, plaintext: &[u8]) -> Result<String> {
        encrypt_with(self.cipher()?, plaintext)
    }

    /// Decrypt a `v1:` ciphertext.
    ///
    /// # Errors
    /// [`ConfigError::Decrypt`] when it was made with another key or is damaged.
    pub fn decrypt(&self, ciphertext: &str) -> Result<Zeroizing<Vec<u8>>> {
        decrypt_with(self.cipher()?, ciphertext)
            .map(Zeroizing::new)
            .map_err(|message| ConfigError::Decrypt { key: self.inner.label.clone(), message })
    }

    /// Encrypt a JSON value (its JSON text).
    ///
    /// # Errors
    /// As [`Crypter::encrypt`].
    pub fn encrypt_value(&self, value: &Value) -> Result<String> {
        let text = Zeroizing::new(serde_json::to_vec(value).map_err(|e| ConfigError::Crypto(e.to_string()))?);
        self.encrypt(&text)
    }

    /// Decrypt a ciphertext made by [`Crypter::encrypt_value`].
    ///
    /// # Errors
    /// As [`Crypter::decrypt`], or the plaintext is not JSON.
    pub fn decrypt_value(&self, ciphertext: &str) -> Result<Value> {
        let plaintext = self.decrypt(ciphertext)?;
        serde_json::from_slice(&plaintext).map_err(|e| ConfigError::Decrypt {
            key: self.inner.label.clone(),
            message: format!("the decrypted value is not JSON: {e}"),
        })
    }
}

/// Whether a string has the shape of a ciphertext this crate writes.
#[must_use]
pub fn is_ciphertext(text: &str) -> bool {
    text.strip_prefix(CIPHERTEXT_PREFIX)
        .and_then(|body| BASE64.decode(body).ok())
        .is_some_and(|bytes| bytes.len() >= NONCE_LEN + 16)
}

/// Create fresh passphrase settings (random salt, default parameters, verifier) for a passphrase.
///
/// # Errors
/// The passphrase could not be obtained, or the random source failed.
pub fn new_passphrase_settings(stack: &str, source: &PassphraseSource, params: KdfParams) -> Result<PassphraseSettings> {
    let passphrase = source.resolve(stack, true)?;
    let mut salt = vec![0u8; 16];
    getrandom::fill(&mut salt).map_err(|e| ConfigError::Crypto(format!("random source: {e}")))?;
    let key = derive_key_cached(&passphrase, &salt, params)?;
    let verifier = encrypt_with(&cipher_for(&key), VERIFIER_PLAINTEXT)?;
    Ok(PassphraseSettings { salt, params, verifier })
}

fn cipher_for(key: &Key) -> XChaCha20Poly1305 {
    XChaCha20Poly1305::new(&(**key).into())
}

fn encrypt_with(cipher: &XChaCha20Poly1305, plaintext: &[u8]) -> Result<String> {
    let mut nonce = [0u8; NONCE_LEN];
    getrandom::fill(&mut nonce).map_err(|e| ConfigError::Crypto(format!("random source: {e}")))?;
    let sealed = cipher
        .encrypt(&XNonce::from(nonce), plaintext)
        .map_err(|_| ConfigError::Crypto("the plaintext is too long".to_owned()))?;
    let mut bytes = Vec::with_capacity(NONCE_LEN + sealed.len());
    bytes.extend_from_slice(&nonce);
    bytes.extend_from_slice(&sealed);
    Ok(format!("{CIPHERTEXT_PREFIX}{}", BASE64.encode(bytes)))
}

fn decrypt_with(cipher: &XChaCha20Poly1305, ciphertext: &str) -> std::result::Result<Vec<u8>, String> {
    let body = ciphertext.strip_prefix(CIPHERTEXT_PREFIX).ok_or_else(|| {
        format!("`{}` is not an engine v1 ciphertext", ciphertext.chars().take(12).collect::<String>())
    })?;
    let bytes = BASE64.decode(body).map_err(|e| format!("the ciphertext is not base64 ({e})"))?;
    if bytes.len() < NONCE_LEN + 16 {
        return Err("the ciphertext is truncated".to_owned());
    }
    let (nonce, sealed) = bytes.split_at(NONCE_LEN);
    let nonce: [u8; NONCE_LEN] = nonce.try_into().map_err(|_| "bad nonce".to_owned())?;
    cipher
        .decrypt(&XNonce::from(nonce), sealed)
        .map_err(|_| "authentication failed (another key made it, or it was altered)".to_owned())
}

/// Argon2id, cached per process by (passphrase, salt, parameters): the KDF runs once.
fn derive_key_cached(passphrase: &str, salt: &[u8], params: KdfParams) -> Result<Key> {
    static CACHE: OnceLock<Mutex<HashMap<[u8; 32], Key>>> = OnceLock::new();
    let mut hasher = Sha256::new();
    hasher.update(b"engine-kdf-cache\0");
    hasher.update(params.memory_kib.to_le_bytes());
    hasher.update(params.iterations.to_le_bytes());
    hasher.update(params.parallelism.to_le_bytes());
    hasher.update((salt.len() as u64).to_le_bytes());
    hasher.update(salt);
    hasher.update(passphrase.as_bytes());
    let id: [u8; 32] = hasher.finalize().into();
    let cache = CACHE.get_or_init(|| Mutex::new(HashMap::new()));
    if let Some(key) = cache.lock().unwrap_or_else(std::sync::PoisonError::into_inner).get(&id) {
        return Ok(key.clone());
    }
    let argon_params = argon2::Params::new(params.memory_kib, params.iterations, params.parallelism, Some(KEY_LEN))
        .map_err(|e| ConfigError::Crypto(format!("invalid Argon2id parameters: {e}")))?;
    let argon = argon2::Argon2::new(argon2::Algorithm::Argon2id, argon2::Version::V0x13, argon_params);
    let mut key = Zeroizing::new([0u8; KEY_LEN]);
    argon
        .hash_password_into(passphrase.as_bytes(), salt, key.as_mut())
        .map_err(|e| ConfigError::Crypto(format!("Argon2id: {e}")))?;
    cache.lock().unwrap_or_else(std::sync::PoisonError::into_inner).insert(id, key.clone());
    Ok(key)
}

/// Read the local key file, or create it (mode 0600, folder 0700) if it does not exist.
fn load_or_create_local_key(path: &Path) -> Result<Key> {
    if !path.exists() {
        let dir = path.parent().map_or_else(|| PathBuf::from("."), Path::to_path_buf);
        if let Some(engine_dir) = dir.parent() {
            fsutil::ensure_engine_dir(engine_dir)?;
        }
        std::fs::create_dir_all(&dir).map_err(|source| ConfigError::io(&dir, source))?;
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o700))
                .map_err(|source| ConfigError::io(&dir, source))?;
        }
        let mut key = Zeroizing::new([0u8; KEY_LEN]);
        getrandom::fill(key.as_mut()).map_err(|e| ConfigError::Crypto(format!("random source: {e}")))?;
        let text = Zeroizing::new(format!("{LOCAL_KEY_HEADER}\n{}\n", BASE64.encode(key.as_ref())));
        // If another process created it first, its key wins and is read below.
        fsutil::write_if_absent(path, text.as_bytes(), Some(0o600))?;
    }
    let text = Zeroizing::new(fsutil::read_to_string(path)?);
    let bad = |message: &str| ConfigError::LocalKey { path: path.to_path_buf(), message: message.to_owned() };
    let mut lines = text.lines();
    if lines.next() != Some(LOCAL_KEY_HEADER) {
        return Err(bad("not an engine key file (first line should be `engine-local-key v1`)"));
    }
    let bytes = Zeroizing::new(
        BASE64.decode(lines.next().unwrap_or("").trim()).map_err(|_| bad("the key is not valid base64"))?,
    );
    let array: [u8; KEY_LEN] = bytes.as_slice().try_into().map_err(|_| bad("the key is not 32 bytes"))?;
    Ok(Zeroizing::new(array))
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    /// Cheap parameters so tests stay fast; the defaults are exercised by one test only.
    pub(crate) const TEST_PARAMS: KdfParams = KdfParams { memory_kib: 64, iterations: 1, parallelism: 1 };

    #[test]
    fn values_round_trip_and_ciphertexts_differ() {
        let crypter = Crypter::from_key([7; 32], "test key");
        let value = json!({"password": "hunter2", "n": 3});
        let first = crypter.encrypt_value(&value).unwrap();
        let second = crypter.encrypt_value(&value).unwrap();
        assert_ne!(first, second, "nonces must be random");
        assert!(first.starts_with("v1:") && is_ciphertext(&first));
        assert!(!first.contains("hunter2"));
        assert_eq!(crypter.decrypt_value(&first).unwrap(), value);
    }

    #[test]
    fn another_key_or_a_flipped_bit_is_refused() {
        let a = Crypter::from_key([1; 32], "key a");
        let b = Crypter::from_key([2; 32], "key b");
        let ciphertext = a.encrypt(b"x").unwrap();
        let error = b.decrypt(&ciphertext).unwrap_err();
        assert!(matches!(error, ConfigError::Decrypt { .. }), "{error}");
        assert!(error.to_string().contains("key b"));
        let mut bytes = BASE64.decode(&ciphertext[3..]).unwrap();
        let last = bytes.len() - 1;
        bytes[last] ^= 1;
        let tampered = format!("v1:{}", BASE64.encode(bytes));
        assert!(a.decrypt(&tampered).is_err());
        assert!(a.decrypt("v2:abc").is_err());
        assert!(a.decrypt("v1:!!").is_err());
    }

    #[test]
    fn wrong_passphrase_is_a_clear_error_and_the_right_one_works() {
        let settings = new_passphrase_settings("prod", &PassphraseSource::given("correct horse"), TEST_PARAMS).unwrap();
        let file = Path::new("Engine.prod.toml");
        let right = Crypter::from_passphrase("prod", file, settings.clone(), PassphraseSource::given("correct horse"));
        let ciphertext = right.encrypt_value(&json!("s3cr3t")).unwrap();
        let wrong = Crypter::from_passphrase("prod", file, settings.clone(), PassphraseSource::given("wrong"));
        let error = wrong.decrypt_value(&ciphertext).unwrap_err();
        assert!(matches!(error, ConfigError::WrongPassphrase { .. }), "{error}");
        assert!(error.to_string().contains("incorrect passphrase for stack `prod`"));
        // The failure is remembered, not retried (no second prompt).
        assert!(matches!(wrong.ensure().unwrap_err(), ConfigError::KeyUnavailable(_)));
        let again = Crypter::from_passphrase("prod", file, settings, PassphraseSource::given("correct horse"));
        assert_eq!(again.decrypt_value(&ciphertext).unwrap(), json!("s3cr3t"));
        let missing = Crypter::from_passphrase(
            "prod",
            file,
            new_passphrase_settings("prod", &PassphraseSource::given("p"), TEST_PARAMS).unwrap(),
            PassphraseSource::none(),
        );
        assert!(matches!(missing.ensure().unwrap_err(), ConfigError::PassphraseMissing { .. }));
        assert!(matches!(
            new_passphrase_settings("prod", &PassphraseSource::given(""), TEST_PARAMS).unwrap_err(),
            ConfigError::PassphraseEmpty { .. }
        ));
    }

    #[test]
    fn the_prompt_is_used_only_when_needed_and_once() {
        let calls = Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let counter = calls.clone();
        let source = PassphraseSource::none().with_prompt(Arc::new(move |prompt: &PassphrasePrompt| {
            counter.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            assert_eq!(prompt.stack, "prod");
            Ok("typed".to_owned())
        }));
        let settings = new_passphrase_settings("prod", &PassphraseSource::given("typed"), TEST_PARAMS).unwrap();
        let crypter = Crypter::from_passphrase("prod", Path::new("f"), settings, source);
        assert_eq!(calls.load(std::sync::atomic::Ordering::SeqCst), 0);
        let c = crypter.encrypt(b"a").unwrap();
        crypter.decrypt(&c).unwrap();
        crypter.clone().encrypt(b"b").unwrap();
        assert_eq!(calls.load(std::sync::atomic::Ordering::SeqCst), 1);
    }

    #[test]
    fn default_kdf_parameters_derive_a_working_key() {
        let start = std::time::Instant::now();
        let settings = new_passphrase_settings("s", &PassphraseSource::given("pw"), KdfParams::DEFAULT).unwrap();
        let crypter = Crypter::from_passphrase("s", Path::new("f"), settings, PassphraseSource::given("pw"));
        crypter.ensure().unwrap();
        // Informational: the cost of one derivation with the default parameters (cached afterwards).
        eprintln!("argon2id default derivation (x1, cached second time): {:?}", start.elapsed());
    }

    #[test]
    fn local_key_is_created_private_and_reused() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(".engine/keys/dev.key");
        let first = Crypter::from_local_key(&path);
        let ciphertext = first.encrypt_value(&json!(42)).unwrap();
        assert!(path.exists());
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            assert_eq!(std::fs::metadata(&path).unwrap().permissions().mode() & 0o777, 0o600);
        }
        assert!(dir.path().join(".engine/.gitignore").exists());
        let second = Crypter::from_local_key(&path);
        assert_eq!(second.decrypt_value(&ciphertext).unwrap(), json!(42));
        std::fs::write(&path, "garbage").unwrap();
        let broken = Crypter::from_local_key(&path);
        assert!(matches!(broken.ensure().unwrap_err(), ConfigError::LocalKey { .. }));
    }
}
