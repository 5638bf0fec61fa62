//! The project file `Engine.toml` and the project-level stack operations (list, select, init,
//! remove).

use std::fmt;
use std::path::{Path, PathBuf};

use crate::error::{ConfigError, Result};
use crate::fsutil;
use crate::secrets::{KdfParams, PassphraseSource, new_passphrase_settings};
use crate::stack::{Cloud, SecretsProvider, Stack, StackInit, validate_stack_name};
use crate::tomlfile::TomlFile;

/// The project file's name.
pub const PROJECT_FILE: &str = "Engine.toml";
/// The engine's per-project folder (state, keys, selection, local cloud); never committed.
pub const ENGINE_DIR: &str = ".engine";
/// The file in [`ENGINE_DIR`] holding the selected stack's name.
pub const CURRENT_STACK_FILE: &str = "current-stack";

/// The language a program is written in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Runtime {
    Rust,
    Python,
    Node,
}

impl Runtime {
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Rust => "rust",
            Self::Python => "python",
            Self::Node => "node",
        }
    }

    #[must_use]
    pub fn parse(text: &str) -> Option<Self> {
        Some(match text {
            "rust" => Self::Rust,
            "python" => Self::Python,
            "node" => Self::Node,
            _ => return None,
        })
    }
}

impl fmt::Display for Runtime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A loaded `Engine.toml`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Project {
    pub name: String,
    pub runtime: Runtime,
    /// The entry point relative to the project folder, as written (`None`: the runtime's default).
    pub main: Option<String>,
    pub description: Option<String>,
    /// The folder holding `Engine.toml` (absolute when found with [`Project::find`]).
    pub dir: PathBuf,
    /// Component packages the program uses from another language (`[packages]`), by name.
    pub packages: Vec<PackageDependency>,
}

/// A component package a program depends on (`[packages]` in `Engine.toml`):
/// `platform = { path = "../platform", version = "^0.1.0" }` (or `platform = "../platform"`;
/// `plugin = "/path/to/binary"` runs a prebuilt plugin).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PackageDependency {
    pub name: String,
    /// The package folder, as written (relative to the project folder).
    pub path: String,
    /// The versions accepted (a semver requirement), if recorded.
    pub version: Option<String>,
    /// A plugin executable built beforehand (a CI step, a release, the test harness), run as is
    /// instead of preparing the package from its sources.
    pub plugin: Option<String>,
}

fn parse_packages(toml: &TomlFile<'_>, root: &toml_edit::Table) -> Result<Vec<PackageDependency>> {
    let Some(item) = root.get("packages") else { return Ok(Vec::new()) };
    let Some(table) = item.as_table_like() else {
        return Err(toml.error(item.span(), "`packages` must be a table: [packages] name = { path = \"../name\" }"));
    };
    let mut packages = Vec::new();
    for (name, entry) in table.iter() {
        let invalid = |message: String| toml.error(entry.span(), format!("packages.{name}: {message}"));
        let (path, version, plugin) = if let Some(path) = entry.as_str() {
            (path.to_owned(), None, None)
        } else if let Some(fields) = entry.as_table_like() {
            for (key, _) in fields.iter() {
                if !matches!(key, "path" | "version" | "plugin") {
                    return Err(invalid(format!("unknown key `{key}` (expected path, version, plugin)")));
                }
            }
            let path = fields
                .get("path")
                .and_then(toml_edit::Item::as_str)
                .ok_or_else(|| invalid("missing `path` (the package's folder)".to_owned()))?;
            let text = |key: &str| -> Result<Option<String>> {
                match fields.get(key) {
                    None => Ok(None),
                    Some(v) => Ok(Some(v.as_str().ok_or_else(|| invalid(format!("`{key}` must be a string")))?.to_owned())),
                }
            };
            (path.to_owned(), text("version")?, text("plugin")?)
        } else {
            return Err(invalid("expected { path = \"...\", version = \"...\" } or a path".to_owned()));
        };
        packages.push(PackageDependency { name: name.to_owned(), path, version, plugin });
    }
    Ok(packages)
}

impl Project {
    /// Load `dir/Engine.toml`.
    ///
    /// # Errors
    /// [`ConfigError::Io`] when it cannot be read, [`ConfigError::Invalid`] (with line and column)
    /// when it is not a valid project file.
    pub fn load(dir: &Path) -> Result<Self> {
        let file = dir.join(PROJECT_FILE);
        let text = fsutil::read_to_string(&file)?;
        Self::parse(&text, &file)
    }

    /// Find the project containing `start`: `start/Engine.toml`, else the nearest one above it.
    ///
    /// # Errors
    /// [`ConfigError::ProjectNotFound`], or the errors of [`Project::load`].
    pub fn find(start: &Path) -> Result<Self> {
        let start = std::path::absolute(start).map_err(|source| ConfigError::io(start, source))?;
        let mut dir = Some(start.as_path());
        while let Some(candidate) = dir {
            if candidate.join(PROJECT_FILE).is_file() {
                return Self::load(candidate);
            }
            dir = candidate.parent();
        }
        Err(ConfigError::ProjectNotFound { start })
    }

    /// Parse the text of a project file located at `file`.
    ///
    /// # Errors
    /// [`ConfigError::Invalid`].
    pub fn parse(text: &str, file: &Path) -> Result<Self> {
        let toml = TomlFile::parse(file, text)?;
        let root = toml.doc.as_table();
        toml.only_keys(root, &["name", "runtime", "main", "description", "packages"], "Engine.toml")?;
        let name = toml
            .string(root, "name")?
            .ok_or_else(|| toml.error(None, "missing `name` (the project's name, e.g. `name = \"events\"`)"))?;
        if let Err(reason) = validate_project_name(&name) {
            return Err(toml.error(root.get("name").and_then(toml_edit::Item::span), reason));
        }
        let runtime_text = toml
            .string(root, "runtime")?
            .ok_or_else(|| toml.error(None, "missing `runtime` (\"rust\", \"python\" or \"node\")"))?;
        let runtime = Runtime::parse(&runtime_text).ok_or_else(|| {
            toml.error(
                root.get("runtime").and_then(toml_edit::Item::span),
                format!("unknown runtime \"{runtime_text}\" (expected \"rust\", \"python\" or \"node\")"),
            )
        })?;
        let main = toml.string(root, "main")?;
        if main.as_deref() == Some("") {
            return Err(toml.error(root.get("main").and_then(toml_edit::Item::span), "`main` is empty"));
        }
        let packages = parse_packages(&toml, root)?;
        Ok(Self {
            name,
            runtime,
            main,
            description: toml.string(root, "description")?,
            dir: file.parent().map_or_else(|| PathBuf::from("."), Path::to_path_buf),
            packages,
        })
    }

    /// The dependency on the package `name`, if any.
    #[must_use]
    pub fn package(&self, name: &str) -> Option<&PackageDependency> {
        self.packages.iter().find(|p| p.name == name)
    }

    /// Record (or replace) the dependency on a component package in `Engine.toml`, keeping the
    /// rest of the file as written.
    ///
    /// # Errors
    /// The file cannot be read, parsed or written.
    pub fn add_package(&mut self, dependency: PackageDependency) -> Result<()> {
        let file = self.file();
        let text = fsutil::read_to_string(&file)?;
        let mut doc = text.parse::<toml_edit::DocumentMut>().map_err(|e| ConfigError::Invalid {
            file: file.clone(),
            line: 1,
            column: 1,
            message: format!("not valid TOML: {}", e.message().trim_end()),
        })?;
        let packages = doc.entry("packages").or_insert_with(|| toml_edit::Item::Table(toml_edit::Table::new()));
        let Some(table) = packages.as_table_mut() else {
            return Err(ConfigError::Invalid {
                file: file.clone(),
                line: 1,
                column: 1,
                message: "`packages` must be a table".to_owned(),
            });
        };
        let mut entry = toml_edit::InlineTable::new();
        entry.insert("path", dependency.path.as_str().into());
        if let Some(version) = &dependency.version {
            entry.insert("version", version.as_str().into());
        }
        if let Some(plugin) = &dependency.plugin {
            entry.insert("plugin", plugin.as_str().into());
        }
        table.insert(&dependency.name, toml_edit::value(entry));
        fsutil::write_atomic(&file, doc.to_string().as_bytes(), None)?;
        self.packages.retain(|p| p.name != dependency.name);
        self.packages.push(dependency);
        Ok(())
    }

    /// `dir/Engine.toml`.
    #[must_use]
    pub fn file(&self) -> PathBuf {
        self.dir.join(PROJECT_FILE)
    }

    /// `dir/.engine`.
    #[must_use]
    pub fn engine_dir(&self) -> PathBuf {
        self.dir.join(ENGINE_DIR)
    }

    /// The entry point: `dir/main`, or `dir` itself when `main` is not set.
    #[must_use]
    pub fn main_path(&self) -> PathBuf {
        self.main.as_ref().map_or_else(|| self.dir.clone(), |main| self.dir.join(main))
    }

    /// `dir/Engine.<stack>.toml`.
    #[must_use]
    pub fn stack_file(&self, stack: &str) -> PathBuf {
        self.dir.join(format!("Engine.{stack}.toml"))
    }

    /// `dir/.engine/keys/<stack>.key`.
    #[must_use]
    pub fn local_key_file(&self, stack: &str) -> PathBuf {
        self.engine_dir().join("keys").join(format!("{stack}.key"))
    }

    /// The stacks of this project (one `Engine.<stack>.toml` each), sorted.
    ///
    /// # Errors
    /// [`ConfigError::Io`] when the folder cannot be read.
    pub fn stack_names(&self) -> Result<Vec<String>> {
        let entries = std::fs::read_dir(&self.dir).map_err(|source| ConfigError::io(&self.dir, source))?;
        let mut names = Vec::new();
        for entry in entries {
            let entry = entry.map_err(|source| ConfigError::io(&self.dir, source))?;
            let file_name = entry.file_name();
            let Some(file_name) = file_name.to_str() else { continue };
            if let Some(stack) = file_name.strip_prefix("Engine.").and_then(|rest| rest.strip_suffix(".toml"))
                && validate_stack_name(stack).is_ok()
                && entry.path().is_file()
            {
                names.push(stack.to_owned());
            }
        }
        names.sort();
        Ok(names)
    }

    /// The stack selected with `engine stack select` (or the last `stack init`), if any.
    ///
    /// # Errors
    /// [`ConfigError::Io`] when the selection file exists but cannot be read.
    pub fn selected_stack(&self) -> Result<Option<String>> {
        let file = self.engine_dir().join(CURRENT_STACK_FILE);
        match std::fs::read_to_string(&file) {
            Ok(text) => Ok(Some(text.trim().to_owned()).filter(|name| !name.is_empty())),
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(source) => Err(ConfigError::io(file, source)),
        }
    }

    /// Select a stack (it must exist).
    ///
    /// # Errors
    /// [`ConfigError::StackNotFound`], [`ConfigError::Io`].
    pub fn select_stack(&self, name: &str) -> Result<()> {
        self.require_stack(name)?;
        let dir = self.engine_dir();
        fsutil::ensure_engine_dir(&dir)?;
        fsutil::write_atomic(&dir.join(CURRENT_STACK_FILE), format!("{name}\n").as_bytes(), None)
    }

    /// The stack a command works on: `explicit` (`--stack`), else the selected stack, else the only
    /// stack of the project.
    ///
    /// # Errors
    /// [`ConfigError::StackNotFound`] when the named or selected stack has no file,
    /// [`ConfigError::NoStackSelected`] when there is no selection and not exactly one stack.
    pub fn resolve_stack(&self, explicit: Option<&str>) -> Result<String> {
        if let Some(name) = explicit {
            validate_stack_name(name)
                .map_err(|reason| ConfigError::InvalidStackName { name: name.to_owned(), reason })?;
            self.require_stack(name)?;
            return Ok(name.to_owned());
        }
        if let Some(name) = self.selected_stack()? {
            self.require_stack(&name)?;
            return Ok(name);
        }
        let available = self.stack_names()?;
        match available.as_slice() {
            [only] => Ok(only.clone()),
            _ => Err(ConfigError::NoStackSelected { project: self.name.clone(), available }),
        }
    }

    /// Load a stack file.
    ///
    /// # Errors
    /// [`ConfigError::StackNotFound`], [`ConfigError::Invalid`], [`ConfigError::Io`].
    pub fn load_stack(&self, name: &str) -> Result<Stack> {
        validate_stack_name(name).map_err(|reason| ConfigError::InvalidStackName { name: name.to_owned(), reason })?;
        self.require_stack(name)?;
        Stack::load(self, name)
    }

    /// `engine stack init NAME`: write `Engine.<name>.toml` and select the stack. A passphrase
    /// stack gets its `[encryption]` settings now (so `passphrase` is asked for, as a new one);
    /// a local-key stack's key is created on first need.
    ///
    /// # Errors
    /// [`ConfigError::StackExists`], [`ConfigError::InvalidStackName`],
    /// [`ConfigError::RegionRequired`], passphrase errors, [`ConfigError::Io`].
    pub fn init_stack(&self, name: &str, init: &StackInit, passphrase: &PassphraseSource) -> Result<Stack> {
        validate_stack_name(name).map_err(|reason| ConfigError::InvalidStackName { name: name.to_owned(), reason })?;
        let file = self.stack_file(name);
        if file.exists() {
            return Err(ConfigError::StackExists { name: name.to_owned(), file });
        }
        let region = match (&init.region, init.cloud) {
            (Some(region), _) if !region.is_empty() => region.clone(),
            (_, Cloud::Local) => crate::stack::DEFAULT_LOCAL_REGION.to_owned(),
            (_, Cloud::Aws) => ["AWS_REGION", "AWS_DEFAULT_REGION"]
                .iter()
                .find_map(|var| std::env::var(var).ok().filter(|v| !v.is_empty()))
                .ok_or(ConfigError::RegionRequired)?,
        };
        let secrets = init.secrets.unwrap_or(match init.cloud {
            Cloud::Local => SecretsProvider::LocalKey,
            Cloud::Aws => SecretsProvider::Passphrase,
        });
        if secrets == SecretsProvider::LocalKey && init.cloud == Cloud::Aws {
            return Err(ConfigError::InvalidValue {
                key: "secrets".to_owned(),
                reason: "local-key secrets are only for stacks on the local cloud; use passphrase".to_owned(),
            });
        }
        let encryption = match secrets {
            SecretsProvider::Passphrase => {
                Some(new_passphrase_settings(name, passphrase, init.kdf_params.unwrap_or(KdfParams::DEFAULT))?)
            }
            SecretsProvider::LocalKey => None,
        };
        let text = crate::stack::initial_text(self, name, init.cloud, &region, secrets, encryption.as_ref());
        if !fsutil::write_if_absent(&file, text.as_bytes(), None)? {
            return Err(ConfigError::StackExists { name: name.to_owned(), file });
        }
        self.select_stack(name)?;
        Stack::load(self, name)
    }

    /// `engine stack rm NAME`: refuse while `resource_count(name)` (the CLI asks the state crate)
    /// is non-zero unless `force`; then delete the stack file, its local key, and the selection if
    /// it pointed at this stack. The caller removes the stack's state afterwards.
    ///
    /// # Errors
    /// [`ConfigError::StackNotFound`], [`ConfigError::StackHasResources`],
    /// [`ConfigError::ResourceCheck`] (the callback failed and `force` is off), [`ConfigError::Io`].
    pub fn remove_stack(
        &self,
        name: &str,
        force: bool,
        resource_count: &mut dyn FnMut(&str) -> std::result::Result<usize, String>,
    ) -> Result<()> {
        self.require_stack(name)?;
        match resource_count(name) {
            Ok(0) => {}
            Ok(count) if !force => return Err(ConfigError::StackHasResources { stack: name.to_owned(), count }),
            Err(message) if !force => return Err(ConfigError::ResourceCheck { stack: name.to_owned(), message }),
            _ => {}
        }
        let file = self.stack_file(name);
        std::fs::remove_file(&file).map_err(|source| ConfigError::io(&file, source))?;
        let key = self.local_key_file(name);
        match std::fs::remove_file(&key) {
            Ok(()) => {}
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => {}
            Err(source) => return Err(ConfigError::io(key, source)),
        }
        if self.selected_stack()?.as_deref() == Some(name) {
            let selection = self.engine_dir().join(CURRENT_STACK_FILE);
            std::fs::remove_file(&selection).map_err(|source| ConfigError::io(selection, source))?;
        }
        Ok(())
    }

    fn require_stack(&self, name: &str) -> Result<()> {
        if self.stack_file(name).is_file() {
            Ok(())
        } else {
            Err(ConfigError::StackNotFound {
                name: name.to_owned(),
                project: self.name.clone(),
                available: self.stack_names().unwrap_or_default(),
            })
        }
    }
}

/// Project names appear in URNs and file names: letters, digits, `-`, `_`, `.`.
pub(crate) fn validate_project_name(name: &str) -> std::result::Result<(), String> {
    if name.is_empty() {
        return Err("`name` is empty".to_owned());
    }
    if name.len() > 100 {
        return Err("`name` is longer than 100 characters".to_owned());
    }
    if let Some(bad) = name.chars().find(|c| !(c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))) {
        return Err(format!("`name` \"{name}\" contains `{bad}`; use letters, digits, `-`, `_` and `.`"));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn packages_are_read_and_recorded_keeping_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let text = "# the program\nname = \"events\"\nruntime = \"python\"\n\n[packages]\nnet = \"../net\"\n";
        std::fs::write(dir.path().join(PROJECT_FILE), text).unwrap();
        let mut project = Project::load(dir.path()).unwrap();
        assert_eq!(project.packages, [PackageDependency { name: "net".into(), path: "../net".into(), version: None, plugin: None }]);
        project
            .add_package(PackageDependency {
                name: "platform".into(),
                path: "../platform".into(),
                version: Some("^0.1.0".into()),
                plugin: None,
            })
            .unwrap();
        let written = std::fs::read_to_string(dir.path().join(PROJECT_FILE)).unwrap();
        assert!(written.starts_with("# the program\n"), "{written}");
        assert!(written.contains("platform = { path = \"../platform\", version = \"^0.1.0\" }"), "{written}");
        let again = Project::load(dir.path()).unwrap();
        assert_eq!(again.package("platform").unwrap().version.as_deref(), Some("^0.1.0"));
        assert_eq!(again.packages.len(), 2);
        let bad = "name = \"e\"\nruntime = \"rust\"\n[packages]\nnet = { paht = \"x\" }\n";
        let error = Project::parse(bad, Path::new("/p/Engine.toml")).unwrap_err().to_string();
        assert!(error.contains("packages.net: unknown key `paht`"), "{error}");
    }

    fn parse(text: &str) -> Result<Project> {
        Project::parse(text, Path::new("/p/Engine.toml"))
    }

    #[test]
    fn a_valid_project_file() {
        let project = parse("name = \"events\"\nruntime = \"python\"\nmain = \"app/__main__.py\"\ndescription = \"Events API\"\n").unwrap();
        assert_eq!(project.name, "events");
        assert_eq!(project.runtime, Runtime::Python);
        assert_eq!(project.main_path(), Path::new("/p/app/__main__.py"));
        assert_eq!(project.dir, Path::new("/p"));
        assert_eq!(project.stack_file("dev"), Path::new("/p/Engine.dev.toml"));
    }

    #[test]
    fn bad_project_files_name_file_line_and_column() {
        let cases = [
            ("name = \"events\"\nruntime = \"java\"\n", "/p/Engine.toml:2:11: unknown runtime \"java\""),
            ("name = \"events\"\n", "missing `runtime`"),
            ("runtime = \"rust\"\n", "missing `name`"),
            ("name = \"ev ents\"\nruntime = \"rust\"\n", "/p/Engine.toml:1:8: `name` \"ev ents\" contains ` `"),
            ("name = \"e\"\nruntime = \"rust\"\nruntim = \"x\"\n", "/p/Engine.toml:3:1: unknown key `runtim`"),
            ("name = 3\nruntime = \"rust\"\n", "/p/Engine.toml:1:8: `name` must be a string"),
            ("name = \"e\"\nruntime = \"rust\n", "/p/Engine.toml:2:"),
        ];
        for (text, expected) in cases {
            let message = parse(text).unwrap_err().to_string();
            assert!(message.contains(expected), "{text:?}: got {message}");
        }
    }

    #[test]
    fn find_walks_up_and_reports_the_start() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join(PROJECT_FILE), "name = \"p\"\nruntime = \"rust\"\n").unwrap();
        let nested = dir.path().join("src/deep");
        std::fs::create_dir_all(&nested).unwrap();
        let found = Project::find(&nested).unwrap();
        assert_eq!(found.dir, dir.path());
        let other = tempfile::tempdir().unwrap();
        let error = Project::find(other.path()).unwrap_err();
        assert!(matches!(error, ConfigError::ProjectNotFound { .. }), "{error}");
    }
}
