//! The two-field boxes of the counter screen: login and the supervisor's approval (clerk id,
//! PIN), and voiding a file (exam number, reason). One type, one way of typing into it; each
//! box names its fields and their limits.

use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use super::keymap::Action;

/// The longest clerk id accepted in a box.
pub const MAX_CLERK_ID: usize = 32;
/// The longest PIN accepted in a box.
pub const MAX_PIN: usize = 12;
/// The longest exam number (12 digits today; room for a longer office scheme).
pub const MAX_EXAM_NO: usize = 18;
/// The longest free text: a void's reason, a note, the "other" return reason.
pub const MAX_TEXT: usize = 200;

/// Which of the two fields has the cursor.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Field {
    First,
    Second,
}

/// The two values of a box, named by what they hold.
pub trait TwoFields {
    /// The longest value each field accepts, in characters (first, second).
    const LIMITS: (usize, usize);
    fn field_mut(&mut self, field: Field) -> &mut String;
    fn field(&self, field: Field) -> &str;
}

/// A clerk's id and PIN (login, locked screen, supervisor's approval).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Credentials {
    pub id: String,
    pub pin: String,
}

impl TwoFields for Credentials {
    const LIMITS: (usize, usize) = (MAX_CLERK_ID, MAX_PIN);

    fn field_mut(&mut self, field: Field) -> &mut String {
        match field {
            Field::First => &mut self.id,
            Field::Second => &mut self.pin,
        }
    }

    fn field(&self, field: Field) -> &str {
        match field {
            Field::First => &self.id,
            Field::Second => &self.pin,
        }
    }
}

/// The file a supervisor voids and why.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct VoidFields {
    pub exam_no: String,
    pub reason: String,
}

impl TwoFields for VoidFields {
    const LIMITS: (usize, usize) = (MAX_EXAM_NO, MAX_TEXT);

    fn field_mut(&mut self, field: Field) -> &mut String {
        match field {
            Field::First => &mut self.exam_no,
            Field::Second => &mut self.reason,
        }
    }

    fn field(&self, field: Field) -> &str {
        match field {
            Field::First => &self.exam_no,
            Field::Second => &self.reason,
        }
    }
}

/// A box of two fields with the cursor in one of them, the last refusal, and whether an answer
/// is awaited (keys are then ignored: the values were sent).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Form<F> {
    pub fields: F,
    pub focus: Field,
    pub error: Option<String>,
    pub busy: bool,
}

pub type LoginForm = Form<Credentials>;
pub type VoidForm = Form<VoidFields>;

impl LoginForm {
    /// A login box; with the id known (a locked screen) the cursor starts in the PIN.
    pub fn new(id: &str) -> Self {
        let focus = if id.is_empty() {
            Field::First
        } else {
            Field::Second
        };
        Form {
            fields: Credentials {
                id: id.to_owned(),
                pin: String::new(),
            },
            focus,
            error: None,
            busy: false,
        }
    }
}

impl<F: TwoFields + Default> Default for Form<F> {
    fn default() -> Self {
        Form {
            fields: F::default(),
            focus: Field::First,
            error: None,
            busy: false,
        }
    }
}

/// What a key did to a box.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FormKey {
    /// The box changed (or not); it stays open.
    Stay,
    /// Both fields are given: the box is submitted.
    Submit,
}

impl<F: TwoFields> Form<F> {
    /// Tab moves between the fields; Enter in the first field moves on while the second is
    /// empty and submits otherwise; Enter in the second submits; other keys edit the field.
    pub fn key(&mut self, key: &KeyEvent, action: Option<Action>) -> FormKey {
        if self.busy {
            return FormKey::Stay;
        }
        match action {
            Some(Action::NextField) => self.focus = self.other_field(),
            Some(Action::Submit)
                if self.focus == Field::First && self.fields.field(Field::Second).is_empty() =>
            {
                self.focus = Field::Second;
            }
            Some(Action::Submit) => return FormKey::Submit,
            _ => {
                let max = match self.focus {
                    Field::First => F::LIMITS.0,
                    Field::Second => F::LIMITS.1,
                };
                edit(self.fields.field_mut(self.focus), key, max);
            }
        }
        FormKey::Stay
    }

    fn other_field(&self) -> Field {
        match self.focus {
            Field::First => Field::Second,
            Field::Second => Field::First,
        }
    }
}

/// A Ctrl- or Alt- chord: a command, never a character to type.
pub fn is_chord(key: &KeyEvent) -> bool {
    key.modifiers
        .intersects(KeyModifiers::CONTROL | KeyModifiers::ALT)
}

/// Edits a text field with a key that is not bound to an action: Backspace deletes, Ctrl-U
/// empties the field, a printable character is added while the text is shorter than `max`
/// characters; other Ctrl- and Alt- chords type nothing.
pub fn edit(text: &mut String, key: &KeyEvent, max: usize) {
    if is_chord(key) {
        if key.code == KeyCode::Char('u') {
            text.clear();
        }
        return;
    }
    match key.code {
        KeyCode::Backspace => {
            text.pop();
        }
        KeyCode::Char(c) if !c.is_control() && text.chars().count() < max => text.push(c),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn typed(form: &mut VoidForm, text: &str) {
        for c in text.chars() {
            let key = KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE);
            assert_eq!(form.key(&key, None), FormKey::Stay);
        }
    }

    #[test]
    fn each_field_keeps_its_own_limit() {
        let mut form = VoidForm::default();
        typed(&mut form, &"1".repeat(MAX_EXAM_NO + 5));
        assert_eq!(form.fields.exam_no.chars().count(), MAX_EXAM_NO);
        let enter = KeyEvent::new(KeyCode::Enter, KeyModifiers::NONE);
        assert_eq!(form.key(&enter, Some(Action::Submit)), FormKey::Stay);
        assert_eq!(form.focus, Field::Second);
        typed(&mut form, &"因".repeat(MAX_TEXT + 5));
        assert_eq!(form.fields.reason.chars().count(), MAX_TEXT);
        assert_eq!(form.key(&enter, Some(Action::Submit)), FormKey::Submit);
    }

    #[test]
    fn a_busy_box_ignores_keys() {
        let mut form = LoginForm::new("c01");
        form.busy = true;
        let key = KeyEvent::new(KeyCode::Char('1'), KeyModifiers::NONE);
        assert_eq!(form.key(&key, None), FormKey::Stay);
        assert!(form.fields.pin.is_empty());
    }
}
