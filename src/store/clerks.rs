//! Clerks and supervisors: PINs hashed with Argon2id, lockout after repeated failures.

use argon2::Argon2;
use argon2::password_hash::rand_core::OsRng;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use chrono::{DateTime, Duration, Utc};
use rusqlite::{OptionalExtension, Transaction, params};
use serde::Serialize;
use thiserror::Error;

use super::intakes::{self, Actor, parse_instant};
use super::{Store, StoreError, audit};
use crate::domain::supervision::SupervisorEvent;
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
    #[error("{}{}", strings::LOGIN_LOCKED, crate::domain::office_time::hm(*.0))]
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
    #[error("{}{}", strings::CLERK_NOT_FOUND, .0)]
    NotFound(String),
    /// A role action by someone who is not an enabled supervisor.
    #[error("{}{}", strings::CLERK_NOT_SUPERVISOR, .0)]
    NotSupervisor(String),
    /// A role action without naming the supervisor who does it.
    #[error("{}", strings::CLERK_NEED_SUPERVISOR)]
    NeedSupervisor,
    /// The first clerk of a database must be a supervisor.
    #[error("{}", strings::CLERK_FIRST_SUPERVISOR)]
    FirstMustBeSupervisor,
    #[error("{}", strings::CLERK_LAST_SUPERVISOR)]
    LastSupervisor,
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
    PasswordHash::new(stored).is_ok_and(|hash| {
        Argon2::default()
            .verify_password(pin.as_bytes(), &hash)
            .is_ok()
    })
}

impl Store {
    pub fn add_clerk(
        &mut self,
        id: &str,
        name: &str,
        role: Role,
        pin: &str,
        actor: &str,
        at: DateTime<Utc>,
    ) -> Result<(), ClerkError> {
        if id.is_empty()
            || id.len() > 32
            || !id
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        {
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
        audit::append(
            &tx,
            at,
            actor,
            "clerk_added",
            &format!("{id} {}", role.as_str()),
        )?;
        tx.commit().map_err(StoreError::from)?;
        Ok(())
    }

    pub fn clerks(&self) -> Result<Vec<Clerk>, StoreError> {
        let mut stmt = self
            .conn
            .prepare("SELECT id, name, role, disabled FROM clerks ORDER BY id")?;
        let rows = stmt.query_map([], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, String>(2)?,
                r.get::<_, bool>(3)?,
            ))
        })?;
        rows.map(|row| {
            let (id, name, role, disabled) = row?;
            let role =
                Role::parse(&role).ok_or_else(|| StoreError::Corrupt(format!("role {role}")))?;
            Ok(Clerk {
                id,
                name,
                role,
                disabled,
            })
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
                .execute(
                    "UPDATE clerks SET failed_logins = 0, locked_until = NULL WHERE id = ?1",
                    [id],
                )
                .map_err(StoreError::from)?;
            self.audit(now, id, "login", "")?;
            let role =
                Role::parse(&role).ok_or_else(|| StoreError::Corrupt(format!("role {role}")))?;
            return Ok(Clerk {
                id: id.to_owned(),
                name,
                role,
                disabled,
            });
        }
        self.record_failure(id, failed + 1, now)
    }

    fn record_failure(
        &mut self,
        id: &str,
        failed: i64,
        now: DateTime<Utc>,
    ) -> Result<Clerk, LoginError> {
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
            .execute(
                "UPDATE clerks SET failed_logins = ?2 WHERE id = ?1",
                params![id, failed],
            )
            .map_err(StoreError::from)?;
        self.audit(now, id, "login_failed", "")?;
        Err(LoginError::Wrong)
    }
}

// ---- role actions (supervisor) ----

/// A clerk as `clerk list` shows them: with failed PINs and a lockout still running.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ClerkStatus {
    #[serde(flatten)]
    pub clerk: Clerk,
    pub failed_logins: i64,
    pub locked_until: Option<DateTime<Utc>>,
}

impl Store {
    /// One clerk, or `None` for an unknown id.
    pub fn clerk(&self, id: &str) -> Result<Option<Clerk>, StoreError> {
        Ok(self.clerks()?.into_iter().find(|c| c.id == id))
    }

    /// Every clerk by id, with the lockout that is still running at `now`.
    pub fn clerk_list(&self, now: DateTime<Utc>) -> Result<Vec<ClerkStatus>, StoreError> {
        let mut stmt = self
            .conn
            .prepare("SELECT id, failed_logins, locked_until FROM clerks ORDER BY id")?;
        let rows = stmt.query_map([], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, i64>(1)?,
                r.get::<_, Option<String>>(2)?,
            ))
        })?;
        let mut extra = std::collections::HashMap::new();
        for row in rows {
            let (id, failed, until) = row?;
            let until = until
                .as_deref()
                .map(parse_instant)
                .transpose()?
                .filter(|u| *u > now);
            extra.insert(id, (failed, until));
        }
        Ok(self
            .clerks()?
            .into_iter()
            .map(|clerk| {
                let (failed_logins, locked_until) =
                    extra.get(&clerk.id).copied().unwrap_or((0, None));
                ClerkStatus {
                    clerk,
                    failed_logins,
                    locked_until,
                }
            })
            .collect())
    }

    /// Whether the database holds any supervisor (enabled or not).
    pub fn has_supervisor(&self) -> Result<bool, StoreError> {
        Ok(self.clerks()?.iter().any(|c| c.role == Role::Supervisor))
    }

    /// Checks that `by` is an enabled supervisor, from the database. A refusal is audited
    /// (`role_action_refused`, detail: the action and its target).
    pub fn require_supervisor(
        &mut self,
        by: &str,
        action: &str,
        target: &str,
        at: DateTime<Utc>,
    ) -> Result<Clerk, ClerkError> {
        match self.clerk(by)? {
            Some(c) if c.role == Role::Supervisor && !c.disabled => Ok(c),
            _ => {
                self.audit(at, by, "role_action_refused", &format!("{action} {target}"))?;
                Err(ClerkError::NotSupervisor(by.to_owned()))
            }
        }
    }

    /// Who may add a clerk of `role`: the enabled supervisor `by` (returned). While the database
    /// holds no supervisor at all, the first supervisor may be added by anyone (`Ok(None)`: the
    /// caller records who ran it, e.g. the OS user); a clerk may not be the first.
    pub fn may_add_clerk(
        &mut self,
        id: &str,
        role: Role,
        by: Option<&str>,
        at: DateTime<Utc>,
    ) -> Result<Option<Clerk>, ClerkError> {
        if !self.has_supervisor()? {
            return if role == Role::Supervisor {
                Ok(None)
            } else {
                Err(ClerkError::FirstMustBeSupervisor)
            };
        }
        let by = by.ok_or(ClerkError::NeedSupervisor)?;
        self.require_supervisor(by, "clerk_add", id, at).map(Some)
    }

    /// Sets a new PIN (the clerk forgot it) and clears failures and a lockout. `by`: a supervisor.
    pub fn reset_pin(
        &mut self,
        id: &str,
        pin: &str,
        by: &str,
        at: DateTime<Utc>,
    ) -> Result<(), ClerkError> {
        self.require_supervisor(by, "pin_reset", id, at)?;
        if !pin_is_acceptable(pin) {
            return Err(ClerkError::BadPin);
        }
        let hash = hash_pin(pin)?;
        self.in_transaction(|tx| change_clerk(tx, id, by, at, ClerkChange::PinReset(&hash)))
    }

    /// Stops the clerk from logging in (data and history stay). The last enabled supervisor
    /// cannot be disabled. `by`: a supervisor.
    pub fn disable_clerk(
        &mut self,
        id: &str,
        by: &str,
        at: DateTime<Utc>,
    ) -> Result<(), ClerkError> {
        self.require_supervisor(by, "clerk_disable", id, at)?;
        let clerks = self.clerks()?;
        let target = clerks
            .iter()
            .find(|c| c.id == id)
            .ok_or_else(|| ClerkError::NotFound(id.to_owned()))?;
        let supervisors = clerks
            .iter()
            .filter(|c| c.role == Role::Supervisor && !c.disabled)
            .count();
        if target.role == Role::Supervisor && !target.disabled && supervisors <= 1 {
            return Err(ClerkError::LastSupervisor);
        }
        self.in_transaction(|tx| change_clerk(tx, id, by, at, ClerkChange::Disabled))
    }

    /// Lets a disabled clerk log in again. `by`: a supervisor.
    pub fn enable_clerk(
        &mut self,
        id: &str,
        by: &str,
        at: DateTime<Utc>,
    ) -> Result<(), ClerkError> {
        self.require_supervisor(by, "clerk_enable", id, at)?;
        self.in_transaction(|tx| change_clerk(tx, id, by, at, ClerkChange::Enabled))
    }

    /// Ends a lockout and forgets earlier wrong PINs. `by`: a supervisor. The change, its audit
    /// entry and its `clerk_unlocked` event in the log of counter `counter_id` (so the office
    /// sees unlocks from every counter) are one transaction.
    pub fn unlock_clerk(
        &mut self,
        id: &str,
        by: &str,
        counter_id: &str,
        at: DateTime<Utc>,
    ) -> Result<(), ClerkError> {
        self.require_supervisor(by, "clerk_unlock", id, at)?;
        self.in_transaction(|tx| {
            change_clerk(tx, id, by, at, ClerkChange::Unlocked)?;
            let event = SupervisorEvent::ClerkUnlocked {
                clerk_id: id.to_owned(),
                supervisor_id: by.to_owned(),
            };
            let actor = Actor {
                counter_id,
                clerk_id: by,
                at,
            };
            intakes::append_supervisor_event(tx, &actor, &event)?;
            Ok(())
        })
    }

    /// Runs `f` in one transaction, committed only if `f` succeeds.
    fn in_transaction(
        &mut self,
        f: impl FnOnce(&Transaction) -> Result<(), ClerkError>,
    ) -> Result<(), ClerkError> {
        let tx = self.conn.transaction().map_err(StoreError::from)?;
        f(&tx)?;
        tx.commit().map_err(StoreError::from)?;
        Ok(())
    }
}

/// What a supervisor changes about a clerk: one update of the clerk's row, one audit entry.
enum ClerkChange<'a> {
    /// A new PIN (its hash); earlier wrong PINs and a lockout are forgotten.
    PinReset(&'a str),
    Disabled,
    Enabled,
    /// Earlier wrong PINs and a lockout are forgotten.
    Unlocked,
}

/// Makes `change` to clerk `id` and appends its audit entry, inside the caller's transaction.
fn change_clerk(
    tx: &Transaction,
    id: &str,
    by: &str,
    at: DateTime<Utc>,
    change: ClerkChange<'_>,
) -> Result<(), ClerkError> {
    let (action, changed) = match change {
        ClerkChange::PinReset(hash) => (
            "pin_reset",
            tx.execute(
                "UPDATE clerks SET pin_hash = ?2, failed_logins = 0, locked_until = NULL WHERE id = ?1",
                params![id, hash],
            ),
        ),
        ClerkChange::Disabled => (
            "clerk_disabled",
            tx.execute("UPDATE clerks SET disabled = 1 WHERE id = ?1", [id]),
        ),
        ClerkChange::Enabled => (
            "clerk_enabled",
            tx.execute("UPDATE clerks SET disabled = 0 WHERE id = ?1", [id]),
        ),
        ClerkChange::Unlocked => (
            "clerk_unlocked",
            tx.execute(
                "UPDATE clerks SET failed_logins = 0, locked_until = NULL WHERE id = ?1",
                [id],
            ),
        ),
    };
    if changed.map_err(StoreError::from)? == 0 {
        return Err(ClerkError::NotFound(id.to_owned()));
    }
    audit::append(tx, at, by, action, id)?;
    Ok(())
}
