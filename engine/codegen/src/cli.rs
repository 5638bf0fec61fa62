//! `engine gen-sdk`: generate one language's typed resources into a folder.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

use crate::{Language, Options, generate_sdk};

/// Arguments of `engine gen-sdk`.
#[derive(Debug, clap::Args)]
#[command(after_help = "Examples:\n  \
    engine gen-sdk --lang python --out sdk-python/python/engine_sdk\n  \
    engine gen-sdk --lang node --out sdk-node/dist --services s3,lambda,dynamodb\n  \
    engine gen-sdk --lang rust --out src/generated   # then `mod generated;` and use generated::aws::s3")]
pub struct Args {
    /// The language: rust, python or node (TypeScript declarations with CommonJS and ESM JavaScript).
    #[arg(long, value_name = "LANG")]
    pub lang: Language,
    /// The folder to write into (`aws/` is created inside; unchanged files are not rewritten).
    #[arg(long, value_name = "DIR", required_unless_present = "list_services")]
    pub out: Option<PathBuf>,
    /// Only these services (module names, comma-separated: s3,ec2,lambda); every service when omitted.
    #[arg(long, value_delimiter = ',', value_name = "NAMES")]
    pub services: Vec<String>,
    /// Leave the schemas' documentation out (much smaller output).
    #[arg(long)]
    pub no_docs: bool,
    /// Rust: how the generated code names the SDK crate.
    #[arg(long, value_name = "PATH", default_value = "::engine_sdk")]
    pub rust_sdk_path: String,
    /// Print the service module names and exit.
    #[arg(long)]
    pub list_services: bool,
}

impl clap::ValueEnum for Language {
    fn value_variants<'a>() -> &'a [Self] {
        &[Language::Rust, Language::Python, Language::Node]
    }

    fn to_possible_value(&self) -> Option<clap::builder::PossibleValue> {
        Some(match self {
            Language::Rust => clap::builder::PossibleValue::new("rust"),
            Language::Python => clap::builder::PossibleValue::new("python"),
            Language::Node => clap::builder::PossibleValue::new("node").alias("typescript"),
        })
    }
}

/// Run `engine gen-sdk`.
#[must_use]
#[allow(clippy::print_stdout, clippy::print_stderr, reason = "a command's output")]
pub fn run(args: Args) -> ExitCode {
    if args.list_services {
        match crate::Model::from_registry(engine_schema::Registry::global(), &crate::ModelOptions::default()) {
            Ok(model) => {
                for service in &model.services {
                    println!("{}\t{} resources\tAWS::{}", service.name, service.resources.len(), service.cfn_name);
                }
                return ExitCode::SUCCESS;
            }
            Err(error) => {
                eprintln!("error: {error}");
                return ExitCode::FAILURE;
            }
        }
    }
    let Some(out) = args.out else {
        eprintln!("error: --out DIR is required");
        return ExitCode::FAILURE;
    };
    let options = Options {
        rust_sdk_path: args.rust_sdk_path,
        rust_features: false,
        rust_out_dir: false,
        docs: !args.no_docs,
    };
    let services = (!args.services.is_empty()).then_some(args.services);
    let start = Instant::now();
    match generate_sdk(args.lang, &out, services, &options) {
        Ok(summary) => {
            println!(
                "generated {} resource types of {} services ({} files) into {} in {:.1?}",
                summary.resources,
                summary.services,
                summary.files,
                out.display(),
                start.elapsed()
            );
            ExitCode::SUCCESS
        }
        Err(error) => {
            eprintln!("error: {error}");
            ExitCode::FAILURE
        }
    }
}
