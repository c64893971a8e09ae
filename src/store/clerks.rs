//! Clerks and supervisors: PINs hashed with Argon2id, lockout after repeated failures.

use argon2::password_hash::rand_core::OsRng;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::Argon2;
use chrono::{DateTime, Duration, Utc};
use rusqlite::{OptionalExtension, params};
use serde::Serialize;
use thiserror::Error;

use super::intakes::parse_instant;
use super::{Store, StoreError, audit};
use crate::strings;

/// Wrong PINs in a row that lock a clerk out, and for how long.
pub const MAX_FAILED_LOGINS: i64 = 5;
pub const LOCKOUT: Duration = Duration::minutes(5);

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    Clerk,
    Supervisor,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Clerk => "clerk",
            Role::Supervisor => "supervisor",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "clerk" => Some(Role::Clerk),
            "supervisor" => Some(Role::Supervisor),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Clerk {
    pub id: String,
    pub name: String,
    pub role: Role,
    pub disabled: bool,
}

#[derive(Debug, Error)]
pub enum LoginError {
    #[error("{}", strings::LOGIN_WRONG)]
    Wrong,
    #[error("{}{}", strings::LOGIN_LOCKED, .0.with_timezone(&chrono_tz::Asia::Shanghai).format("%H:%M"))]
    Locked(DateTime<Utc>),
    #[error("{}", strings::LOGIN_DISABLED)]
    Disabled,
    #[error(transparent)]
    Store(#[from] StoreError),
}

#[derive(Debug, Error)]
pub enum ClerkError {
    #[error("{}", strings::CLERK_BAD_PIN)]
    BadPin,
    #[error("{}", strings::CLERK_BAD_ID)]
    BadId,
    #[error("{}", strings::CLERK_EXISTS)]
    Exists,
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// PINs are 4 to 12 digits: typed on a counter keyboard's number pad.
pub fn pin_is_acceptable(pin: &str) -> bool {
    (4..=12).contains(&pin.len()) && pin.bytes().all(|b| b.is_ascii_digit())
}

fn hash_pin(pin: &str) -> Result<String, StoreError> {
    let salt = SaltString::generate(&mut OsRng);
    Argon2::default()
        .hash_password(pin.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| StoreError::Corrupt(e.to_string()))
}

fn pin_matches(pin: &str, stored: &str) -> bool {
    PasswordHash::new(stored).is_ok_and(|hash| Argon2::default().verify_password(pin.as_bytes(), &hash).is_ok())
}

impl Store {
    pub fn add_clerk(&mut self, id: &str, name: &str, role: Role, pin: &str, actor: &str, at: DateTime<Utc>) -> Result<(), ClerkError> {
        if id.is_empty() || id.len() > 32 || !id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_') {
            return Err(ClerkError::BadId);
        }
        if !pin_is_acceptable(pin) {
            return Err(ClerkError::BadPin);
        }
        let hash = hash_pin(pin)?;
        let tx = self.conn.transaction().map_err(StoreError::from)?;
        let inserted = tx
            .execute(
                "INSERT OR IGNORE INTO clerks(id, name, role, pin_hash) VALUES (?1, ?2, ?3, ?4)",
                params![id, name, role.as_str(), hash],
            )
            .map_err(StoreError::from)?;
        if inserted == 0 {
            return Err(ClerkError::Exists);
        }
        audit::append(&tx, at, actor, "clerk_added", &format!("{id} {}", role.as_str()))?;
        tx.commit().map_err(StoreError::from)?;
        Ok(())
    }

    pub fn clerks(&self) -> Result<Vec<Clerk>, StoreError> {
        let mut stmt = self.conn.prepare("SELECT id, name, role, disabled FROM clerks ORDER BY id")?;
        let rows = stmt.query_map([], |r| {
            Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?, r.get::<_, String>(2)?, r.get::<_, bool>(3)?))
        })?;
        rows.map(|row| {
            let (id, name, role, disabled) = row?;
            let role = Role::parse(&role).ok_or_else(|| StoreError::Corrupt(format!("role {role}")))?;
            Ok(Clerk { id, name, role, disabled })
        })
        .collect()
    }

    /// Checks a PIN. Every outcome is audited; the `MAX_FAILED_LOGINS`th wrong PIN in a row locks
    /// the clerk out for `LOCKOUT`, during which even the right PIN is refused.
    pub fn login(&mut self, id: &str, pin: &str, now: DateTime<Utc>) -> Result<Clerk, LoginError> {
        let row: Option<(String, String, String, bool, i64, Option<String>)> = self
            .conn
            .query_row(
                "SELECT name, role, pin_hash, disabled, failed_logins, locked_until FROM clerks WHERE id = ?1",
                [id],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?, r.get(5)?)),
            )
            .optional()
            .map_err(StoreError::from)?;
        let Some((name, role, hash, disabled, failed, locked_until)) = row else {
            // Hash anyway so that an unknown id takes as long as a wrong PIN.
            let _ = pin_matches(pin, "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHQ$invalid");
            self.audit(now, id, "login_failed", "unknown id")?;
            return Err(LoginError::Wrong);
        };
        if disabled {
            self.audit(now, id, "login_refused", "disabled")?;
            return Err(LoginError::Disabled);
        }
        if let Some(until) = locked_until.as_deref().map(parse_instant).transpose()?
            && now < until
        {
            self.audit(now, id, "login_refused", "locked")?;
            return Err(LoginError::Locked(until));
        }
        if pin_matches(pin, &hash) {
            self.conn
                .execute("UPDATE clerks SET failed_logins = 0, locked_until = NULL WHERE id = ?1", [id])
                .map_err(StoreError::from)?;
            self.audit(now, id, "login", "")?;
            let role = Role::parse(&role).ok_or_else(|| StoreError::Corrupt(format!("role {role}")))?;
            return Ok(Clerk { id: id.to_owned(), name, role, disabled });
        }
        self.record_failure(id, failed + 1, now)
    }

    fn record_failure(&mut self, id: &str, failed: i64, now: DateTime<Utc>) -> Result<Clerk, LoginError> {
        if failed >= MAX_FAILED_LOGINS {
            let until = now + LOCKOUT;
            self.conn
                .execute(
                    "UPDATE clerks SET failed_logins = 0, locked_until = ?2 WHERE id = ?1",
                    params![id, until.to_rfc3339()],
                )
                .map_err(StoreError::from)?;
            self.audit(now, id, "locked_out", "")?;
            return Err(LoginError::Locked(until));
        }
        self.conn
            .execute("UPDATE clerks SET failed_logins = ?2 WHERE id = ?1", params![id, failed])
            .map_err(StoreError::from)?;
        self.audit(now, id, "login_failed", "")?;
        Err(LoginError::Wrong)
    }
}
