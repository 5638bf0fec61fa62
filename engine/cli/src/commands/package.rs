//! `engine package gen-sdk | add | show`: component packages (see `engine/package/README.md`).

use std::path::{Component, Path, PathBuf};
use std::process::ExitCode;

use clap::Subcommand;
use engine_config::PackageDependency;
use engine_package::bindings::{self, Language};
use engine_package::{Manifest, Runtime};

use super::context::{self, Failure};
use crate::GlobalArgs;

#[derive(Debug, Subcommand)]
pub(crate) enum PackageCommand {
    /// Generate the typed binding of a package's components for a consumer in LANG.
    GenSdk {
        /// The package's folder (holding EnginePackage.toml).
        path: PathBuf,
        /// rust, python or node (TypeScript and JavaScript).
        #[arg(long, value_name = "LANG")]
        lang: String,
        /// Where to write it (default: generated/<package>).
        #[arg(long, value_name = "DIR")]
        out: Option<PathBuf>,
    },
    /// Use a package in this project: record it in Engine.toml ([packages]) and write its
    /// binding for the project's language into generated/<package>.
    Add {
        /// The package's folder (holding EnginePackage.toml).
        path: PathBuf,
        /// The binding's language (default: the project's runtime).
        #[arg(long, value_name = "LANG")]
        lang: Option<String>,
    },
    /// Print a package's components and their inputs and outputs.
    Show {
        /// The package's folder (holding EnginePackage.toml).
        path: PathBuf,
        /// As JSON (the plugin's GetSchema form).
        #[arg(long)]
        json: bool,
    },
}

pub(crate) fn run(global: &GlobalArgs, command: PackageCommand) -> ExitCode {
    context::exit(match command {
        PackageCommand::GenSdk { path, lang, out } => gen_sdk(global, &path, &lang, out),
        PackageCommand::Add { path, lang } => add(global, &path, lang.as_deref()),
        PackageCommand::Show { path, json } => show(global, &path, json),
    })
}

/// A path given on the command line, relative to `-C` when set.
fn resolve(global: &GlobalArgs, path: &Path) -> Result<PathBuf, Failure> {
    let base = context::project_dir(global)?;
    Ok(if path.is_absolute() { path.to_path_buf() } else { base.join(path) })
}

fn gen_sdk(global: &GlobalArgs, path: &Path, lang: &str, out: Option<PathBuf>) -> Result<ExitCode, Failure> {
    let language = Language::parse(lang)?;
    let manifest = Manifest::load(&resolve(global, path)?)?;
    let out = match out {
        Some(out) => resolve(global, &out)?,
        None => bindings::default_dir(&context::project_dir(global)?, &manifest.name),
    };
    let written = bindings::write(&manifest, language, &out)?;
    println!(
        "Wrote the {} binding of {} ({} component(s), {} file(s)) into {}",
        language.as_str(),
        manifest.id(),
        manifest.components.len(),
        written.len(),
        out.display()
    );
    Ok(ExitCode::SUCCESS)
}

fn add(global: &GlobalArgs, path: &Path, lang: Option<&str>) -> Result<ExitCode, Failure> {
    let mut project = context::project(global)?;
    let package_dir = resolve(global, path)?;
    let manifest = Manifest::load(&package_dir)?;
    let language = match lang {
        Some(lang) => Language::parse(lang)?,
        None => match project.runtime {
            engine_config::Runtime::Rust => Language::Rust,
            engine_config::Runtime::Python => Language::Python,
            engine_config::Runtime::Node => Language::Node,
        },
    };
    let same = matches!(
        (manifest.runtime, language),
        (Runtime::Rust, Language::Rust) | (Runtime::Python, Language::Python) | (Runtime::Node, Language::Node)
    );
    if same && lang.is_none() {
        println!(
            "{} is written in {}, like this project: use it directly (link the crate, import the module) instead of \
             through a plugin. To use it through its plugin anyway, pass --lang {}.",
            manifest.id(),
            manifest.runtime.as_str(),
            language.as_str()
        );
        return Ok(ExitCode::SUCCESS);
    }
    let recorded_path = relative_to(&package_dir, &project.dir);
    let requirement = format!("^{}", manifest.version);
    let plugin = project.package(&manifest.name).and_then(|existing| existing.plugin.clone());
    project.add_package(PackageDependency {
        name: manifest.name.clone(),
        path: recorded_path.clone(),
        version: Some(requirement.clone()),
        plugin,
    })?;
    let out = bindings::default_dir(&project.dir, &manifest.name);
    bindings::write(&manifest, language, &out)?;
    bindings::ensure(&manifest, language, &project.dir)?;
    println!(
        "Added {} to {} ([packages] {} = {{ path = {recorded_path:?}, version = {requirement:?} }}).",
        manifest.id(),
        project.file().display(),
        manifest.name
    );
    println!("Wrote its {} binding into {}.", language.as_str(), out.display());
    let usage = manifest.components.keys().cloned().collect::<Vec<_>>().join(", ");
    match language {
        Language::Python => println!("Use it: from generated.{} import {usage}", manifest.name),
        Language::Node => println!("Use it: import {{ {usage} }} from \"./generated/{}\";", manifest.name),
        Language::Rust => println!(
            "Use it: #[path = \"../generated/{0}/mod.rs\"] mod {1}; (in src/main.rs), then {1}::{2}::new(&ctx, ...)",
            manifest.name,
            manifest.name.replace('-', "_"),
            manifest.components.keys().next().cloned().unwrap_or_default()
        ),
    }
    Ok(ExitCode::SUCCESS)
}

fn show(global: &GlobalArgs, path: &Path, json: bool) -> Result<ExitCode, Failure> {
    let manifest = Manifest::load(&resolve(global, path)?)?;
    if json {
        println!("{:#}", manifest.to_json());
        return Ok(ExitCode::SUCCESS);
    }
    println!(
        "{} ({}){}",
        manifest.id(),
        manifest.runtime.as_str(),
        manifest.description.as_ref().map(|d| format!(": {d}")).unwrap_or_default()
    );
    for component in manifest.components.values() {
        println!("\n{}", component.token);
        for (title, list) in [("inputs", &component.inputs), ("outputs", &component.outputs)] {
            println!("  {title}:");
            for p in list {
                let mut flags = Vec::new();
                if p.required && title == "inputs" {
                    flags.push("required".to_owned());
                }
                if !p.required && title == "outputs" {
                    flags.push("optional".to_owned());
                }
                if p.plain {
                    flags.push("plain".to_owned());
                }
                if p.secret {
                    flags.push("secret".to_owned());
                }
                if let Some(default) = &p.default {
                    flags.push(format!("default {default}"));
                }
                let flags = if flags.is_empty() { String::new() } else { format!(" ({})", flags.join(", ")) };
                println!("    {}: {}{flags}", p.name, p.ty);
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// `target` relative to `base` (both made absolute), with `/` separators: what Engine.toml
/// records, so a repository can be moved.
fn relative_to(target: &Path, base: &Path) -> String {
    let absolute = |p: &Path| {
        std::fs::canonicalize(p).unwrap_or_else(|_| std::path::absolute(p).unwrap_or_else(|_| p.to_path_buf()))
    };
    let (target, base) = (absolute(target), absolute(base));
    let target_parts: Vec<Component<'_>> = target.components().collect();
    let base_parts: Vec<Component<'_>> = base.components().collect();
    let common = target_parts.iter().zip(&base_parts).take_while(|(a, b)| a == b).count();
    if common == 0 {
        return target.display().to_string();
    }
    let mut parts: Vec<String> = std::iter::repeat_n("..".to_owned(), base_parts.len() - common).collect();
    parts.extend(target_parts[common..].iter().map(|c| c.as_os_str().to_string_lossy().into_owned()));
    if parts.is_empty() { ".".to_owned() } else { parts.join("/") }
}
