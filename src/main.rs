//! Thin binary: arguments → configuration → logging → command. Everything else is the library.

#![deny(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod cli;

use clap::Parser;

fn main() {
    let args = cli::Cli::parse();
    match cli::run(args) {
        Ok(code) => std::process::exit(code),
        Err(e) => {
            eprintln!("{}{e:#}", grad_intake::strings::report::ERROR_PREFIX);
            std::process::exit(1);
        }
    }
}
