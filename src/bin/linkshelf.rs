//! `linkshelf check <config>`, `linkshelf bake <config> --dist <dir>` and
//! `linkshelf base-path <config>`.

use clap::{Parser, Subcommand};
use linkshelf::build::{bake, config, hosting};
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Parser)]
#[command(name = "linkshelf", about = "Check a storefront config and bake it into a built site.")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Validate a config and print every problem with its location.
    Check { config: PathBuf },
    /// Print the config's JSON Schema (the repository keeps it in storefront.schema.json).
    Schema,
    /// Print the path the site is served under (`/`, or `/shop/` for a site at
    /// https://name.github.io/shop/): Trunk's `--public-url`.
    BasePath { config: PathBuf },
    /// Validate a config and write it into a site built by Trunk.
    Bake {
        config: PathBuf,
        /// The built site (Trunk's staging or dist folder).
        #[arg(long)]
        dist: PathBuf,
        /// For the live demo: when the config has problems, write a page listing them
        /// in place of the site (and still print them) instead of failing.
        #[arg(long)]
        problems_page: bool,
    },
}

/// The build time; `SOURCE_DATE_EPOCH` (seconds) makes builds reproducible.
fn now_millis() -> i64 {
    if let Some(secs) = std::env::var("SOURCE_DATE_EPOCH").ok().and_then(|s| s.parse::<i64>().ok()) {
        return secs.saturating_mul(1000);
    }
    jiff::Timestamp::now().as_millisecond()
}

/// Warnings go to stderr, after the summary, and never fail the command.
fn print_warnings(warnings: &[hosting::HostWarning]) {
    for warning in warnings {
        eprintln!("warning: {warning}");
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Command::Check { config } => match bake::estimate(&config, now_millis()) {
            Ok((store, report)) => {
                let affiliates = match report.affiliates {
                    0 => String::new(),
                    1 => ", 1 affiliate".to_owned(),
                    n => format!(", {n} affiliates"),
                };
                println!(
                    "{} is valid: {} products in {} collections, {} codes, {} pop-ups{affiliates}; about {} in {} files once built.",
                    config.display(),
                    store.products.len(),
                    store.collections.len(),
                    store.codes.len(),
                    store.popups.len(),
                    hosting::megabytes(report.size.bytes),
                    report.size.files
                );
                print_warnings(&report.warnings);
                ExitCode::SUCCESS
            }
            Err(bake::BakeError::Config(errors)) => {
                eprint!("{}: {}", config.display(), bake::BakeError::Config(errors));
                ExitCode::FAILURE
            }
            Err(error) => {
                eprintln!("{}: {error}", config.display());
                ExitCode::FAILURE
            }
        },
        Command::Schema => {
            print!("{}", config::json_schema());
            ExitCode::SUCCESS
        }
        Command::BasePath { config } => match config::load(&config, now_millis()) {
            Ok((store, _)) => {
                println!("{}", store.site.base_path());
                ExitCode::SUCCESS
            }
            Err(errors) => {
                eprint!("{}: {}", config.display(), bake::BakeError::Config(errors));
                ExitCode::FAILURE
            }
        },
        Command::Bake { config, dist, problems_page } => match bake::bake(&config, &dist, now_millis()) {
            Ok((store, report)) => {
                let languages: Vec<&str> = store.site.languages.iter().map(|l| l.tag()).collect();
                println!(
                    "baked {} into {}: {} pages in {} ({}), {} images, {} calendar files; the site is {} in {} files",
                    config.display(),
                    dist.display(),
                    report.pages,
                    match languages.len() {
                        1 => "1 language".to_owned(),
                        n => format!("{n} languages"),
                    },
                    languages.join(", "),
                    report.images,
                    report.calendars,
                    hosting::megabytes(report.size.bytes),
                    report.size.files
                );
                print_warnings(&report.warnings);
                ExitCode::SUCCESS
            }
            Err(bake::BakeError::Config(errors)) if problems_page => {
                eprint!("{}: {}", config.display(), bake::BakeError::Config(errors.clone()));
                match bake::write_problems_page(&config, &dist, &errors) {
                    Ok(()) => {
                        eprintln!("the browser shows these problems until the config is fixed");
                        ExitCode::SUCCESS
                    }
                    Err(error) => {
                        eprintln!("{}: {error}", dist.display());
                        ExitCode::FAILURE
                    }
                }
            }
            Err(error) => {
                eprint!("{}: {error}", config.display());
                if !matches!(error, bake::BakeError::Config(_)) {
                    eprintln!();
                }
                ExitCode::FAILURE
            }
        },
    }
}
