//! Thin binary: arguments → configuration → logging → command. Everything else is the library.

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
