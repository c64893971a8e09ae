//! The one runner of forward-only SQLite schema migrations, for the counter's database and the
//! portal's. A file's `user_version` says how many steps have run.
//!
//! Several processes open the same file at once (the counter screen, `sync`, `tally`, `print`;
//! several portal workers), so each step takes the write lock first (an IMMEDIATE transaction)
//! and reads the version again under it: a process that waited while another migrated finds the
//! step done and skips it. Each step commits on its own, so a crash leaves a whole version.

use rusqlite::{Connection, TransactionBehavior};

#[derive(Debug, thiserror::Error)]
pub enum MigrationError {
    /// The file was written by a newer program (`found` steps, this one knows fewer).
    #[error("schema version {found} is newer than this program's")]
    TooNew { found: i64 },
    #[error(transparent)]
    Sql(#[from] rusqlite::Error),
}

/// Runs `steps` (step N takes the schema from version N-1 to N) up to version `target`.
pub fn run(conn: &mut Connection, steps: &[&str], target: i64) -> Result<(), MigrationError> {
    let latest = steps.len() as i64;
    let current = user_version(conn)?;
    if current > latest {
        return Err(MigrationError::TooNew { found: current });
    }
    for (version, step) in (1..).zip(steps).skip(current as usize) {
        if version > target {
            break;
        }
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        // Another process may have run this step while this one waited for the lock.
        if user_version(&tx)? < version {
            tx.execute_batch(step)?;
            tx.pragma_update(None, "user_version", version)?;
        }
        tx.commit()?;
    }
    Ok(())
}

fn user_version(conn: &Connection) -> rusqlite::Result<i64> {
    conn.pragma_query_value(None, "user_version", |r| r.get(0))
}

#[cfg(test)]
mod tests {
    use super::*;

    const STEPS: &[&str] = &["CREATE TABLE a (x INTEGER);", "CREATE TABLE b (y INTEGER);"];

    #[test]
    fn runs_each_step_once_up_to_the_target() {
        let mut conn = Connection::open_in_memory().unwrap();
        run(&mut conn, STEPS, 1).unwrap();
        assert_eq!(user_version(&conn).unwrap(), 1);
        run(&mut conn, STEPS, 2).unwrap();
        run(&mut conn, STEPS, 2).unwrap();
        assert_eq!(user_version(&conn).unwrap(), 2);
    }

    #[test]
    fn a_newer_file_is_refused() {
        let mut conn = Connection::open_in_memory().unwrap();
        conn.pragma_update(None, "user_version", 3).unwrap();
        assert!(matches!(
            run(&mut conn, STEPS, 2),
            Err(MigrationError::TooNew { found: 3 })
        ));
    }
}
