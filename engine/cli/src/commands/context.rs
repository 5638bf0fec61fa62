//! What every stack command starts from: the project (found from `-C DIR` or the current
//! folder upwards), the stack (`--stack`, else the selected one, else the only one) and its
//! crypter (passphrase from `ENGINE_PASSPHRASE`, `ENGINE_PASSPHRASE_FILE`, or asked on a
//! terminal).

use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use engine_config::{Crypter, PassphrasePrompt, PassphraseSource, Project, Stack};

use crate::GlobalArgs;

/// A user-facing failure: printed as `error: ...`, exit status 1.
pub(crate) struct Failure(pub String);

impl<E: std::fmt::Display> From<E> for Failure {
    fn from(e: E) -> Self {
        Failure(e.to_string())
    }
}

pub(crate) fn exit(result: Result<ExitCode, Failure>) -> ExitCode {
    match result {
        Ok(code) => code,
        Err(Failure(message)) => {
            eprintln!("error: {message}");
            ExitCode::from(1)
        }
    }
}

pub(crate) fn project_dir(global: &GlobalArgs) -> Result<PathBuf, Failure> {
    match &global.cwd {
        Some(dir) => {
            if !dir.is_dir() {
                return Err(Failure(format!("-C {}: no such folder", dir.display())));
            }
            Ok(dir.clone())
        }
        None => Ok(std::env::current_dir()?),
    }
}

pub(crate) fn project(global: &GlobalArgs) -> Result<Project, Failure> {
    Ok(Project::find(&project_dir(global)?)?)
}

/// Passphrases from the environment, or asked on the terminal.
pub(crate) fn passphrase_source() -> PassphraseSource {
    let source = PassphraseSource::from_env();
    if !std::io::stdin().is_terminal() {
        return source;
    }
    source.with_prompt(Arc::new(|prompt: &PassphrasePrompt| {
        let first = ask_hidden(&format!("Passphrase for stack {}: ", prompt.stack))?;
        if prompt.new {
            let again = ask_hidden("Repeat the passphrase: ")?;
            if again != first {
                return Err("the passphrases differ".to_owned());
            }
        }
        Ok(first)
    }))
}

fn ask_hidden(question: &str) -> Result<String, String> {
    eprint!("{question}");
    let _ = std::io::stderr().flush();
    let silenced = std::process::Command::new("stty")
        .arg("-echo")
        .stdin(std::process::Stdio::inherit())
        .status()
        .is_ok_and(|s| s.success());
    let mut line = String::new();
    let read = std::io::stdin().read_line(&mut line);
    if silenced {
        let _ = std::process::Command::new("stty").arg("echo").stdin(std::process::Stdio::inherit()).status();
        eprintln!();
    }
    read.map_err(|e| e.to_string())?;
    Ok(line.trim_end_matches(['\n', '\r']).to_owned())
}

/// Ask a yes/no question on the terminal.
pub(crate) fn confirm(question: &str) -> bool {
    eprint!("{question} [y/N] ");
    let _ = std::io::stderr().flush();
    let mut line = String::new();
    if std::io::stdin().read_line(&mut line).is_err() {
        return false;
    }
    matches!(line.trim().to_ascii_lowercase().as_str(), "y" | "yes")
}

pub(crate) struct StackContext {
    pub project: Project,
    pub stack: Stack,
    pub crypter: Crypter,
}

pub(crate) fn stack(global: &GlobalArgs) -> Result<StackContext, Failure> {
    let project = project(global)?;
    let name = project.resolve_stack(global.stack.as_deref())?;
    let stack = project.load_stack(&name)?;
    let crypter = stack.crypter(&passphrase_source());
    Ok(StackContext { project, stack, crypter })
}

pub(crate) fn runtime() -> Result<tokio::runtime::Runtime, Failure> {
    Ok(tokio::runtime::Builder::new_multi_thread().enable_all().build()?)
}

/// The stack's state store.
pub(crate) fn store(project: &Project, stack: &str) -> Result<engine_state::StateStore, Failure> {
    let backend =
        engine_state::open_backend(std::env::var(engine_state::BACKEND_URL_ENV).ok().as_deref(), &project.dir)?;
    Ok(engine_state::StateStore::new(backend, &project.name, stack))
}
