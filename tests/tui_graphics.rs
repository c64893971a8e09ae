//! Which picture protocol the counter finds, asked of a real pseudo-terminal whose other end
//! answers as a Sixel terminal, a Kitty terminal, a plain one, or not at all.
#![cfg(unix)]

use std::io::{Read, Write};
use std::time::{Duration, Instant};

use grad_intake::tui::graphics::{self, DEFAULT_CELL, EnvHints, Graphics, Kind};
use serialport::{SerialPort, TTYPort};

/// Plays the terminal on the master side: reads the query up to its status request (`ESC [5n`),
/// then writes `answer`. Returns what the program asked.
fn terminal(mut master: TTYPort, answer: &'static [u8]) -> std::thread::JoinHandle<Vec<u8>> {
    std::thread::spawn(move || {
        let mut asked = Vec::new();
        let mut buf = [0u8; 256];
        let deadline = Instant::now() + Duration::from_secs(10);
        while !asked.windows(4).any(|w| w == b"\x1b[5n") && Instant::now() < deadline {
            match master.read(&mut buf) {
                Ok(n) => asked.extend_from_slice(&buf[..n]),
                Err(e) if e.kind() == std::io::ErrorKind::TimedOut => {}
                Err(e) => panic!("reading the query: {e}"),
            }
        }
        master.write_all(answer).unwrap();
        master.flush().unwrap();
        // Keep the master open until the program has read the answer.
        std::thread::sleep(Duration::from_millis(300));
        asked
    })
}

/// `graphics::detect` on the slave side of a pseudo-terminal whose master answers `answer`.
fn detect_with(answer: &'static [u8], timeout: Duration) -> (Graphics, Vec<u8>) {
    let (master, slave) = TTYPort::pair().unwrap();
    let path = slave.name().unwrap();
    let mut tty = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .open(&path)
        .unwrap();
    let player = terminal(master, answer);
    let found = graphics::detect(
        &tty.try_clone().unwrap(),
        &mut tty,
        timeout,
        &EnvHints::default(),
    );
    let asked = player.join().unwrap();
    drop(slave);
    (found, asked)
}

#[test]
fn a_sixel_terminal_is_found_with_its_cell_size() {
    // DA1 with attribute 4 (Sixel), the cell size (CSI 6 ; height ; width t), the status.
    let (found, asked) = detect_with(b"\x1b[?62;4;22c\x1b[6;18;9t\x1b[0n", Duration::from_secs(5));
    assert_eq!(found.kind, Kind::Sixel);
    assert_eq!(found.cell, (9, 18));
    let asked = String::from_utf8_lossy(&asked);
    assert!(
        asked.contains("\x1b[c"),
        "device attributes asked: {asked:?}"
    );
    assert!(asked.contains("\x1b[16t"), "cell size asked: {asked:?}");
}

#[test]
fn a_kitty_terminal_is_preferred_over_its_sixel() {
    let (found, _) = detect_with(
        b"\x1b_Gi=31;OK\x1b\\\x1b[?62;4;22c\x1b[0n",
        Duration::from_secs(5),
    );
    assert_eq!(found.kind, Kind::Kitty);
    assert_eq!(found.cell, DEFAULT_CELL, "no cell size answered");
}

#[test]
fn a_terminal_without_pictures_gets_half_blocks() {
    let (found, _) = detect_with(b"\x1b[?62;22c\x1b[0n", Duration::from_secs(5));
    assert_eq!(found.kind, Kind::Halfblocks);
}

#[test]
fn a_terminal_that_does_not_answer_gets_half_blocks_in_time() {
    let started = Instant::now();
    let (found, _) = detect_with(b"", Duration::from_millis(300));
    assert_eq!(found.kind, Kind::Halfblocks);
    assert!(
        started.elapsed() < Duration::from_secs(8),
        "detect waited {:?}",
        started.elapsed()
    );
}
