//! Reading a new PIN on the command line: one line of standard input (for scripts), or typed
//! twice on the terminal in raw mode, showing nothing of what is typed.

use std::io::{BufRead, IsTerminal, Write};

use ratatui::crossterm::event::{self, Event, KeyCode, KeyEventKind, KeyModifiers};
use ratatui::crossterm::terminal;

use crate::strings;

#[derive(Debug, thiserror::Error)]
pub enum PinError {
    #[error(transparent)]
    Stdin(#[from] std::io::Error),
    #[error("{}", strings::PIN_STDIN_EMPTY)]
    StdinEmpty,
    #[error("{}", strings::PIN_NOT_TERMINAL)]
    NotTerminal,
    #[error("{}", strings::CLERK_BAD_PIN)]
    Unacceptable,
    #[error("{}", strings::PIN_MISMATCH)]
    Mismatch,
    #[error("{}", strings::PIN_TERMINAL)]
    Terminal(#[source] std::io::Error),
    #[error("{}", strings::PIN_CANCELLED)]
    Cancelled,
}

/// A new PIN: one line of standard input with `pin_stdin`, else typed twice on the terminal
/// without echo.
pub fn read_new_pin(pin_stdin: bool) -> Result<String, PinError> {
    if pin_stdin {
        let mut line = String::new();
        std::io::stdin().lock().read_line(&mut line)?;
        let pin = line.trim().to_owned();
        if pin.is_empty() {
            return Err(PinError::StdinEmpty);
        }
        return Ok(pin);
    }
    if !std::io::stdin().is_terminal() {
        return Err(PinError::NotTerminal);
    }
    let first = read_hidden(strings::PIN_PROMPT)?;
    if !crate::store::pin_is_acceptable(&first) {
        return Err(PinError::Unacceptable);
    }
    let second = read_hidden(strings::PIN_AGAIN)?;
    if first != second {
        return Err(PinError::Mismatch);
    }
    Ok(first)
}

/// Ends raw mode when dropped, also while unwinding.
struct RawMode;

impl Drop for RawMode {
    fn drop(&mut self) {
        let _ = terminal::disable_raw_mode();
    }
}

/// Reads a line from the terminal in raw mode, showing nothing of what is typed. Esc or
/// Ctrl-C cancels. Raw mode ends on every path.
pub fn read_hidden(prompt: &str) -> Result<String, PinError> {
    // Echo goes off before the prompt shows: a PIN typed the moment the prompt appears must not
    // be echoed by the terminal.
    terminal::enable_raw_mode().map_err(PinError::Terminal)?;
    let raw = RawMode;
    eprint!("{prompt}");
    std::io::stderr().flush()?;
    let mut pin = String::new();
    let cancelled = loop {
        let Event::Key(key) = event::read().map_err(PinError::Terminal)? else {
            continue;
        };
        if key.kind == KeyEventKind::Release {
            continue;
        }
        match key.code {
            KeyCode::Enter => break false,
            KeyCode::Esc => break true,
            KeyCode::Char('c' | 'd') if key.modifiers.contains(KeyModifiers::CONTROL) => {
                break true;
            }
            KeyCode::Backspace => {
                pin.pop();
            }
            KeyCode::Char(c) => pin.push(c),
            _ => {}
        }
    };
    drop(raw);
    eprintln!();
    if cancelled {
        return Err(PinError::Cancelled);
    }
    Ok(pin)
}
