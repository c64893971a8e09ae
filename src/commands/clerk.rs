//! `grad-intake clerk …`: clerks and supervisors. Every change is done by a supervisor (`--by`)
//! and written to the audit log; the first supervisor of a new database is added by the OS
//! account that runs the command.

use super::{Error, Setup};
use crate::pin_prompt::PinError;
use crate::store::{ClerkError, ClerkStatus, Role, Store};
use crate::strings::{self, report as s};

/// What a clerk command did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ClerkReport {
    Added {
        id: String,
        name: String,
        role: Role,
        /// Added by the OS account: the database had no supervisor yet.
        first: bool,
    },
    PinReset(String),
    Disabled(String),
    Enabled(String),
    Unlocked(String),
}

/// A role action needs `--by`: the supervisor who does it.
fn need_by(by: Option<&str>) -> Result<&str, ClerkError> {
    by.ok_or(ClerkError::NeedSupervisor)
}

/// Adds a clerk. `read_pin` is asked only once the action is allowed: nobody types a PIN for an
/// action refused anyway.
pub fn add(
    setup: &Setup,
    id: &str,
    name: &str,
    role: Role,
    by: Option<&str>,
    read_pin: impl FnOnce() -> Result<String, PinError>,
) -> Result<ClerkReport, Error> {
    let mut store = Store::open(&setup.db)?;
    let supervisor = store.may_add_clerk(id, role, by, setup.now)?;
    let pin = read_pin()?;
    let first = supervisor.is_none();
    let actor = supervisor.map_or_else(super::os_actor, |s| s.id);
    let name = name.trim();
    store.add_clerk(id, name, role, &pin, &actor, setup.now)?;
    Ok(ClerkReport::Added {
        id: id.to_owned(),
        name: name.to_owned(),
        role,
        first,
    })
}

pub fn list(setup: &Setup) -> Result<Vec<ClerkStatus>, Error> {
    Ok(Store::open(&setup.db)?.clerk_list(setup.now)?)
}

/// Sets a new PIN (and lifts a lock). `read_pin` is asked once the supervisor and the clerk are
/// known.
pub fn reset_pin(
    setup: &Setup,
    id: &str,
    by: Option<&str>,
    read_pin: impl FnOnce() -> Result<String, PinError>,
) -> Result<ClerkReport, Error> {
    let mut store = Store::open(&setup.db)?;
    let by = need_by(by)?;
    store.require_supervisor(by, "pin_reset", id, setup.now)?;
    if store.clerk(id)?.is_none() {
        return Err(ClerkError::NotFound(id.to_owned()).into());
    }
    let pin = read_pin()?;
    store.reset_pin(id, &pin, by, setup.now)?;
    Ok(ClerkReport::PinReset(id.to_owned()))
}

pub fn disable(setup: &Setup, id: &str, by: Option<&str>) -> Result<ClerkReport, Error> {
    let by = need_by(by)?;
    Store::open(&setup.db)?.disable_clerk(id, by, setup.now)?;
    Ok(ClerkReport::Disabled(id.to_owned()))
}

pub fn enable(setup: &Setup, id: &str, by: Option<&str>) -> Result<ClerkReport, Error> {
    let by = need_by(by)?;
    Store::open(&setup.db)?.enable_clerk(id, by, setup.now)?;
    Ok(ClerkReport::Enabled(id.to_owned()))
}

/// Lifts a lock from too many wrong PINs. Logged under this counter's id, as the counter screen
/// does, so sync sends it.
pub fn unlock(setup: &Setup, id: &str, by: Option<&str>) -> Result<ClerkReport, Error> {
    let by = need_by(by)?;
    let counter_id = setup.config.counter_id.as_deref();
    let counter_id = counter_id.unwrap_or(crate::counter::DEFAULT_COUNTER_ID);
    Store::open(&setup.db)?.unlock_clerk(id, by, counter_id, setup.now)?;
    Ok(ClerkReport::Unlocked(id.to_owned()))
}

pub fn role_label(role: Role) -> &'static str {
    match role {
        Role::Clerk => s::ROLE_CLERK,
        Role::Supervisor => s::ROLE_SUPERVISOR,
    }
}

pub fn render(r: &ClerkReport) -> String {
    match r {
        ClerkReport::Added {
            id,
            name,
            role,
            first,
        } => {
            let mut text = format!("{}\n", s::clerk_added(id, name, role_label(*role)));
            if *first {
                text.push_str(strings::CLERK_FIRST_ADDED);
                text.push('\n');
            }
            text
        }
        ClerkReport::PinReset(id) => format!("{}{id}\n", strings::CLERK_PIN_RESET),
        ClerkReport::Disabled(id) => format!("{}{id}\n", strings::CLERK_DISABLED_DONE),
        ClerkReport::Enabled(id) => format!("{}{id}\n", strings::CLERK_ENABLED_DONE),
        ClerkReport::Unlocked(id) => format!("{}{id}\n", strings::CLERK_UNLOCKED),
    }
}

/// One line per clerk: id, name, role, in use or disabled, locked or wrong PINs so far.
pub fn render_list(list: &[ClerkStatus]) -> String {
    if list.is_empty() {
        return format!("{}\n", strings::CLERK_LIST_EMPTY);
    }
    list.iter()
        .map(|c| {
            let mut state = vec![
                if c.clerk.disabled {
                    s::CLERK_DISABLED
                } else {
                    s::CLERK_IN_USE
                }
                .to_owned(),
            ];
            if let Some(until) = c.locked_until {
                let until = crate::domain::office_time::hm(until);
                state.push(s::clerk_locked_until(&until));
            } else if c.failed_logins > 0 {
                state.push(s::clerk_failed_logins(c.failed_logins));
            }
            let state = state.join(s::CLERK_STATE_SEPARATOR);
            let role = role_label(c.clerk.role);
            format!(
                "{}\n",
                s::clerk_line(&c.clerk.id, &c.clerk.name, role, &state)
            )
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use std::cell::Cell;

    use super::*;
    use crate::commands::testing;

    #[test]
    fn first_supervisor_is_added_by_the_os_account_and_the_pin_is_asked_only_when_allowed() {
        let dir = tempfile::tempdir().unwrap();
        let setup = testing::empty(&dir);
        let asked = Cell::new(0);
        let pin = |p: &'static str| {
            let asked = &asked;
            move || {
                asked.set(asked.get() + 1);
                Ok(p.to_owned())
            }
        };
        // A clerk cannot be the first: refused before any PIN is typed.
        let refused = add(&setup, "c01", "甲", Role::Clerk, None, pin("1234"));
        assert!(matches!(refused, Err(Error::Clerk(_))), "{refused:?}");
        assert_eq!(asked.get(), 0);

        let added = add(&setup, "s01", " 主管 ", Role::Supervisor, None, pin("9999")).unwrap();
        assert_eq!(
            added,
            ClerkReport::Added {
                id: "s01".into(),
                name: "主管".into(),
                role: Role::Supervisor,
                first: true
            }
        );
        assert_eq!(asked.get(), 1);
        assert!(render(&added).ends_with(&format!("{}\n", strings::CLERK_FIRST_ADDED)));
        let actor = &Store::open(&setup.db).unwrap().audit_entries().unwrap()[0].actor;
        assert!(actor.starts_with("os:"), "{actor}");

        let added = add(&setup, "c01", "甲", Role::Clerk, Some("s01"), pin("1234")).unwrap();
        assert!(matches!(added, ClerkReport::Added { first: false, .. }));
        assert_eq!(render(&added), "已添加：c01 甲（柜员）\n");

        // Without --by: refused, nothing asked.
        assert!(matches!(
            reset_pin(&setup, "c01", None, pin("5678")),
            Err(Error::Clerk(ClerkError::NeedSupervisor))
        ));
        assert!(matches!(
            reset_pin(&setup, "nobody", Some("s01"), pin("5678")),
            Err(Error::Clerk(ClerkError::NotFound(_)))
        ));
        assert_eq!(asked.get(), 2);

        assert_eq!(
            disable(&setup, "c01", Some("s01")).unwrap(),
            ClerkReport::Disabled("c01".into())
        );
        let list = list(&setup).unwrap();
        let text = render_list(&list);
        assert_eq!(text.lines().count(), 2);
        assert!(text.contains("c01  甲  柜员  已停用"), "{text}");
        assert!(text.contains("s01  主管  主管  在用"), "{text}");
    }
}
