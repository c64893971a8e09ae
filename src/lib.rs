//! grad-intake: the counter application for graduation intake at self-study exam offices.
//! The library holds everything; `src/main.rs` is a thin command-line front end.

pub mod domain;
pub mod store;
pub mod strings;
pub mod tui;
pub mod config;
pub mod counter;
pub mod demo;
pub mod logging;
pub mod parallel;
pub mod roster_file;
pub mod scanner;
pub mod sync;
pub mod portal;
