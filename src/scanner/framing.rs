//! Byte framing for serial barcode readers (DESIGN §3 "Scan payloads").
//!
//! Pure: byte chunks and the instant they arrived go in, events come out. No I/O and no clock,
//! so every timing rule (partial frames, double reads) is tested with made-up instants.
//!
//! Rules:
//! - CR, LF and CRLF end a frame whatever the setting, because readers are often set to send
//!   one of them while the counter was told another; Tab ends a frame only when configured
//!   (otherwise it is a control byte, and the frame is rejected). Empty frames (the LF of a
//!   CRLF, a lone terminator) are ignored.
//! - The configured prefix and suffix are stripped first (readers often wrap a code in STX/ETX).
//! - At most [`MAX_FRAME`] bytes; an overlong frame is rejected once and skipped up to the next
//!   terminator.
//! - Non-UTF-8 or control characters reject the frame.
//! - A frame not terminated within [`PARTIAL_TIMEOUT`] of its last byte is discarded, never
//!   delivered: a partial scan must not look like a short code.
//! - The same text again within [`DOUBLE_READ_WINDOW`] of its delivery is the reader reading
//!   twice: it is reported as [`FrameEvent::Duplicate`], not as a scan.

use std::fmt;
use std::str::FromStr;
use std::time::{Duration, Instant};

use thiserror::Error;

use crate::strings;

/// Longest frame accepted, without its terminator (prefix and suffix included).
pub const MAX_FRAME: usize = 512;
/// A partial frame older than this (since its last byte) is discarded.
pub const PARTIAL_TIMEOUT: Duration = Duration::from_millis(500);
/// The same text delivered again within this time counts once.
pub const DOUBLE_READ_WINDOW: Duration = Duration::from_secs(1);

/// What the reader is set to send after each code.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Terminator {
    /// Carriage return, the factory setting of most serial readers.
    #[default]
    Cr,
    Lf,
    CrLf,
    Tab,
}

impl Terminator {
    /// The spelling used in `config.toml` and on the command line.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Cr => "CR",
            Self::Lf => "LF",
            Self::CrLf => "CRLF",
            Self::Tab => "Tab",
        }
    }

    fn ends_frame(self, byte: u8) -> bool {
        byte == b'\r' || byte == b'\n' || (self == Self::Tab && byte == b'\t')
    }
}

impl fmt::Display for Terminator {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Terminator {
    type Err = String;

    /// `CR`, `LF`, `CRLF` or `Tab`, in any case.
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        match text.trim().to_ascii_uppercase().as_str() {
            "CR" => Ok(Self::Cr),
            "LF" => Ok(Self::Lf),
            "CRLF" => Ok(Self::CrLf),
            "TAB" => Ok(Self::Tab),
            _ => Err(strings::CONFIG_TERMINATOR.to_owned()),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct FramerConfig {
    pub terminator: Terminator,
    /// Bytes the reader puts before each code; stripped when present.
    pub prefix: Vec<u8>,
    /// Bytes the reader puts after each code, before the terminator; stripped when present.
    pub suffix: Vec<u8>,
}

/// Why a frame was rejected. The message says what the clerk should do.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum FrameError {
    #[error("{}", strings::SCANNER_FRAME_TOO_LONG)]
    TooLong,
    #[error("{}", strings::SCANNER_FRAME_NOT_UTF8)]
    NotUtf8,
    /// `position` counts characters from 1, after the prefix was stripped.
    #[error(
        "{}{position}{}",
        strings::SCANNER_FRAME_CONTROL,
        strings::SCANNER_FRAME_CONTROL_END
    )]
    ControlChar { position: usize },
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FrameEvent {
    /// A complete, valid frame: the code as text, prefix and suffix stripped.
    Scan(String),
    Rejected(FrameError),
    /// A partial frame of `len` bytes that was never terminated (timeout or disconnect).
    Discarded {
        len: usize,
    },
    /// The text of the previous scan again, within [`DOUBLE_READ_WINDOW`]: not a new scan.
    Duplicate(String),
}

impl FrameEvent {
    /// The message for the clerk when this event is a problem; `None` for a scan or a duplicate.
    pub fn problem(&self) -> Option<String> {
        match self {
            Self::Rejected(e) => Some(e.to_string()),
            Self::Discarded { len } => Some(strings::scanner_partial_discarded(*len)),
            Self::Scan(_) | Self::Duplicate(_) => None,
        }
    }
}

/// Turns the byte stream of one reader into frames.
#[derive(Debug, Clone)]
pub struct Framer {
    config: FramerConfig,
    buf: Vec<u8>,
    /// An overlong frame was rejected; its bytes are skipped up to the next terminator.
    skipping: bool,
    last_byte_at: Option<Instant>,
    last_scan: Option<(String, Instant)>,
}

impl Framer {
    pub fn new(config: FramerConfig) -> Self {
        Self {
            config,
            buf: Vec::with_capacity(MAX_FRAME),
            skipping: false,
            last_byte_at: None,
            last_scan: None,
        }
    }

    pub fn config(&self) -> &FramerConfig {
        &self.config
    }

    /// Feeds the bytes of one read, received at `now`. Events come out in stream order.
    pub fn push(&mut self, chunk: &[u8], now: Instant) -> Vec<FrameEvent> {
        // A stale partial frame is dropped before new bytes can complete it.
        let mut events = self.poll(now);
        for &byte in chunk {
            self.push_byte(byte, now, &mut events);
        }
        if !chunk.is_empty() {
            self.last_byte_at = Some(now);
        }
        events
    }

    /// Discards a partial frame whose last byte is older than [`PARTIAL_TIMEOUT`]. Call it when
    /// a read returns nothing, so the warning comes even if the reader stays silent.
    pub fn poll(&mut self, now: Instant) -> Vec<FrameEvent> {
        let stale = self
            .last_byte_at
            .is_some_and(|at| now.saturating_duration_since(at) > PARTIAL_TIMEOUT);
        if stale && self.pending() {
            self.reset().into_iter().collect()
        } else {
            Vec::new()
        }
    }

    /// Drops whatever partial frame there is (the device went away); reports it if it had bytes.
    /// The double-read memory is kept: a reconnect must not let a double read through.
    pub fn reset(&mut self) -> Option<FrameEvent> {
        self.last_byte_at = None;
        self.skipping = false;
        let len = self.buf.len();
        self.buf.clear();
        (len > 0).then_some(FrameEvent::Discarded { len })
    }

    /// True while bytes of an unterminated frame are held (or an overlong one is skipped).
    pub fn pending(&self) -> bool {
        !self.buf.is_empty() || self.skipping
    }

    fn push_byte(&mut self, byte: u8, now: Instant, events: &mut Vec<FrameEvent>) {
        if self.config.terminator.ends_frame(byte) {
            if !std::mem::take(&mut self.skipping) {
                self.finish(now, events);
            }
        } else if self.skipping {
            // Still inside an overlong frame: already reported.
        } else if self.buf.len() == MAX_FRAME {
            self.buf.clear();
            self.skipping = true;
            events.push(FrameEvent::Rejected(FrameError::TooLong));
        } else {
            self.buf.push(byte);
        }
    }

    fn finish(&mut self, now: Instant, events: &mut Vec<FrameEvent>) {
        let decoded = decode(&self.buf, &self.config);
        self.buf.clear();
        match decoded {
            Ok(text) if text.is_empty() => {}
            Ok(text) => events.push(self.dedupe(text, now)),
            Err(e) => events.push(FrameEvent::Rejected(e)),
        }
    }

    fn dedupe(&mut self, text: String, now: Instant) -> FrameEvent {
        if let Some((last, at)) = &self.last_scan
            && *last == text
            && now.saturating_duration_since(*at) <= DOUBLE_READ_WINDOW
        {
            return FrameEvent::Duplicate(text);
        }
        self.last_scan = Some((text.clone(), now));
        FrameEvent::Scan(text)
    }
}

/// Strips prefix and suffix (before the checks: they are often control bytes such as STX/ETX)
/// and checks the rest is printable UTF-8 text.
fn decode(raw: &[u8], config: &FramerConfig) -> Result<String, FrameError> {
    let body = raw.strip_prefix(config.prefix.as_slice()).unwrap_or(raw);
    let body = body.strip_suffix(config.suffix.as_slice()).unwrap_or(body);
    let text = std::str::from_utf8(body).map_err(|_| FrameError::NotUtf8)?;
    if let Some(index) = text.chars().position(char::is_control) {
        return Err(FrameError::ControlChar {
            position: index + 1,
        });
    }
    Ok(text.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    const CODE: &str = "ZK1|010523100123|2023H1|0104|20230601|c2lnbmF0dXJlX2J5dGVz";

    fn framer(terminator: Terminator) -> Framer {
        Framer::new(FramerConfig {
            terminator,
            ..FramerConfig::default()
        })
    }

    fn ms(t0: Instant, millis: u64) -> Instant {
        t0 + Duration::from_millis(millis)
    }

    fn scan(text: &str) -> FrameEvent {
        FrameEvent::Scan(text.to_owned())
    }

    #[test]
    fn every_split_point_gives_the_same_single_scan() {
        let frame = format!("{CODE}\r\n");
        let bytes = frame.as_bytes();
        for cut in 0..=bytes.len() {
            let mut f = framer(Terminator::CrLf);
            let t0 = Instant::now();
            let mut events = f.push(&bytes[..cut], t0);
            events.extend(f.push(&bytes[cut..], ms(t0, 10)));
            assert_eq!(events, vec![scan(CODE)], "split at {cut}");
            assert!(!f.pending(), "split at {cut}");
        }
    }

    #[test]
    fn byte_by_byte_and_every_pair_of_cuts() {
        let frame = format!("考生{CODE}\r");
        let bytes = frame.as_bytes();
        let t0 = Instant::now();
        let mut f = framer(Terminator::Cr);
        let mut events = Vec::new();
        for (i, b) in bytes.iter().enumerate() {
            events.extend(f.push(std::slice::from_ref(b), ms(t0, i as u64)));
        }
        assert_eq!(events, vec![scan(&frame[..frame.len() - 1])]);

        // Cut in three: UTF-8 characters split across reads must survive.
        for a in 0..=bytes.len() {
            for b in a..=bytes.len() {
                let mut f = framer(Terminator::Cr);
                let mut events = f.push(&bytes[..a], t0);
                events.extend(f.push(&bytes[a..b], t0));
                events.extend(f.push(&bytes[b..], t0));
                assert_eq!(
                    events,
                    vec![scan(&frame[..frame.len() - 1])],
                    "cuts {a} {b}"
                );
            }
        }
    }

    #[test]
    fn several_frames_in_one_chunk_in_order() {
        let mut f = framer(Terminator::CrLf);
        let t0 = Instant::now();
        let events = f.push(b"AAA\r\nBBB\r\nCCC\r\nDD", t0);
        assert_eq!(events, vec![scan("AAA"), scan("BBB"), scan("CCC")]);
        assert_eq!(f.push(b"D\r\n", ms(t0, 5)), vec![scan("DDD")]);
    }

    #[test]
    fn all_line_terminators_end_a_frame_whatever_the_setting() {
        for terminator in [
            Terminator::Cr,
            Terminator::Lf,
            Terminator::CrLf,
            Terminator::Tab,
        ] {
            for ending in ["\r", "\n", "\r\n"] {
                let mut f = framer(terminator);
                let t0 = Instant::now();
                let input = format!("ONE{ending}TWO{ending}");
                let events = f.push(input.as_bytes(), t0);
                assert_eq!(
                    events,
                    vec![scan("ONE"), scan("TWO")],
                    "{terminator} {ending:?}"
                );
            }
        }
    }

    #[test]
    fn tab_ends_a_frame_only_when_configured() {
        let t0 = Instant::now();
        let mut f = framer(Terminator::Tab);
        assert_eq!(f.push(b"ONE\tTWO\t", t0), vec![scan("ONE"), scan("TWO")]);

        let mut f = framer(Terminator::Cr);
        let events = f.push(b"ONE\tTWO\r", t0);
        assert_eq!(
            events,
            vec![FrameEvent::Rejected(FrameError::ControlChar {
                position: 4
            })]
        );
    }

    #[test]
    fn crlf_split_between_reads_is_one_terminator() {
        let mut f = framer(Terminator::CrLf);
        let t0 = Instant::now();
        assert_eq!(f.push(b"ABC\r", t0), vec![scan("ABC")]);
        assert_eq!(f.push(b"\n", ms(t0, 1)), vec![]);
        assert_eq!(f.push(b"\r\n\r\n\n\r", ms(t0, 2)), vec![]);
        assert!(!f.pending());
    }

    #[test]
    fn noise_and_control_bytes_reject_the_frame_and_spare_the_next() {
        let t0 = Instant::now();
        let mut f = framer(Terminator::Cr);
        let events = f.push(b"\x00\x1b[2J\r\x7fABC\rGOOD\r", t0);
        assert_eq!(
            events,
            vec![
                FrameEvent::Rejected(FrameError::ControlChar { position: 1 }),
                FrameEvent::Rejected(FrameError::ControlChar { position: 1 }),
                scan("GOOD"),
            ]
        );
        // C1 controls (U+0080..U+009F) are control characters too.
        let events = f.push("AB\u{85}C\r".as_bytes(), t0);
        assert_eq!(
            events,
            vec![FrameEvent::Rejected(FrameError::ControlChar {
                position: 3
            })]
        );
    }

    #[test]
    fn non_utf8_is_rejected() {
        let t0 = Instant::now();
        let mut f = framer(Terminator::Cr);
        // GBK bytes of 考生, as a reader in a legacy code page would send them.
        let events = f.push(b"\xbf\xbc\xc9\xfa\rOK\r", t0);
        assert_eq!(
            events,
            vec![FrameEvent::Rejected(FrameError::NotUtf8), scan("OK")]
        );
        // A UTF-8 character cut by a terminator is not UTF-8.
        let events = f.push(b"\xe8\x80\r", t0);
        assert_eq!(events, vec![FrameEvent::Rejected(FrameError::NotUtf8)]);
    }

    #[test]
    fn max_length_frame_is_accepted() {
        let t0 = Instant::now();
        let mut f = framer(Terminator::Cr);
        let text = "9".repeat(MAX_FRAME);
        assert_eq!(
            f.push(format!("{text}\r").as_bytes(), t0),
            vec![scan(&text)]
        );
    }

    #[test]
    fn overlong_frame_is_rejected_once_and_skipped_to_its_terminator() {
        let t0 = Instant::now();
        let long = "8".repeat(MAX_FRAME + 1);
        for cut in [0, 1, MAX_FRAME, MAX_FRAME + 1, MAX_FRAME + 100] {
            let mut f = framer(Terminator::Cr);
            let input = format!("{long}{long}\rNEXT\r");
            let (a, b) = input.as_bytes().split_at(cut);
            let mut events = f.push(a, t0);
            events.extend(f.push(b, ms(t0, 1)));
            assert_eq!(
                events,
                vec![FrameEvent::Rejected(FrameError::TooLong), scan("NEXT")],
                "cut {cut}"
            );
        }
    }

    #[test]
    fn overlong_skipping_ends_at_the_timeout() {
        let t0 = Instant::now();
        let mut f = framer(Terminator::Cr);
        let long = "8".repeat(MAX_FRAME + 1);
        assert_eq!(
            f.push(long.as_bytes(), t0),
            vec![FrameEvent::Rejected(FrameError::TooLong)]
        );
        // Already reported: the timeout drops it silently, and the next code is whole.
        assert_eq!(f.poll(ms(t0, 501)), vec![]);
        assert_eq!(f.push(b"NEXT\r", ms(t0, 600)), vec![scan("NEXT")]);
    }

    #[test]
    fn unterminated_frame_then_a_good_one_after_the_timeout() {
        let t0 = Instant::now();
        let mut f = framer(Terminator::Cr);
        assert_eq!(f.push(b"01052310", t0), vec![]);
        // Still within 500 ms of its last byte: kept.
        assert_eq!(f.poll(ms(t0, 500)), vec![]);
        assert!(f.pending());
        assert_eq!(f.poll(ms(t0, 501)), vec![FrameEvent::Discarded { len: 8 }]);
        assert!(!f.pending());
        assert_eq!(
            f.push(b"010523100123\r", ms(t0, 700)),
            vec![scan("010523100123")]
        );
    }

    #[test]
    fn stale_partial_is_dropped_when_new_bytes_come_without_a_poll() {
        let t0 = Instant::now();
        let mut f = framer(Terminator::Cr);
        assert_eq!(f.push(b"0105", t0), vec![]);
        assert_eq!(
            f.push(b"010523100123\r", ms(t0, 900)),
            vec![FrameEvent::Discarded { len: 4 }, scan("010523100123")]
        );
    }

    #[test]
    fn the_timeout_counts_from_the_last_byte() {
        let t0 = Instant::now();
        let mut f = framer(Terminator::Cr);
        f.push(b"AB", t0);
        f.push(b"CD", ms(t0, 400));
        assert_eq!(f.poll(ms(t0, 800)), vec![]);
        assert_eq!(f.push(b"EF\r", ms(t0, 850)), vec![scan("ABCDEF")]);
    }

    #[test]
    fn reset_reports_a_partial_frame() {
        let t0 = Instant::now();
        let mut f = framer(Terminator::Cr);
        assert_eq!(f.reset(), None);
        f.push(b"ABC", t0);
        assert_eq!(f.reset(), Some(FrameEvent::Discarded { len: 3 }));
        assert_eq!(f.push(b"DEF\r", t0), vec![scan("DEF")]);
    }

    #[test]
    fn double_read_within_a_second_counts_once() {
        let t0 = Instant::now();
        let mut f = framer(Terminator::Cr);
        assert_eq!(f.push(b"SAME\r", t0), vec![scan("SAME")]);
        assert_eq!(
            f.push(b"SAME\r", ms(t0, 300)),
            vec![FrameEvent::Duplicate("SAME".into())]
        );
        // The window runs from the delivered scan, not from the duplicate.
        assert_eq!(
            f.push(b"SAME\r", ms(t0, 1000)),
            vec![FrameEvent::Duplicate("SAME".into())]
        );
        assert_eq!(f.push(b"SAME\r", ms(t0, 1001)), vec![scan("SAME")]);
    }

    #[test]
    fn double_read_in_one_chunk_counts_once() {
        let t0 = Instant::now();
        let mut f = framer(Terminator::CrLf);
        assert_eq!(
            f.push(b"SAME\r\nSAME\r\n", t0),
            vec![scan("SAME"), FrameEvent::Duplicate("SAME".into())]
        );
    }

    #[test]
    fn same_code_after_a_second_counts_twice() {
        let t0 = Instant::now();
        let mut f = framer(Terminator::Cr);
        assert_eq!(f.push(b"SAME\r", t0), vec![scan("SAME")]);
        assert_eq!(f.push(b"SAME\r", ms(t0, 1500)), vec![scan("SAME")]);
    }

    #[test]
    fn another_code_in_between_is_not_a_double_read() {
        let t0 = Instant::now();
        let mut f = framer(Terminator::Cr);
        let events = f.push(b"A\rB\rA\r", t0);
        assert_eq!(events, vec![scan("A"), scan("B"), scan("A")]);
    }

    #[test]
    fn prefix_and_suffix_are_stripped_before_the_checks() {
        let t0 = Instant::now();
        let mut f = Framer::new(FramerConfig {
            terminator: Terminator::CrLf,
            prefix: b"\x02".to_vec(),
            suffix: b"\x03".to_vec(),
        });
        let events = f.push(b"\x02CODE1\x03\r\nCODE2\r\n\x02CO\x03DE\x03\r\n", t0);
        assert_eq!(
            events,
            vec![
                scan("CODE1"),
                scan("CODE2"),
                FrameEvent::Rejected(FrameError::ControlChar { position: 3 }),
            ]
        );
        // Only the wrapper: an empty code, ignored.
        assert_eq!(f.push(b"\x02\x03\r\n", t0), vec![]);
    }

    #[test]
    fn empty_input_changes_nothing() {
        let t0 = Instant::now();
        let mut f = framer(Terminator::Cr);
        assert_eq!(f.push(b"", t0), vec![]);
        assert_eq!(f.poll(ms(t0, 10_000)), vec![]);
        f.push(b"AB", t0);
        // An empty read does not refresh the partial frame's age.
        assert_eq!(f.push(b"", ms(t0, 400)), vec![]);
        assert_eq!(f.poll(ms(t0, 501)), vec![FrameEvent::Discarded { len: 2 }]);
    }

    #[test]
    fn terminator_parses_the_config_spellings() {
        for t in [
            Terminator::Cr,
            Terminator::Lf,
            Terminator::CrLf,
            Terminator::Tab,
        ] {
            assert_eq!(t.as_str().parse::<Terminator>(), Ok(t));
        }
        assert_eq!("crlf".parse::<Terminator>(), Ok(Terminator::CrLf));
        assert!("NUL".parse::<Terminator>().is_err());
    }

    #[test]
    fn problems_have_chinese_messages() {
        let events = [
            FrameEvent::Rejected(FrameError::TooLong),
            FrameEvent::Rejected(FrameError::NotUtf8),
            FrameEvent::Rejected(FrameError::ControlChar { position: 2 }),
            FrameEvent::Discarded { len: 7 },
        ];
        for event in events {
            let message = event.problem().unwrap_or_default();
            assert!(message.contains("扫码"), "{message}");
        }
        assert_eq!(scan("X").problem(), None);
    }
}
