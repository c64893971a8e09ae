//! Fixtures shared by the counter-screen tests: the demo office at a fixed clock, built in
//! memory from the same pure parts the counter uses (no database, no terminal).
#![allow(dead_code)] // each test binary uses its own part of this module

pub mod cups;
pub mod ippeve;
pub mod office;
pub mod tmux;

use chrono::{DateTime, TimeZone, Utc};
use ed25519_dalek::SigningKey;
use grad_intake::demo;
use grad_intake::domain::assess::{self, Context};
use grad_intake::domain::candidate::Candidate;
use grad_intake::domain::intake::Intake;
use grad_intake::domain::rules::Rules;
use grad_intake::domain::scan::{self, PublicKeys};
use grad_intake::domain::schedule::Schedule;
use grad_intake::store::{Clerk, Role};
use grad_intake::strings::ui::Lang;
use grad_intake::tui::state::{Loaded, PhotoBytes, Screen};
use grad_intake::tui::{self, App, AppEvent, Effect, UiConfig};
use ratatui::crossterm::event::{Event, KeyCode, KeyEvent, KeyModifiers};

/// 2026-11-20 10:00 in Shanghai: inside the demo window's first session.
pub fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 20, 2, 0, 0).unwrap()
}

pub fn signing_key() -> SigningKey {
    SigningKey::from_bytes(&[7; 32])
}

pub fn roster() -> Vec<Candidate> {
    demo::roster(30, 1, now(), &signing_key())
        .unwrap()
        .into_iter()
        .map(|(_, c)| c)
        .collect()
}

pub fn schedule() -> Schedule {
    let mut schedule = Schedule::builtin().unwrap();
    schedule.merge_doc("demo", &demo::site_doc(now())).unwrap();
    schedule
}

pub fn app() -> App {
    let cfg = UiConfig {
        site_code: demo::DEMO_SITE.into(),
        site_name: "演示考点".into(),
        counter_id: demo::DEMO_COUNTER.into(),
        lang: Lang::Zh,
        bell: true,
        idle_lock: chrono::Duration::minutes(10),
        override_ttl: chrono::Duration::minutes(15),
        portal: false,
        printer: false,
        welcome: None,
    };
    App::new(cfg, schedule(), tui::builtin_reasons().unwrap(), now())
}

pub fn clerk(id: &str, role: Role) -> Clerk {
    Clerk {
        id: id.into(),
        name: format!("演示{id}"),
        role,
        disabled: false,
    }
}

pub fn logged_in() -> App {
    let mut app = app();
    app.clerk = Some(clerk("c01", Role::Clerk));
    app.screen = Screen::Counter;
    app
}

/// What the worker would load for demo candidate `index` (0-based), scanned from its QR code.
pub fn loaded(index: usize, intake: Option<Intake>) -> Box<Loaded> {
    let candidate = roster().swap_remove(index);
    let keys = PublicKeys::from_keys(vec![signing_key().verifying_key()]);
    let scan = scan::parse(candidate.qr.as_deref().unwrap(), &keys).unwrap();
    let rules = Rules::builtin().unwrap();
    let schedule = schedule();
    let ctx = Context {
        rules: &rules,
        schedule: &schedule,
        counter_site: Some(demo::DEMO_SITE),
        now: now(),
    };
    let assessment = assess::assess(&ctx, &scan, &candidate, intake.as_ref());
    let intake = intake
        .unwrap_or_else(|| Intake::new(format!("intake-{index}"), candidate.exam_no.to_string()));
    let photo = tui::photo::card_picture(
        &demo::photo::demo_photo(index as u64).unwrap(),
        tui::graphics::Graphics::HALFBLOCKS,
    );
    Box::new(Loaded {
        assessment,
        candidate,
        intake,
        photo,
        // The photo line has tests of its own (`loaded_with_jpeg`); without the bytes a card
        // asks for no measurement.
        jpeg: None,
    })
}

/// `loaded` with the photo file itself, so that the card asks the photo worker to measure it.
pub fn loaded_with_jpeg(index: usize, jpeg: Vec<u8>) -> Box<Loaded> {
    let mut loaded = loaded(index, None);
    loaded.photo = tui::photo::card_picture(&jpeg, tui::graphics::Graphics::HALFBLOCKS);
    loaded.jpeg = Some(PhotoBytes(jpeg.into()));
    loaded
}

pub fn key(code: KeyCode) -> AppEvent {
    AppEvent::Input(Event::Key(KeyEvent::new(code, KeyModifiers::NONE)))
}

pub fn press(app: &mut App, code: KeyCode) -> Vec<Effect> {
    tui::update(app, key(code), now())
}

/// Types text as a keyboard-wedge reader would, then Enter; returns the effects of the Enter.
pub fn type_line(app: &mut App, text: &str) -> Vec<Effect> {
    for c in text.chars() {
        assert!(press(app, KeyCode::Char(c)).is_empty());
    }
    press(app, KeyCode::Enter)
}
