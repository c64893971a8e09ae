//! Drawing the state. Reads `App`, writes a frame; decides nothing.

use chrono::{DateTime, Utc};
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Color, Modifier, Style, Stylize};
use ratatui::text::{Line, Span, Text};
use ratatui::widgets::{Block, Clear, Paragraph, Wrap};

use super::keymap::{Binding, bindings, help_bindings};
use super::state::{
    App, Field, LargePicture, Level, LoginForm, OpenFile, Overlay, PhotoCells, PhotoCheck, Picture,
    ReturnFocus, ReturnForm, Screen,
};
use crate::domain::intake::IntakeState;
use crate::domain::schedule::WindowStatus;
use crate::strings::{self, ui};

pub const MIN_WIDTH: u16 = 100;
pub const MIN_HEIGHT: u16 = 30;

pub fn view(frame: &mut Frame, app: &App) {
    let area = frame.area();
    if area.width < MIN_WIDTH || area.height < MIN_HEIGHT {
        return too_small(frame, app, area);
    }
    let [status, body, footer] = Layout::vertical([
        Constraint::Length(2),
        Constraint::Min(0),
        Constraint::Length(2),
    ])
    .areas(area);
    frame.render_widget(status_bar(app), status);
    match &app.screen {
        Screen::Login(form) => login(frame, app, form, ui::LOGIN_TITLE, body),
        Screen::Locked(form) => login(frame, app, form, ui::LOCKED_TITLE, body),
        Screen::Counter => counter(frame, app, body),
        Screen::Supervisor(day) => supervisor(frame, app, day, body),
    }
    frame.render_widget(
        Paragraph::new(footer_hints(app, bindings(app))).wrap(Wrap { trim: true }),
        footer,
    );
    if let (Some(overlay), Screen::Counter | Screen::Supervisor(_)) = (&app.overlay, &app.screen) {
        draw_overlay(frame, app, overlay, body);
    }
}

fn tr(app: &App, text: ui::Tr) -> &'static str {
    text.get(app.cfg.lang)
}

fn too_small(frame: &mut Frame, app: &App, area: Rect) {
    let text = format!("{}{}×{}", tr(app, ui::TOO_SMALL), area.width, area.height);
    frame.render_widget(
        Paragraph::new(text)
            .wrap(Wrap { trim: true })
            .style(Style::new().fg(Color::Yellow)),
        area,
    );
}

// ---- status bar ----------------------------------------------------------------------------

/// Two lines: where and when (site, clock, window, and last of all the sync worker's last
/// error, which may be long), then who and with what (clerk, counter, and the scanner, portal
/// and printer slots).
fn status_bar(app: &App) -> Paragraph<'static> {
    let local = crate::domain::office_time::local(app.now);
    let clerk = app
        .clerk
        .as_ref()
        .map_or_else(|| "—".to_owned(), |c| format!("{} {}", c.id, c.name));
    let slot = |value: &Option<String>, default: ui::Tr| {
        value.clone().unwrap_or_else(|| tr(app, default).to_owned())
    };
    let mut place = vec![
        format!(
            "{} {} {}",
            tr(app, ui::SLOT_SITE),
            app.cfg.site_code,
            app.cfg.site_name
        ),
        local.format("%Y-%m-%d %H:%M:%S").to_string(),
        window_text(app),
    ];
    if app.slots.refused > 0 {
        place.push(format!(
            "{}{}{}",
            tr(app, ui::REFUSED_SLOT),
            app.slots.refused,
            tr(app, ui::REFUSED_SLOT_KEY)
        ));
    }
    if let Some(error) = &app.slots.portal_error {
        place.push(format!("⚠ {}：{error}", tr(app, ui::SLOT_PORTAL)));
    }
    let people = [
        format!("{} {clerk}", tr(app, ui::SLOT_CLERK)),
        format!("{} {}", tr(app, ui::SLOT_COUNTER), app.cfg.counter_id),
        // A serial reader's slot reads as a whole ("扫码枪未连接 /dev/ttyACM0").
        app.slots.scanner.clone().unwrap_or_else(|| {
            format!(
                "{} {}",
                tr(app, ui::SLOT_SCANNER),
                tr(app, ui::KEYBOARD_WEDGE)
            )
        }),
        format!(
            "{} {}",
            tr(app, ui::SLOT_PORTAL),
            slot(&app.slots.portal, ui::NOT_CONFIGURED)
        ),
        format!(
            "{} {}",
            tr(app, ui::SLOT_PRINTER),
            slot(&app.slots.printer, ui::NOT_CONFIGURED)
        ),
    ];
    let style = Style::new().bg(Color::Blue).fg(Color::White);
    Paragraph::new(vec![
        Line::from(place.join(" │ ")).bold(),
        Line::from(people.join(" │ ")),
    ])
    .style(style)
}

/// "受理中 · 距午休 00:42": the status and the time left until it changes, with what comes next.
pub fn window_text(app: &App) -> String {
    let state = app.schedule.status(&app.cfg.site_code, app.now);
    let status = ui::window(state.status, app.cfg.lang);
    let Some(until) = state.until else {
        return status.to_owned();
    };
    let next = app
        .schedule
        .status(&app.cfg.site_code, until.with_timezone(&Utc))
        .status;
    let label = match (state.status, next) {
        (WindowStatus::Open, WindowStatus::Break) => ui::UNTIL_BREAK,
        (WindowStatus::Open, _) => ui::UNTIL_CLOSE,
        _ => ui::UNTIL_OPEN,
    };
    format!(
        "{status} · {} {}",
        tr(app, label),
        countdown(app.now, until.with_timezone(&Utc))
    )
}

fn countdown(now: DateTime<Utc>, until: DateTime<Utc>) -> String {
    let minutes = (until - now).num_minutes().max(0);
    format!("{:02}:{:02}", minutes / 60, minutes % 60)
}

fn footer_hints(app: &App, table: &[Binding]) -> Line<'static> {
    let spans: Vec<Span> = table
        .iter()
        .filter(|b| b.in_footer)
        .flat_map(|b| {
            [
                Span::from(b.shown).bold().fg(Color::Cyan),
                Span::from(format!(" {}  ", tr(app, b.label))),
            ]
        })
        .collect();
    Line::from(spans)
}

// ---- login ---------------------------------------------------------------------------------

fn login(frame: &mut Frame, app: &App, form: &LoginForm, title: ui::Tr, area: Rect) {
    let welcome = app.cfg.welcome.as_ref().map(|w| welcome_lines(app, w));
    let popup = match &welcome {
        Some(lines) => centered(area, 96, 11 + lines.len() as u16),
        None => centered(area, 50, 9),
    };
    frame.render_widget(Clear, popup);
    let block =
        Block::bordered().title(format!(" {} · {} ", tr(app, ui::APP_TITLE), tr(app, title)));
    let mut lines = welcome.unwrap_or_default();
    lines.extend(login_fields(app, form));
    if form.busy {
        lines.push(Line::from(tr(app, ui::LOGGING_IN)).fg(Color::Yellow));
    }
    if app.cfg.site_code == crate::demo::DEMO_SITE {
        lines.push(Line::from(tr(app, ui::DEMO_LOGIN_HINT)).fg(Color::DarkGray));
    }
    let text = Paragraph::new(lines).wrap(Wrap { trim: false });
    frame.render_widget(text.block(block), popup);
}

/// The first run's report: what was set up and where, and what to type (long paths wrap).
fn welcome_lines(app: &App, w: &crate::tui::state::Welcome) -> Vec<Line<'static>> {
    vec![
        Line::from(tr(app, ui::WELCOME_TITLE)).fg(Color::Green),
        Line::from(format!("{}{}", tr(app, ui::WELCOME_DB), w.db)),
        Line::from(format!("{}{}", tr(app, ui::WELCOME_CONFIG), w.config)),
        Line::from(format!(
            "{}{}",
            tr(app, ui::WELCOME_TRY),
            w.exam_nos.join("  ")
        )),
    ]
}

fn login_fields(app: &App, form: &LoginForm) -> Vec<Line<'static>> {
    let field = |label: ui::Tr, value: String, focused: bool| {
        let marker = if focused { "▶ " } else { "  " };
        let cursor = if focused { "▏" } else { "" };
        Line::from(vec![
            Span::from(format!("{marker}{}：", tr(app, label))),
            Span::from(format!("{value}{cursor}")).bold(),
        ])
    };
    let mut lines = vec![
        Line::default(),
        field(
            ui::CLERK_ID,
            form.fields.id.clone(),
            form.focus == Field::First,
        ),
        field(
            ui::PIN,
            "•".repeat(form.fields.pin.chars().count()),
            form.focus == Field::Second,
        ),
        Line::default(),
    ];
    if let Some(error) = &form.error {
        lines.push(Line::from(error.clone()).fg(Color::Red));
    }
    lines
}

// ---- counter -------------------------------------------------------------------------------

/// The most rows a message takes; a longer one is cut (none is, today).
const MESSAGE_ROWS: usize = 5;

/// The message wrapped to the screen's width: as many rows as it needs.
fn message_lines(app: &App, width: u16) -> Vec<Line<'static>> {
    let mut lines = wrap_line(message_line(app), width, 0);
    lines.truncate(MESSAGE_ROWS);
    lines
}

fn counter(frame: &mut Frame, app: &App, area: Rect) {
    let message_text = message_lines(app, area.width);
    let [scan, message, main] = Layout::vertical([
        Constraint::Length(3),
        Constraint::Length(message_text.len() as u16),
        Constraint::Min(0),
    ])
    .areas(area);
    let line = Line::from(vec![
        Span::from("› ").bold(),
        Span::from(app.scan_line.clone()),
        Span::from("▏"),
    ]);
    frame.render_widget(
        Paragraph::new(line)
            .block(Block::bordered().title(format!(" {} ", tr(app, ui::SCAN_PROMPT)))),
        scan,
    );
    frame.render_widget(Paragraph::new(message_text), message);
    match &app.file {
        Some(file) => candidate_file(frame, app, file, main),
        None => frame.render_widget(
            Paragraph::new(tr(app, ui::WAITING_FOR_SCAN))
                .centered()
                .fg(Color::DarkGray),
            main,
        ),
    }
}

fn supervisor(frame: &mut Frame, app: &App, day: &super::state::Day, area: Rect) {
    let message_text = message_lines(app, area.width);
    let [message, main] = Layout::vertical([
        Constraint::Length(message_text.len() as u16),
        Constraint::Min(0),
    ])
    .areas(area);
    frame.render_widget(Paragraph::new(message_text), message);
    super::supervisor_view::draw(frame, app, day, main);
}

fn message_line(app: &App) -> Line<'static> {
    let Some(message) = &app.message else {
        return if !app.saves.is_empty() {
            Line::from(tr(app, ui::SAVING)).fg(Color::Yellow)
        } else {
            Line::default()
        };
    };
    let style = match message.level {
        Level::Info => Style::new().fg(Color::Yellow),
        Level::Success => Style::new().fg(Color::Green).add_modifier(Modifier::BOLD),
        Level::Error => Style::new()
            .fg(Color::White)
            .bg(Color::Red)
            .add_modifier(Modifier::BOLD),
    };
    Line::from(message.text.clone()).style(style)
}

fn candidate_file(frame: &mut Frame, app: &App, file: &OpenFile, area: Rect) {
    let blockers = &file.loaded.assessment.blockers;
    let mut lines: Vec<Line> = blockers
        .iter()
        .map(|b| Line::from(format!("✗ {}", b.message)).fg(Color::Red))
        .collect();
    lines.extend(approval_line(app, file));
    let blocker_height = if blockers.is_empty() {
        0
    } else {
        lines.len() as u16 + 2
    };
    let [top, bottom] =
        Layout::vertical([Constraint::Min(0), Constraint::Length(blocker_height)]).areas(area);
    let [card, list] = Layout::horizontal([Constraint::Length(48), Constraint::Min(0)]).areas(top);
    candidate_card(frame, app, file, card);
    checklist(frame, app, file, list);
    if !blockers.is_empty() {
        let block = Block::bordered()
            .title(format!(" {} ", tr(app, ui::BLOCKERS)))
            .border_style(Style::new().fg(Color::Red));
        frame.render_widget(
            Paragraph::new(lines).wrap(Wrap { trim: true }).block(block),
            bottom,
        );
    }
}

/// Under the blockers: the supervisor's approval and until when it holds, or that it has run
/// out (the clerk sees before acting that a new approval is needed).
fn approval_line(app: &App, file: &OpenFile) -> Option<Line<'static>> {
    let approval = file.approval.as_ref()?;
    let until = super::update::local_hm(approval.expires_at);
    Some(if approval.is_valid(app.now) {
        Line::from(format!(
            "✓ {}{until}（{}）",
            tr(app, ui::OVERRIDE_VALID),
            approval.supervisor_id
        ))
        .fg(Color::Green)
    } else {
        Line::from(format!("✗ {}{until}", tr(app, ui::OVERRIDE_EXPIRED)))
            .fg(Color::Red)
            .bold()
    })
}

fn candidate_card(frame: &mut Frame, app: &App, file: &OpenFile, area: Rect) {
    let block = Block::bordered().title(format!(" {} ", tr(app, ui::CANDIDATE)));
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let check_lines = file
        .photo_check
        .as_ref()
        .map(|check| wrap_line(photo_check_line(app, check), inner.width, 2))
        .unwrap_or_default();
    let [text_area, check_area, photo_area] = Layout::vertical([
        Constraint::Length(8),
        Constraint::Length(check_lines.len() as u16),
        Constraint::Min(0),
    ])
    .areas(inner);
    frame.render_widget(
        Paragraph::new(card_lines(app, file)).wrap(Wrap { trim: true }),
        text_area,
    );
    frame.render_widget(Paragraph::new(check_lines), check_area);
    match &file.loaded.photo {
        Some(photo) => draw_picture(frame, photo, photo_area),
        None => frame.render_widget(
            Paragraph::new(tr(app, ui::NO_PHOTO)).fg(Color::DarkGray),
            photo_area,
        ),
    }
}

/// The terminal's own picture where it has one and it fits the area, else the half blocks.
fn draw_picture(frame: &mut Frame, picture: &Picture, area: Rect) {
    match &picture.graphic {
        Some(graphic) if fits(graphic.size(), area) => {
            let (cols, rows) = graphic.size();
            frame.render_widget(graphic.widget(), Rect::new(area.x, area.y, cols, rows));
        }
        _ => frame.render_widget(photo_text(&picture.cells), area),
    }
}

fn fits((cols, rows): (u16, u16), area: Rect) -> bool {
    cols <= area.width && rows <= area.height
}

/// The large photo view's information column (name, masked ID, exam number).
const LARGE_INFO_WIDTH: u16 = 28;

/// The cells the large photo view gives the photo on a terminal of `screen` cells: the body
/// (less the status bar and footer) inside the box's border, less the information column.
/// The update step asks the worker for a picture of this size; the view lays out the same.
pub fn large_photo_cells((cols, rows): (u16, u16)) -> (u16, u16) {
    let cols = cols.max(MIN_WIDTH);
    let rows = rows.max(MIN_HEIGHT);
    (cols - 2 - LARGE_INFO_WIDTH - 1, rows - 4 - 2)
}

fn draw_large_photo(frame: &mut Frame, app: &App, picture: &LargePicture, area: Rect) {
    let block = Block::bordered()
        .title(format!(" {} ", tr(app, ui::LARGE_PHOTO_TITLE)))
        .border_style(Style::new().fg(Color::Cyan));
    let inner = block.inner(area);
    frame.render_widget(Clear, area);
    frame.render_widget(block, area);
    let [photo_area, _, info_area] = Layout::horizontal([
        Constraint::Min(0),
        Constraint::Length(1),
        Constraint::Length(LARGE_INFO_WIDTH),
    ])
    .areas(inner);
    match picture {
        LargePicture::Shown(picture) => draw_picture(frame, picture, photo_area),
        LargePicture::Loading => {
            frame.render_widget(Paragraph::new(tr(app, ui::PHOTO_LOADING)), photo_area);
        }
        LargePicture::Missing => frame.render_widget(
            Paragraph::new(tr(app, ui::NO_PHOTO)).fg(Color::DarkGray),
            photo_area,
        ),
    }
    if let Some(file) = &app.file {
        let c = &file.loaded.candidate;
        let lines = vec![
            Line::from(c.name.clone()).bold().fg(Color::White),
            Line::default(),
            Line::from(format!("{}：", tr(app, ui::ID_NO))).fg(Color::Gray),
            Line::from(c.id_masked()),
            Line::default(),
            Line::from(c.exam_no.to_string()),
        ];
        frame.render_widget(Paragraph::new(lines).wrap(Wrap { trim: true }), info_area);
    }
}

/// The photo measured against the site's standard: while measuring, passed, the failed rules,
/// or what could not be measured (shown only; the portal's review decides the blocker).
fn photo_check_line(app: &App, check: &PhotoCheck) -> Line<'static> {
    let rules = |checks: &[crate::domain::photo::Check]| {
        checks
            .iter()
            .map(|c| match app.cfg.lang {
                ui::Lang::Zh => c.label(),
                ui::Lang::En => c.key(),
            })
            .collect::<Vec<_>>()
            .join(tr(app, ui::LIST_SEPARATOR))
    };
    let (text, colour) = match check {
        PhotoCheck::Measuring => (tr(app, ui::PHOTO_MEASURING).to_owned(), Color::DarkGray),
        PhotoCheck::Passed => (
            format!("✓ {}", tr(app, ui::PHOTO_MEETS_STANDARD)),
            Color::Green,
        ),
        PhotoCheck::Failed(checks) => (
            format!("✗ {}{}", tr(app, ui::PHOTO_FAILS), rules(checks)),
            Color::Red,
        ),
        PhotoCheck::NotMeasured(checks) => (
            format!("{}{}", tr(app, ui::PHOTO_NOT_MEASURED), rules(checks)),
            Color::Yellow,
        ),
        PhotoCheck::NoStandard => (
            format!(
                "{}{}",
                tr(app, ui::PHOTO_NOT_MEASURED),
                tr(app, ui::PHOTO_NO_STANDARD)
            ),
            Color::Yellow,
        ),
        PhotoCheck::Unavailable(why) => (
            format!("{}{why}", tr(app, ui::PHOTO_NOT_MEASURED)),
            Color::Yellow,
        ),
    };
    Line::from(text).fg(colour)
}

fn card_lines(app: &App, file: &OpenFile) -> Vec<Line<'static>> {
    let c = &file.loaded.candidate;
    let a = &file.loaded.assessment;
    let row = |label: ui::Tr, value: String| {
        Line::from(vec![
            Span::from(format!("{}：", tr(app, label))).fg(Color::Gray),
            Span::from(value),
        ])
    };
    let scan = if a.scan.verified {
        tr(app, ui::SIGNED)
    } else {
        tr(app, ui::UNSIGNED)
    };
    let application = format!(
        "{} · {}",
        tr(
            app,
            if c.prediction_passed {
                ui::PREDICTION_OK
            } else {
                ui::PREDICTION_NO
            }
        ),
        tr(
            app,
            if c.photo_status == crate::domain::candidate::PhotoStatus::Approved {
                ui::PHOTO_OK
            } else {
                ui::PHOTO_NO
            }
        ),
    );
    // The stored state: a decision not yet confirmed by the database is not shown as made.
    let state = file.stored.state;
    let state_style = if state == IntakeState::Accepted {
        Style::new().fg(Color::Green).bold()
    } else {
        Style::new().bold()
    };
    vec![
        Line::from(vec![
            Span::from(c.name.clone()).bold().fg(Color::White),
            Span::from(format!("  {}", c.exam_no)),
        ]),
        row(
            ui::ID_NO,
            format!(
                "{}  {}：{}",
                c.id_masked(),
                tr(app, ui::LEVEL),
                c.level.label()
            ),
        ),
        row(ui::MAJOR, format!("{}（{}）", c.major_name, c.major_code)),
        row(ui::SCHOOL, c.exam_school.clone()),
        row(ui::BATCH, format!("{}  {}", c.batch, c.site_code)),
        row(ui::APPLICATION, application),
        Line::from(vec![
            Span::from(format!("{}：", tr(app, ui::FILE_STATE))).fg(Color::Gray),
            Span::styled(strings::intake_state(state), state_style),
        ]),
        Line::from(scan).fg(if a.scan.verified {
            Color::Green
        } else {
            Color::Yellow
        }),
    ]
}

/// The photo in half-block cells: each cell's upper half is the foreground, the lower half the
/// background colour, so one cell shows two square-ish pixels and the 3:4 ratio is kept.
fn photo_text(photo: &PhotoCells) -> Paragraph<'static> {
    let lines: Vec<Line> = photo
        .cells
        .chunks(photo.cols.max(1) as usize)
        .map(|row| {
            Line::from(
                row.iter()
                    .map(|(up, down)| Span::styled("▀", Style::new().fg(rgb(*up)).bg(rgb(*down))))
                    .collect::<Vec<_>>(),
            )
        })
        .collect();
    Paragraph::new(Text::from(lines))
}

fn rgb([r, g, b]: [u8; 3]) -> Color {
    Color::Rgb(r, g, b)
}

/// One line per item; the selected item also shows its notes, so a long checklist still fits
/// and the list scrolls to keep the selection in view.
fn checklist(frame: &mut Frame, app: &App, file: &OpenFile, area: Rect) {
    let block = Block::bordered().title(format!(" {} ", tr(app, ui::CHECKLIST)));
    let inner = block.inner(area);
    let mut lines = Vec::new();
    let mut selected_line = 0;
    for (i, item) in file.loaded.assessment.checklist.iter().enumerate() {
        let selected = i == file.cursor;
        if selected {
            selected_line = lines.len();
        }
        for line in item_lines(app, file, item, selected) {
            lines.extend(wrap_line(line, inner.width, 4));
        }
    }
    let visible = inner.height as usize;
    let scroll = (selected_line + 4).saturating_sub(visible) as u16;
    frame.render_widget(Paragraph::new(lines).block(block).scroll((scroll, 0)), area);
}

/// Breaks `line` into rows of at most `width` columns, between any two characters (Chinese
/// text has no spaces to break at), keeping each span's style; rows after the first are
/// indented by `indent` columns.
fn wrap_line(line: Line<'static>, width: u16, indent: usize) -> Vec<Line<'static>> {
    use unicode_width::UnicodeWidthChar;
    let width = usize::from(width).max(indent + 2);
    let style = line.style;
    let mut rows: Vec<Vec<Span<'static>>> = vec![Vec::new()];
    let mut used = 0;
    for span in line.spans {
        let mut piece = String::new();
        for c in span.content.chars() {
            let w = c.width().unwrap_or(0);
            if used + w > width {
                if let Some(row) = rows.last_mut() {
                    row.push(Span::styled(std::mem::take(&mut piece), span.style));
                }
                rows.push(vec![Span::from(" ".repeat(indent))]);
                used = indent;
            }
            piece.push(c);
            used += w;
        }
        if let Some(row) = rows.last_mut() {
            row.push(Span::styled(piece, span.style));
        }
    }
    rows.into_iter()
        .map(|spans| Line::from(spans).style(style))
        .collect()
}

fn item_lines(
    app: &App,
    file: &OpenFile,
    item: &crate::domain::rules::ChecklistItem,
    selected: bool,
) -> Vec<Line<'static>> {
    let tick = file.intake().ticks.get(&item.id);
    let done = tick.is_some_and(|t| t.satisfies(&item.kind));
    let mark = if done {
        "[✓]"
    } else if tick.is_some_and(|t| t.original_seen || t.copy_kept) {
        "[~]"
    } else {
        "[ ]"
    };
    let highlight = selected && app.overlay.is_none();
    let style = if highlight {
        Style::new().add_modifier(Modifier::REVERSED)
    } else {
        Style::new()
    };
    let mut lines = vec![
        Line::from(vec![
            Span::from(format!("{mark} {} ×{}", item.title, item.copies)).bold(),
            Span::from(format!("  {}", strings::item_kind(item.kind))).fg(Color::Gray),
        ])
        .style(style),
    ];
    if let Some(tick) = tick.filter(|t| !done && (t.original_seen || t.copy_kept)) {
        lines.push(tick_line(app, tick));
    }
    if let Some(date) = item.valid_on {
        lines.push(
            Line::from(format!("      {}{date}", strings::LICENCE_VALID_ON)).fg(Color::Yellow),
        );
    }
    if selected {
        lines.extend(
            item.note
                .iter()
                .map(|n| Line::from(format!("      {n}")).fg(Color::Gray)),
        );
    }
    lines.extend(
        tick.and_then(|t| t.note.clone())
            .map(|n| Line::from(format!("      ⚠ {n}")).fg(Color::Yellow)),
    );
    lines
}

fn tick_line(app: &App, tick: &crate::domain::intake::Tick) -> Line<'static> {
    let mut parts = Vec::new();
    if tick.original_seen {
        parts.push(tr(app, ui::TICK_ORIGINAL));
    }
    if tick.copy_kept {
        parts.push(tr(app, ui::TICK_COPY));
    }
    Line::from(format!("      {}", parts.join("，"))).fg(Color::Green)
}

// ---- overlays ------------------------------------------------------------------------------

fn draw_overlay(frame: &mut Frame, app: &App, overlay: &Overlay, area: Rect) {
    let (title, lines, height): (String, Vec<Line>, u16) = match overlay {
        Overlay::Help => {
            let lines = help_bindings(app)
                .iter()
                .map(|b| Line::from(format!("{:<12} {}", b.shown, tr(app, b.label))))
                .collect::<Vec<_>>();
            let h = lines.len() as u16 + 2;
            (tr(app, ui::HELP_TITLE).into(), lines, h)
        }
        Overlay::ConfirmAccept => {
            let name = app
                .file
                .as_ref()
                .map(|f| f.loaded.candidate.name.clone())
                .unwrap_or_default();
            (
                tr(app, ui::K_ACCEPT).into(),
                vec![
                    Line::from(format!("{} {name}", tr(app, ui::CONFIRM_ACCEPT))).bold(),
                    Line::default(),
                    Line::from(tr(app, ui::CONFIRM_HINT)),
                ],
                5,
            )
        }
        Overlay::Return(form) => {
            let (h, lines) = return_lines(app, form);
            (tr(app, ui::RETURN_TITLE).into(), lines, h)
        }
        Overlay::SaveFailed { text } => {
            let lines: Vec<Line> = text
                .lines()
                .map(|l| Line::from(l.to_owned()).fg(Color::White).bold())
                .collect();
            let h = wrapped_height(&lines, 78) + 2;
            (tr(app, ui::SAVE_FAILED_TITLE).into(), lines, h)
        }
        Overlay::Note { text } => (
            tr(app, ui::NOTE_TITLE).into(),
            vec![Line::from(format!("{text}▏"))],
            3,
        ),
        Overlay::Approve(form) => {
            let lines = login_fields(app, form);
            let h = lines.len() as u16 + 2;
            (tr(app, ui::OVERRIDE_TITLE).into(), lines, h)
        }
        Overlay::Search {
            query,
            results,
            cursor,
            running,
        } => {
            let mut lines = vec![Line::from(format!("› {query}▏")).bold()];
            let rows = results.as_ref().map(|r| {
                r.iter()
                    .map(|s| format!("{}  {}  {}  {}", s.exam_no, s.name, s.id_masked, s.major))
                    .collect()
            });
            if rows.is_none() && !running {
                lines.push(Line::from(tr(app, ui::SEARCH_HINT)).fg(Color::DarkGray));
            } else {
                let list = LIST_HEIGHT - 3;
                lines.extend(list_lines(app, rows, *cursor, ui::SEARCH_NONE, list));
            }
            (tr(app, ui::SEARCH_TITLE).into(), lines, LIST_HEIGHT)
        }
        Overlay::Void(form) => {
            let fields = [
                (ui::VOID_EXAM_NO, &form.fields.exam_no, Field::First),
                (ui::VOID_REASON, &form.fields.reason, Field::Second),
            ];
            let lines = fields
                .iter()
                .map(|(label, value, field)| {
                    let focused = form.focus == *field;
                    let marker = if focused { "▶ " } else { "  " };
                    Line::from(format!(
                        "{marker}{}：{value}{}",
                        tr(app, *label),
                        if focused { "▏" } else { "" }
                    ))
                })
                .collect();
            (tr(app, ui::VOID_TITLE).into(), lines, 4)
        }
        // Not a box: the whole body.
        Overlay::LargePhoto { picture, .. } => return draw_large_photo(frame, app, picture, area),
        Overlay::ConfirmVoid(p) => (
            tr(app, ui::VOID_CONFIRM_TITLE).into(),
            vec![
                Line::from(format!(
                    "{}{}  {}  {}",
                    tr(app, ui::VOID_CONFIRM_WHO),
                    p.name,
                    p.id_masked,
                    p.exam_no
                ))
                .bold(),
                Line::from(format!("{}：{}", tr(app, ui::VOID_REASON), p.reason)),
                Line::default(),
                Line::from(tr(app, ui::VOID_CONFIRM_HINT)),
            ],
            6,
        ),
        Overlay::Refused { rows, cursor } => {
            let items = rows
                .as_ref()
                .map(|r| r.iter().map(|row| refused_text(app, row)).collect());
            // An entry with its reason takes about two rows of the box: half as many shown, so
            // the highlighted one stays inside it.
            let rows = (LIST_HEIGHT - 2) / 2;
            (
                tr(app, ui::REFUSED_TITLE).into(),
                list_lines(app, items, *cursor, ui::REFUSED_NONE, rows),
                LIST_HEIGHT,
            )
        }
        Overlay::Unlock { id } => (
            tr(app, ui::UNLOCK_TITLE).into(),
            vec![Line::from(format!("{id}▏"))],
            3,
        ),
        Overlay::Today { rows, cursor } => {
            let items = rows.as_ref().map(|r| {
                r.iter()
                    .map(|t| {
                        format!(
                            "{}  {}  {}  {}",
                            crate::domain::office_time::hm(t.at),
                            t.exam_no,
                            t.name,
                            strings::intake_state(t.state)
                        )
                    })
                    .collect()
            });
            (
                tr(app, ui::TODAY_TITLE).into(),
                list_lines(app, items, *cursor, ui::TODAY_NONE, LIST_HEIGHT - 2),
                LIST_HEIGHT,
            )
        }
    };
    let popup = centered(area, 80, height.min(area.height));
    frame.render_widget(Clear, popup);
    frame.render_widget(
        Paragraph::new(lines)
            .wrap(Wrap { trim: false })
            .block(Block::bordered().title(format!(" {title} "))),
        popup,
    );
}

/// One refused event on one line: local time, candidate (masked ID), what it was, why.
fn refused_text(app: &App, row: &super::state::RefusedRow) -> String {
    let who = match (&row.name, &row.id_masked) {
        (Some(name), Some(id)) => format!("{name} {id}"),
        _ => tr(app, ui::REFUSED_NO_CANDIDATE).to_owned(),
    };
    format!(
        "{}  {}  {who}  {}  {}{}",
        crate::domain::office_time::local(row.at).format("%m-%d %H:%M"),
        row.exam_no,
        row.kind,
        tr(app, ui::REFUSED_BECAUSE),
        row.reason
    )
}

/// The return dialog: the reasons (the cursor shown only while the list has the keys), then
/// the note, marked ▶ when it has them.
fn return_lines(app: &App, form: &ReturnForm) -> (u16, Vec<Line<'static>>) {
    let in_list = form.focus == ReturnFocus::Reasons;
    let mut lines: Vec<Line> = form
        .options
        .iter()
        .zip(&form.picked)
        .enumerate()
        .map(|(i, (r, p))| {
            // A no-break space: a long reason wraps after the mark, not before its first word.
            let line = Line::from(format!("{}\u{a0}{r}", if *p { "[✓]" } else { "[ ]" }));
            if in_list && i == form.cursor {
                line.reversed()
            } else {
                line
            }
        })
        .collect();
    let (marker, caret) = if in_list { ("  ", "") } else { ("▶ ", "▏") };
    lines.push(
        Line::from(format!(
            "{marker}{}：{}{caret}",
            tr(app, ui::RETURN_OTHER),
            form.note
        ))
        .bold(),
    );
    lines.push(Line::from(tr(app, ui::RETURN_NOTE_HINT)).fg(Color::DarkGray));
    (wrapped_height(&lines, 78) + 2, lines)
}

/// About how many rows `lines` take when wrapped at `width` columns (exact for Chinese text,
/// which may break between any two characters).
fn wrapped_height(lines: &[Line], width: u16) -> u16 {
    let width = usize::from(width.max(1));
    let rows: usize = lines.iter().map(|l| l.width().div_ceil(width).max(1)).sum();
    u16::try_from(rows).unwrap_or(u16::MAX)
}

/// The height of the search and today's-list boxes, borders included.
const LIST_HEIGHT: u16 = 14;

/// A pick list in `rows` lines: where the highlight is ("第 n / 共 N 条"), then the part of the
/// list that holds the highlight (the list scrolls with it, so Enter opens the row seen).
fn list_lines(
    app: &App,
    items: Option<Vec<String>>,
    cursor: usize,
    empty: ui::Tr,
    rows: u16,
) -> Vec<Line<'static>> {
    let items = match items {
        None => return vec![Line::from(tr(app, ui::LOOKING_UP)).fg(Color::Yellow)],
        Some(items) if items.is_empty() => {
            return vec![Line::from(tr(app, empty)).fg(Color::DarkGray)];
        }
        Some(items) => items,
    };
    let shown = usize::from(rows.saturating_sub(1)).max(1);
    let first = (cursor + 1).saturating_sub(shown);
    let position = format!(
        "{}{}{}{}{}",
        tr(app, ui::LIST_POSITION_BEFORE),
        cursor + 1,
        tr(app, ui::LIST_POSITION_OF),
        items.len(),
        tr(app, ui::LIST_POSITION_AFTER)
    );
    let mut lines = vec![Line::from(position).fg(Color::Gray)];
    lines.extend(
        items
            .into_iter()
            .enumerate()
            .skip(first)
            .take(shown)
            .map(|(i, text)| {
                if i == cursor {
                    Line::from(text).reversed()
                } else {
                    Line::from(text)
                }
            }),
    );
    lines
}

fn centered(area: Rect, width: u16, height: u16) -> Rect {
    let width = width.min(area.width);
    let height = height.min(area.height);
    Rect {
        x: area.x + (area.width - width) / 2,
        y: area.y + (area.height - height) / 2,
        width,
        height,
    }
}
