//! The real binary in a real terminal (tmux): log in, scan as a keyboard-wedge reader types,
//! tick, accept, quit; the decision is in the database, also when the process is killed right
//! after the screen said it was saved.
#![cfg(unix)] // real ptys, file modes, tmux or cupsd: Unix only

mod common;
mod sync_support;

use std::process::Command;
use std::time::{Duration, Instant};

use common::office::Office;
use common::tmux::Tmux;

/// (exam_no, qr) of the first demo candidate: 专科, one item (the form).
fn first_candidate(office: &Office) -> (String, String) {
    let conn = rusqlite::Connection::open(office.db()).unwrap();
    let record: String = conn
        .query_row(
            "SELECT record FROM candidates ORDER BY exam_no LIMIT 1",
            [],
            |r| r.get(0),
        )
        .unwrap();
    let v: serde_json::Value = serde_json::from_str(&record).unwrap();
    (
        v["exam_no"].as_str().unwrap().to_owned(),
        v["qr"].as_str().unwrap().to_owned(),
    )
}

fn state_of(office: &Office, exam_no: &str) -> String {
    let out = office
        .cmd()
        .args(["check", exam_no, "--json"])
        .output()
        .unwrap();
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    v["intake"]["state"].as_str().unwrap().to_owned()
}

fn event_kinds(office: &Office) -> Vec<String> {
    let conn = rusqlite::Connection::open(office.db()).unwrap();
    let mut stmt = conn
        .prepare("SELECT kind FROM events ORDER BY seq")
        .unwrap();
    stmt.query_map([], |r| r.get(0))
        .unwrap()
        .map(Result::unwrap)
        .collect()
}

/// The counter screen in a 120×40 terminal.
struct Screen;

impl Screen {
    fn start(office: &Office, name: &str) -> Tmux {
        Self::start_with(office, name, &[])
    }

    /// The counter screen run with extra command-line `args`.
    fn start_with(office: &Office, name: &str, args: &[&str]) -> Tmux {
        Tmux::start(name, (120, 40), &Tmux::command(office, &args.join(" ")))
    }
}

fn log_in_and_accept(screen: &Tmux, qr: &str) {
    screen.wait_for("柜员登录");
    screen.type_line("c01");
    screen.type_line("1111");
    // The status bar names the clerk once logged in (the demo hint on the login box names
    // the id too, but not with the name).
    screen.wait_for("柜员 c01 演示柜员甲");
    screen.type_line(qr);
    screen.wait_for("二维码已验证");
    screen.keys(&["Space"]);
    screen.wait_for("[✓]");
    screen.keys(&["F2"]);
    screen.wait_for("确认受理");
    screen.keys(&["Enter"]);
    screen.wait_for("已受理，已保存");
}

#[test]
fn clerk_scans_ticks_accepts_and_quits() {
    let office = Office::demo();
    let (exam_no, qr) = first_candidate(&office);
    let screen = Screen::start(&office, "gi-accept");
    log_in_and_accept(&screen, &qr);
    screen.keys(&["F10"]);
    let start = Instant::now();
    while screen.alive() && start.elapsed() < Duration::from_secs(10) {
        std::thread::sleep(Duration::from_millis(100));
    }
    assert!(!screen.alive(), "F10 quits");
    assert_eq!(state_of(&office, &exam_no), "accepted");
    // The log of the whole run holds no full ID number of any candidate.
    let log = std::fs::read_to_string(office.path("grad-intake.log")).unwrap();
    assert!(log.contains(&exam_no), "the run is logged (by exam number)");
    let conn = rusqlite::Connection::open(office.db()).unwrap();
    let mut stmt = conn.prepare("SELECT id_no FROM candidates").unwrap();
    for id_no in stmt.query_map([], |r| r.get::<_, String>(0)).unwrap() {
        assert!(!log.contains(&id_no.unwrap()), "full ID number in the log");
    }
    assert_eq!(
        event_kinds(&office),
        ["intake_opened", "item_ticked", "accepted"]
    );
}

/// The card's photo line in the real program: the photo worker measures the demo photos against
/// the demo site's standard (Guangzhou's); the last demo candidate's background is light blue.
#[test]
fn the_card_shows_the_photo_measured_against_the_standard() {
    let office = Office::demo();
    let (exam_no, _) = first_candidate(&office);
    let screen = Screen::start(&office, "gi-photo-line");
    screen.wait_for("柜员登录");
    screen.type_line("c01");
    screen.type_line("1111");
    screen.wait_for("柜员 c01 演示柜员甲");
    screen.type_line(&exam_no);
    screen.wait_for("✓ 照片符合标准");
    screen.type_line("990126200030");
    screen.wait_for("✗ 照片不合标准：背景颜色");
}

/// A new user's first `grad-intake`: the demo office is set up and the login box says so,
/// with where the files went and an exam number to try, before anyone logs in.
#[test]
fn the_first_run_shows_what_it_set_up_in_the_login_box() {
    let office = Office::empty();
    let screen = Screen::start(&office, "gi-first-run");
    screen.wait_for("首次运行");
    let text = screen.text();
    assert!(text.contains("config.toml"), "{text}");
    assert!(text.contains("c01/1111"), "{text}");
    assert!(text.contains("990126200001"), "{text}");
    screen.type_line("c01");
    screen.type_line("1111");
    screen.wait_for("柜员 c01 演示柜员甲");
    screen.type_line("990126200001");
    screen.wait_for("990126200001");
}

#[test]
fn decision_survives_sigkill_right_after_accept() {
    let office = Office::demo();
    let (exam_no, qr) = first_candidate(&office);
    let screen = Screen::start(&office, "gi-kill");
    log_in_and_accept(&screen, &qr);
    let pid = screen.pid();
    assert!(
        Command::new("kill")
            .args(["-9", &pid.to_string()])
            .status()
            .unwrap()
            .success()
    );
    drop(screen);
    assert_eq!(state_of(&office, &exam_no), "accepted");
    // The counter starts again and shows the file as accepted, refusing a second accept.
    let screen = Screen::start(&office, "gi-restart");
    screen.wait_for("柜员登录");
    screen.type_line("c02");
    screen.type_line("2222");
    screen.wait_for("柜员 c02 演示柜员乙");
    screen.type_line(&exam_no);
    screen.wait_for("已受理：");
    assert!(
        screen.text().contains("c01"),
        "shows who accepted:\n{}",
        screen.text()
    );
}

#[test]
fn serial_reader_scan_opens_the_candidate() {
    use serialport::{SerialPort, TTYPort};
    use std::io::Write;
    let office = Office::demo();
    let (_, qr) = first_candidate(&office);
    let (master, slave) = TTYPort::pair().expect("a pseudo-terminal pair");
    let path = slave.name().expect("the slave has a path");
    // Our own handles are duplicated close-on-exec, so tmux's child does not inherit them.
    let mut master = master.try_clone_native().unwrap();
    let _slave = slave.try_clone_native().unwrap();
    let screen = Screen::start_with(&office, "gi-serial", &["--scanner", &path]);
    screen.wait_for("柜员登录");
    screen.type_line("c01");
    screen.type_line("1111");
    screen.wait_for("柜员 c01 演示柜员甲");
    screen.wait_for("扫码枪已连接");
    master.write_all(format!("{qr}\r").as_bytes()).unwrap();
    master.flush().unwrap();
    screen.wait_for("二维码已验证");
    assert!(screen.text().contains("演示"), "{}", screen.text());
    let _ = master.bytes_to_read();
}

#[test]
fn only_a_supervisor_reaches_the_supervisor_screen() {
    let office = Office::demo();
    let screen = Screen::start(&office, "gi-roles");
    screen.wait_for("柜员登录");
    screen.type_line("c01");
    screen.type_line("1111");
    screen.wait_for("柜员 c01 演示柜员甲");
    screen.keys(&["F8"]);
    screen.wait_for("仅主管可用");
    assert!(!screen.text().contains("受理统计"));
    // The supervisor logs in at the lock screen and opens the day's numbers.
    screen.keys(&["F7"]);
    screen.wait_for("屏幕已锁定");
    screen.keys(&["C-u"]);
    for _ in 0..3 {
        screen.keys(&["BSpace"]);
    }
    screen.keys(&["Tab"]);
    for _ in 0..3 {
        screen.keys(&["BSpace"]);
    }
    screen.type_line("s01");
    screen.type_line("9999");
    screen.wait_for("柜员 s01 演示主管");
    screen.keys(&["F8"]);
    screen.wait_for("受理统计");
    // 30 demo candidates, one of them of another site.
    screen.wait_for("本考点名单 29");
}

#[test]
fn the_counter_prints_the_receipt_and_the_form_on_a_real_cups() {
    let cups = common::cups::Cups::start();
    cups.add_queue("duplex", "duplex.ppd");
    let office = Office::demo();
    // A top-level key goes before the first [table] of the demo's configuration.
    let config = std::fs::read_to_string(office.path("config.toml")).unwrap();
    let printer = format!("printer = \"{}\"\n", cups.uri("duplex"));
    std::fs::write(office.path("config.toml"), printer + &config).unwrap();
    let (_, qr) = first_candidate(&office);
    let screen = Screen::start(&office, "gi-print");
    log_in_and_accept(&screen, &qr);
    screen.wait_for("就绪");
    screen.keys(&["F12"]);
    screen.wait_for("已打印");
    screen.keys(&["F11"]);
    screen.wait_for("各 2 份");
    let kinds = event_kinds(&office);
    assert_eq!(
        kinds[kinds.len() - 2..],
        ["printed", "printed"],
        "{kinds:?}"
    );
    let output = std::fs::read(cups.output("duplex")).unwrap();
    assert!(output.starts_with(b"%PDF"));
}

fn log_in(screen: &Tmux) {
    screen.wait_for("柜员登录");
    screen.type_line("c01");
    screen.type_line("1111");
    screen.wait_for("柜员 c01 演示柜员甲");
}

#[test]
fn search_past_one_screen_opens_the_fifteenth_row() {
    let office = Office::demo();
    let conn = rusqlite::Connection::open(office.db()).unwrap();
    let fifteenth: String = conn
        .query_row(
            "SELECT exam_no FROM candidates WHERE name LIKE '%演示%' ORDER BY exam_no
             LIMIT 1 OFFSET 14",
            [],
            |r| r.get(0),
        )
        .unwrap();
    let screen = Screen::start(&office, "gi-search");
    log_in(&screen);
    screen.keys(&["F5"]);
    screen.type_line("演示");
    screen.wait_for("第 1 / 共 20 条");
    assert!(!screen.text().contains(&fifteenth), "not on the first page");
    for _ in 0..14 {
        screen.keys(&["Down"]);
    }
    screen.wait_for("第 15 / 共 20 条");
    assert!(screen.text().contains(&fifteenth), "{}", screen.text());
    screen.keys(&["Enter"]);
    screen.wait_for("办理状态：未办理");
    let card = screen.text();
    assert!(card.contains(&fifteenth), "{card}");
    assert!(!card.contains("共 20 条"), "the list is closed:\n{card}");
    // Looking is not opening: nothing was written.
    assert!(
        event_kinds(&office).is_empty(),
        "{:?}",
        event_kinds(&office)
    );
}

#[test]
fn a_return_whose_note_has_spaces_keeps_the_chosen_reasons() {
    let office = Office::demo();
    let (exam_no, qr) = first_candidate(&office);
    let screen = Screen::start(&office, "gi-return");
    log_in(&screen);
    screen.type_line(&qr);
    screen.wait_for("二维码已验证");
    screen.keys(&["F3"]);
    screen.wait_for("补充说明");
    // Pick the second reason, then type a note with spaces into the note field.
    screen.keys(&["Down"]);
    screen.keys(&["Space"]);
    screen.wait_for("[✓]");
    screen.keys(&["Tab"]);
    screen.wait_for("▶ 补充说明");
    let note = "第 2 页 缺 公章 请 补";
    screen.keys(&["-l", note]);
    screen.wait_for(note);
    assert_eq!(screen.text().matches("[✓]").count(), 1, "{}", screen.text());
    screen.keys(&["Enter"]);
    screen.wait_for("已退回补正，已保存");
    assert_eq!(state_of(&office, &exam_no), "returned");
    let conn = rusqlite::Connection::open(office.db()).unwrap();
    let body: String = conn
        .query_row("SELECT body FROM events WHERE kind = 'returned'", [], |r| {
            r.get(0)
        })
        .unwrap();
    let event: serde_json::Value = serde_json::from_str(&body).unwrap();
    let reasons: Vec<&str> = event["reasons"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r.as_str().unwrap())
        .collect();
    let second = grad_intake::tui::builtin_reasons().unwrap()[1].text.clone();
    assert_eq!(reasons, [second.as_str(), note]);
    assert_eq!(event_kinds(&office), ["intake_opened", "returned"]);
}

/// Polls the screen for `needle` until `deadline`; the time it took.
fn seen_within(screen: &Tmux, needle: &str, deadline: Duration) -> Duration {
    let start = Instant::now();
    while start.elapsed() < deadline {
        if screen.text().contains(needle) {
            return start.elapsed();
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    panic!(
        "screen did not show {needle:?} within {deadline:?}:\n{}",
        screen.text()
    );
}

/// Sync you can see (#13 item 4), against the real portal on loopback: the portal stopped, the
/// bar says 离线 within 10 s; a decision made offline is counted as pending at once; the portal
/// restarted on the same address, the bar says 在线 with nothing pending within 10 s, and the
/// portal has the events.
#[test]
fn the_portal_slot_follows_the_portal_going_away_and_coming_back() {
    use sync_support::{PortalProcess, PortalSetup, SITE};
    let office = Office::demo();
    let (exam_no, qr) = first_candidate(&office);
    let portal_dir = tempfile::tempdir().unwrap();
    let portal = PortalSetup::new(portal_dir.path(), 30);
    // The portal's roster is the office's own, so the roster pull changes no candidate.
    let candidates: Vec<grad_intake::domain::candidate::Candidate> = {
        let conn = rusqlite::Connection::open(office.db()).unwrap();
        let mut stmt = conn.prepare("SELECT record FROM candidates").unwrap();
        stmt.query_map([], |r| r.get::<_, String>(0))
            .unwrap()
            .map(|r| serde_json::from_str(&r.unwrap()).unwrap())
            .collect()
    };
    portal.import(&candidates, None);
    let counter = grad_intake::demo::DEMO_COUNTER;
    let token = portal.add_counter(SITE, counter);
    let server = PortalProcess::start(&portal, 0);
    let addr = server.addr;
    let config = office.path("config.toml");
    let mut text = std::fs::read_to_string(&config).unwrap();
    for (key, value) in [("site_code", SITE), ("counter_id", counter)] {
        if !text.lines().any(|l| l.trim_start().starts_with(key)) {
            text.push_str(&format!("{key} = \"{value}\"\n"));
        }
    }
    text.push_str(&format!(
        "portal_url = \"{}\"\nportal_token = \"{token}\"\n",
        server.url()
    ));
    std::fs::write(&config, text).unwrap();

    let screen = Screen::start(&office, "gi-portal-slot");
    log_in(&screen);
    seen_within(&screen, "考试院 在线", Duration::from_secs(30));

    server.kill();
    let lost = seen_within(&screen, "考试院 离线", Duration::from_secs(10));
    eprintln!("离线 shown {lost:?} after the portal was killed");

    // A decision made offline: three events, counted on the bar while the portal is away.
    screen.type_line(&qr);
    screen.wait_for("二维码已验证");
    screen.keys(&["Space"]);
    screen.wait_for("[✓]");
    screen.keys(&["F2"]);
    screen.wait_for("确认受理");
    screen.keys(&["Enter"]);
    screen.wait_for("已受理，已保存");
    seen_within(&screen, "离线 · 待发送 3", Duration::from_secs(10));

    let _restarted = PortalProcess::start(&portal, addr.port());
    let back = seen_within(&screen, "在线 · 待发送 0", Duration::from_secs(10));
    eprintln!("在线 · 待发送 0 shown {back:?} after the portal was restarted");
    assert_eq!(
        portal.event_count(counter),
        (3, 3),
        "the portal has the events"
    );
    assert_eq!(state_of(&office, &exam_no), "accepted");
}
