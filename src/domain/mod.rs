//! The pure core: no I/O, no clock, no terminal, no database. Everything that decides lives here
//! and takes `now` (or a date) as an argument.

pub mod assess;
pub mod candidate;
pub mod ids;
pub mod intake;
pub mod office_time;
pub mod photo;
pub mod rules;
pub mod scan;
pub mod schedule;
pub mod supervision;
pub mod tally;
