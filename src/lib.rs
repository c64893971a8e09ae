//! grad-intake: the counter application for graduation intake at self-study exam offices.
//! The library holds everything; `src/main.rs` is a thin command-line front end.

pub mod config;
pub mod counter;
pub mod demo;
pub mod domain;
pub mod logging;
pub mod migrations;
pub mod owner_only;
pub mod parallel;
pub mod photo;
pub mod portal;
pub mod print;
pub mod roster_file;
pub mod scanner;
pub mod store;
pub mod strings;
pub mod sync;
pub mod tui;
