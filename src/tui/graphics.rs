//! Which picture the terminal can show: Sixel, Kitty or iTerm2 inline images, or half blocks.
//! The terminal is asked once, before the screen starts reading keys (its answers would
//! otherwise arrive as key presses); the configuration may force a protocol instead
//! (`photo_protocol`). Deciding from the answers is pure; asking is the edge.

use std::io::Write;
use std::time::{Duration, Instant};

use ratatui_image::picker::cap_parser::{Parser, QueryStdioOptions, Response};

pub use crate::config::PhotoProtocol;

/// How the counter draws photos on this terminal.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Graphics {
    pub kind: Kind,
    /// One character cell in pixels (width, height): a picture of `cols × rows` cells is
    /// encoded at `cols × width` by `rows × height` pixels.
    pub cell: (u16, u16),
    /// Inside tmux: pictures are wrapped for tmux to pass them through.
    pub tmux: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Halfblocks,
    Sixel,
    Kitty,
    Iterm2,
}

/// The cell size assumed when the terminal does not say (a common 10 × 20 pixel font).
pub const DEFAULT_CELL: (u16, u16) = (10, 20);

impl Graphics {
    pub const HALFBLOCKS: Graphics = Graphics {
        kind: Kind::Halfblocks,
        cell: DEFAULT_CELL,
        tmux: false,
    };
}

/// Environment variables that tell an iTerm2-protocol terminal, which has no query answer of
/// its own (as ratatui-image reads them).
#[derive(Debug, Clone, Default)]
pub struct EnvHints {
    pub term: Option<String>,
    pub term_program: Option<String>,
    pub lc_terminal: Option<String>,
}

impl EnvHints {
    pub fn from_env() -> Self {
        Self {
            term: std::env::var("TERM").ok(),
            term_program: std::env::var("TERM_PROGRAM").ok(),
            lc_terminal: std::env::var("LC_TERMINAL").ok(),
        }
    }

    fn tmux(&self) -> bool {
        self.term.as_deref().is_some_and(|t| t.starts_with("tmux"))
            || self.term_program.as_deref() == Some("tmux")
    }

    fn iterm2(&self) -> bool {
        const ITERM2_PROGRAMS: [&str; 5] = ["iTerm", "WezTerm", "mintty", "vscode", "Tabby"];
        self.term_program
            .as_deref()
            .is_some_and(|p| ITERM2_PROGRAMS.iter().any(|known| p.contains(known)))
            || self
                .lc_terminal
                .as_deref()
                .is_some_and(|t| t.contains("iTerm"))
    }
}

/// The protocol the configuration asks for; `Auto` takes what `detected` finds. A forced
/// protocol keeps the cell size the terminal reported, if it was asked.
pub fn choose(configured: PhotoProtocol, detected: Graphics) -> Graphics {
    let kind = match configured {
        PhotoProtocol::Auto => return detected,
        PhotoProtocol::Sixel => Kind::Sixel,
        PhotoProtocol::Kitty => Kind::Kitty,
        PhotoProtocol::Iterm2 => Kind::Iterm2,
        PhotoProtocol::Halfblocks => Kind::Halfblocks,
    };
    Graphics { kind, ..detected }
}

/// What the terminal's answers say: Kitty graphics over Sixel (Kitty's is lossless), iTerm2
/// from the environment, else half blocks. Pure.
pub fn from_answers(answers: &[Response], env: &EnvHints) -> Graphics {
    let has = |wanted: &Response| answers.iter().any(|a| a == wanted);
    let kind = if has(&Response::Kitty) {
        Kind::Kitty
    } else if has(&Response::Sixel) {
        Kind::Sixel
    } else if env.iterm2() {
        Kind::Iterm2
    } else {
        Kind::Halfblocks
    };
    let cell = answers
        .iter()
        .find_map(|a| match a {
            Response::CellSize(Some((w, h))) if *w > 0 && *h > 0 => Some((*w, *h)),
            _ => None,
        })
        .unwrap_or(DEFAULT_CELL);
    Graphics {
        kind,
        cell,
        tmux: env.tmux(),
    }
}

/// How long a terminal may take to answer before it is taken for one that cannot show
/// pictures (every terminal answers the status report at the end of the query at once).
pub const ANSWER_TIMEOUT: Duration = Duration::from_millis(1_000);

/// Asks the terminal whose keys come from `input` (a raw-mode tty) and whose screen is
/// `output`, and reads its answers up to the status report or `timeout`.
#[cfg(unix)]
pub fn detect(
    input: &impl std::os::fd::AsFd,
    output: &mut impl Write,
    timeout: Duration,
    env: &EnvHints,
) -> Graphics {
    let query = Parser::query(false, QueryStdioOptions::default());
    if output
        .write_all(query.as_bytes())
        .and_then(|()| output.flush())
        .is_err()
    {
        return Graphics::HALFBLOCKS;
    }
    from_answers(&read_answers(input, Instant::now() + timeout), env)
}

/// Windows consoles do not pass the answers back reliably: half blocks unless the
/// configuration names a protocol (Windows Terminal shows Sixel).
#[cfg(not(unix))]
pub fn detect<I, O: Write>(
    _input: &I,
    _output: &mut O,
    _timeout: Duration,
    _env: &EnvHints,
) -> Graphics {
    Graphics::HALFBLOCKS
}

/// The answers read from `input` until the status report (the query's last answer) or the
/// deadline. Never blocks past the deadline: each read waits for readiness first.
#[cfg(unix)]
fn read_answers(input: &impl std::os::fd::AsFd, deadline: Instant) -> Vec<Response> {
    use std::os::fd::AsRawFd;
    let fd = input.as_fd().as_raw_fd();
    let mut parser = Parser::new();
    let mut answers = Vec::new();
    let mut buf = [0u8; 256];
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() || !readable(fd, left) {
            return answers;
        }
        // SAFETY: `buf` is a valid, writable buffer of `buf.len()` bytes; `fd` is open for
        // the whole call (borrowed from `input`).
        let got = unsafe { libc::read(fd, buf.as_mut_ptr().cast(), buf.len()) };
        let Ok(got) = usize::try_from(got) else {
            return answers;
        };
        if got == 0 {
            return answers;
        }
        for byte in &buf[..got] {
            for answer in parser.push(char::from(*byte)) {
                if answer == Response::Status {
                    return answers;
                }
                answers.push(answer);
            }
        }
    }
}

/// Whether `fd` has bytes to read within `wait`.
#[cfg(unix)]
fn readable(fd: std::os::fd::RawFd, wait: Duration) -> bool {
    let mut poll = libc::pollfd {
        fd,
        events: libc::POLLIN,
        revents: 0,
    };
    let millis = libc::c_int::try_from(wait.as_millis()).unwrap_or(libc::c_int::MAX);
    // SAFETY: one valid pollfd, and its count is 1.
    let ready = unsafe { libc::poll(&mut poll, 1, millis.max(1)) };
    ready > 0 && poll.revents & libc::POLLIN != 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kitty_over_sixel_over_iterm2_over_half_blocks() {
        let none = EnvHints::default();
        let iterm = EnvHints {
            term_program: Some("iTerm.app".into()),
            ..EnvHints::default()
        };
        let cell = Response::CellSize(Some((9, 18)));
        let pick = |answers: &[Response], env: &EnvHints| from_answers(answers, env).kind;
        assert_eq!(
            pick(&[Response::Sixel, Response::Kitty], &none),
            Kind::Kitty
        );
        assert_eq!(pick(&[Response::Sixel], &iterm), Kind::Sixel);
        assert_eq!(pick(&[], &iterm), Kind::Iterm2);
        assert_eq!(pick(&[Response::RectangularOps], &none), Kind::Halfblocks);
        assert_eq!(from_answers(&[cell], &none).cell, (9, 18));
        assert_eq!(from_answers(&[], &none).cell, DEFAULT_CELL);
        assert_eq!(
            from_answers(&[Response::CellSize(Some((0, 18)))], &none).cell,
            DEFAULT_CELL
        );
    }

    #[test]
    fn the_configuration_forces_a_protocol_and_keeps_the_cell_size() {
        let detected = Graphics {
            kind: Kind::Halfblocks,
            cell: (8, 16),
            tmux: false,
        };
        assert_eq!(choose(PhotoProtocol::Auto, detected), detected);
        assert_eq!(
            choose(PhotoProtocol::Sixel, detected),
            Graphics {
                kind: Kind::Sixel,
                ..detected
            }
        );
    }
}
