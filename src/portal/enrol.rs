//! Counters' credentials over their life: one-time enrolment codes, enrolment (a code traded
//! for a fresh token), revocation and token rotation, and the list the administrator reads.
//!
//! Only digests are stored (of tokens and of codes). Every request checks its token in the
//! database, so a revocation or a rotation takes effect at the counter's next request.

use chrono::{DateTime, TimeDelta, Utc};
use rusqlite::{OptionalExtension, Transaction, TransactionBehavior, params};

use super::admin::new_token;
use super::{Portal, PortalError};
use crate::store::sha256_hex;
use crate::sync::enrol::{Enrolment, new_code, normalize_code};

/// How long an enrolment code may be used.
pub const CODE_VALIDITY: TimeDelta = TimeDelta::hours(24);

/// A code to give a counter, shown once.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EnrolmentCode {
    /// `XXXX-XXXX-XXXX-XXXX`.
    pub code: String,
    pub expires_at: DateTime<Utc>,
}

/// Why a code was not taken.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EnrolRefusal {
    /// Not a code this portal issued (mistyped, replaced by a newer one, or the counter revoked).
    Unknown,
    Used,
    Expired,
}

/// One counter as `portal list-counters` shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CounterInfo {
    pub counter_id: String,
    pub site_code: String,
    /// When its current token was issued.
    pub token_issued_at: String,
    pub revoked_at: Option<String>,
    /// Until when an unused enrolment code is valid, if there is one.
    pub code_valid_until: Option<String>,
}

fn digest_of_code(code: &str) -> String {
    // Digest of the canonical form, so that any way of typing it finds it.
    sha256_hex(normalize_code(code).unwrap_or_default().as_bytes())
}

impl Portal {
    /// A new one-time code for `counter` (which must be registered and not revoked), valid
    /// [`CODE_VALIDITY`] from `now`; any earlier unused code of the counter stops working.
    pub fn issue_enrolment_code(
        &mut self,
        counter: &str,
        now: DateTime<Utc>,
    ) -> Result<EnrolmentCode, PortalError> {
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        match counter_revoked(&tx, counter)? {
            None => return Err(PortalError::UnknownCounter(counter.to_owned())),
            Some(true) => return Err(PortalError::CounterRevoked(counter.to_owned())),
            Some(false) => {}
        }
        let code = issue_code(&tx, counter, now)?;
        tx.commit()?;
        Ok(code)
    }

    /// Trades a code for a fresh token (the counter's previous token stops working) and what
    /// the counter needs to know; a used, expired or unknown code changes nothing.
    pub fn enrol(
        &mut self,
        typed: &str,
        now: DateTime<Utc>,
    ) -> Result<Result<Enrolment, EnrolRefusal>, PortalError> {
        let keys = self.public_keys()?;
        let portal_id = self.portal_id.clone();
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        let digest = digest_of_code(typed);
        let row: Option<(String, String, Option<String>)> = tx
            .query_row(
                "SELECT counter_id, expires_at, used_at FROM enrolment_codes WHERE code_sha256 = ?1",
                [&digest],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
            )
            .optional()?;
        let Some((counter, expires_at, used_at)) = row else {
            return Ok(Err(EnrolRefusal::Unknown));
        };
        if used_at.is_some() {
            return Ok(Err(EnrolRefusal::Used));
        }
        if parse_time(&expires_at)? <= now {
            return Ok(Err(EnrolRefusal::Expired));
        }
        let Some(site_code) = active_site(&tx, &counter)? else {
            return Ok(Err(EnrolRefusal::Unknown));
        };
        tx.execute(
            "UPDATE enrolment_codes SET used_at = ?1 WHERE code_sha256 = ?2",
            params![now.to_rfc3339(), digest],
        )?;
        let token = set_new_token(&tx, &counter, now)?;
        tx.commit()?;
        Ok(Ok(Enrolment {
            token,
            site_code,
            counter_id: counter,
            public_keys: keys,
            portal_id,
        }))
    }

    /// Refuses the counter's token from its next request on, and voids its unused codes. The
    /// counter's log stays. `add-counter` again gives it a new token and lifts the revocation.
    pub fn revoke_counter(&mut self, counter: &str, now: DateTime<Utc>) -> Result<(), PortalError> {
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        let changed = tx.execute(
            "UPDATE counters SET revoked_at = COALESCE(revoked_at, ?1) WHERE counter_id = ?2",
            params![now.to_rfc3339(), counter],
        )?;
        if changed == 0 {
            return Err(PortalError::UnknownCounter(counter.to_owned()));
        }
        tx.execute(
            "DELETE FROM enrolment_codes WHERE counter_id = ?1 AND used_at IS NULL",
            [counter],
        )?;
        tx.commit()?;
        Ok(())
    }

    /// A new token for a registered, not revoked counter (the old one is refused from now on),
    /// with a new enrolment code to carry it to the counter.
    pub fn rotate_token(
        &mut self,
        counter: &str,
        now: DateTime<Utc>,
    ) -> Result<(String, EnrolmentCode), PortalError> {
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        match counter_revoked(&tx, counter)? {
            None => return Err(PortalError::UnknownCounter(counter.to_owned())),
            Some(true) => return Err(PortalError::CounterRevoked(counter.to_owned())),
            Some(false) => {}
        }
        let token = set_new_token(&tx, counter, now)?;
        let code = issue_code(&tx, counter, now)?;
        tx.commit()?;
        Ok((token, code))
    }

    /// Whether `token` is the token of a revoked counter (to tell it so, rather than that the
    /// token is wrong).
    pub fn token_revoked(&self, token: &str) -> Result<bool, PortalError> {
        Ok(self
            .conn
            .query_row(
                "SELECT 1 FROM counters WHERE token_sha256 = ?1 AND revoked_at IS NOT NULL",
                [sha256_hex(token.as_bytes())],
                |_| Ok(()),
            )
            .optional()?
            .is_some())
    }

    /// Every registered counter, by site and id; an enrolment code is listed while usable.
    pub fn list_counters(&self, now: DateTime<Utc>) -> Result<Vec<CounterInfo>, PortalError> {
        let mut stmt = self.conn.prepare(
            "SELECT c.counter_id, c.site_code, c.created_at, c.revoked_at,
                    (SELECT MAX(e.expires_at) FROM enrolment_codes e
                      WHERE e.counter_id = c.counter_id AND e.used_at IS NULL)
             FROM counters c ORDER BY c.site_code, c.counter_id",
        )?;
        let rows = stmt.query_map([], |r| {
            Ok(CounterInfo {
                counter_id: r.get(0)?,
                site_code: r.get(1)?,
                token_issued_at: r.get(2)?,
                revoked_at: r.get(3)?,
                code_valid_until: r.get(4)?,
            })
        })?;
        let mut counters = rows.collect::<Result<Vec<_>, _>>()?;
        for c in &mut counters {
            let expired = match &c.code_valid_until {
                Some(until) => parse_time(until)? <= now,
                None => false,
            };
            if expired {
                c.code_valid_until = None;
            }
        }
        Ok(counters)
    }
}

/// `None` when the counter is not registered, else whether it is revoked.
fn counter_revoked(tx: &Transaction, counter: &str) -> Result<Option<bool>, PortalError> {
    let revoked: Option<Option<String>> = tx
        .query_row(
            "SELECT revoked_at FROM counters WHERE counter_id = ?1",
            [counter],
            |r| r.get(0),
        )
        .optional()?;
    Ok(revoked.map(|r| r.is_some()))
}

/// The site of a registered counter that is not revoked.
fn active_site(tx: &Transaction, counter: &str) -> Result<Option<String>, PortalError> {
    Ok(tx
        .query_row(
            "SELECT site_code FROM counters WHERE counter_id = ?1 AND revoked_at IS NULL",
            [counter],
            |r| r.get(0),
        )
        .optional()?)
}

fn issue_code(
    tx: &Transaction,
    counter: &str,
    now: DateTime<Utc>,
) -> Result<EnrolmentCode, PortalError> {
    tx.execute(
        "DELETE FROM enrolment_codes WHERE counter_id = ?1 AND used_at IS NULL",
        [counter],
    )?;
    let code = new_code();
    let expires_at = now + CODE_VALIDITY;
    tx.execute(
        "INSERT INTO enrolment_codes(code_sha256, counter_id, created_at, expires_at)
         VALUES (?1, ?2, ?3, ?4)",
        params![
            digest_of_code(&code),
            counter,
            now.to_rfc3339(),
            expires_at.to_rfc3339()
        ],
    )?;
    Ok(EnrolmentCode { code, expires_at })
}

fn set_new_token(
    tx: &Transaction,
    counter: &str,
    now: DateTime<Utc>,
) -> Result<String, PortalError> {
    let token = new_token();
    tx.execute(
        "UPDATE counters SET token_sha256 = ?1, created_at = ?2 WHERE counter_id = ?3",
        params![sha256_hex(token.as_bytes()), now.to_rfc3339(), counter],
    )?;
    Ok(token)
}

fn parse_time(text: &str) -> Result<DateTime<Utc>, PortalError> {
    DateTime::parse_from_rfc3339(text)
        .map(|t| t.to_utc())
        .map_err(|e| PortalError::Corrupt(format!("{text}: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(hours: i64) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339("2026-11-20T02:00:00Z")
            .unwrap()
            .to_utc()
            + TimeDelta::hours(hours)
    }

    #[test]
    fn a_code_works_once_within_a_day_and_a_new_one_voids_the_old() {
        let dir = tempfile::tempdir().unwrap();
        let mut portal = Portal::open(&dir.path().join("portal.db")).unwrap();
        portal.keygen(false, at(0)).unwrap();
        let first_token = portal.add_counter("0104", "hz-03", at(0)).unwrap();
        let old = portal.issue_enrolment_code("hz-03", at(0)).unwrap();
        let code = portal.issue_enrolment_code("hz-03", at(0)).unwrap();
        assert_eq!(code.expires_at, at(24));
        assert_eq!(
            portal.enrol(&old.code, at(1)).unwrap(),
            Err(EnrolRefusal::Unknown)
        );
        let typed = code.code.to_lowercase();
        let enrolled = portal.enrol(&typed, at(1)).unwrap().unwrap();
        assert_eq!(
            (enrolled.site_code.as_str(), enrolled.counter_id.as_str()),
            ("0104", "hz-03")
        );
        assert_eq!(enrolled.public_keys.len(), 1);
        assert!(portal.authenticate(&first_token).unwrap().is_none());
        assert!(portal.authenticate(&enrolled.token).unwrap().is_some());
        assert_eq!(
            portal.enrol(&code.code, at(2)).unwrap(),
            Err(EnrolRefusal::Used)
        );
        let late = portal.issue_enrolment_code("hz-03", at(3)).unwrap();
        assert_eq!(
            portal.enrol(&late.code, at(27)).unwrap(),
            Err(EnrolRefusal::Expired)
        );
        assert_eq!(
            portal.enrol("nonsense", at(3)).unwrap(),
            Err(EnrolRefusal::Unknown)
        );
    }

    #[test]
    fn a_revoked_counter_gets_no_code_and_add_counter_lifts_it() {
        let dir = tempfile::tempdir().unwrap();
        let mut portal = Portal::open(&dir.path().join("portal.db")).unwrap();
        portal.add_counter("0104", "hz-03", at(0)).unwrap();
        let code = portal.issue_enrolment_code("hz-03", at(0)).unwrap();
        portal.revoke_counter("hz-03", at(1)).unwrap();
        assert_eq!(
            portal.enrol(&code.code, at(1)).unwrap(),
            Err(EnrolRefusal::Unknown)
        );
        assert!(matches!(
            portal.issue_enrolment_code("hz-03", at(1)),
            Err(PortalError::CounterRevoked(_))
        ));
        assert!(matches!(
            portal.rotate_token("hz-03", at(1)),
            Err(PortalError::CounterRevoked(_))
        ));
        assert!(matches!(
            portal.revoke_counter("nope", at(1)),
            Err(PortalError::UnknownCounter(_))
        ));
        let listed = portal.list_counters(at(1)).unwrap();
        assert!(listed[0].revoked_at.is_some() && listed[0].code_valid_until.is_none());
        let token = portal.add_counter("0104", "hz-03", at(2)).unwrap();
        assert!(portal.authenticate(&token).unwrap().is_some());
        assert!(portal.list_counters(at(2)).unwrap()[0].revoked_at.is_none());
    }
}
