//! The supervisor's screen: a day's numbers at a glance. Reads `Tally`, draws; decides nothing.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Color, Stylize};
use ratatui::text::Line;
use ratatui::widgets::{Block, Paragraph, Wrap};

use super::state::{App, Day};
use crate::domain::tally::{Outcomes, Tally, hour_label};
use crate::strings::ui::{self, Tr};

/// Office hours shown even when nothing happened in them.
const FIRST_HOUR: u32 = 8;
const LAST_HOUR: u32 = 17;
const BAR_WIDTH: usize = 30;

fn tr(app: &App, text: Tr) -> &'static str {
    text.get(app.cfg.lang)
}

pub fn draw(frame: &mut Frame, app: &App, day: &Day, area: Rect) {
    let title = format!(
        " {} {}（{}） ",
        tr(app, ui::TALLY_TITLE),
        day.date,
        tr(app, ui::THIS_COUNTER)
    );
    let block = Block::bordered().title(title);
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let tally = match &day.tally {
        None => {
            return frame.render_widget(
                Paragraph::new(tr(app, ui::COUNTING)).fg(Color::Yellow),
                inner,
            );
        }
        Some(Err(e)) => {
            return frame.render_widget(Paragraph::new(e.to_string()).fg(Color::Red), inner);
        }
        Some(Ok(tally)) => tally,
    };
    let [totals, body, conflicts] = Layout::vertical([
        Constraint::Length(3),
        Constraint::Min(0),
        Constraint::Length(6),
    ])
    .areas(inner);
    frame.render_widget(Paragraph::new(total_lines(app, tally)), totals);
    let [left, right] =
        Layout::horizontal([Constraint::Percentage(50), Constraint::Percentage(50)]).areas(body);
    frame.render_widget(section(app, ui::BY_HOUR, hour_lines(tally)), left);
    let [clerks, counters, reasons] = Layout::vertical([Constraint::Ratio(1, 3); 3]).areas(right);
    frame.render_widget(
        section(app, ui::BY_CLERK, named_lines(app, &tally.by_clerk)),
        clerks,
    );
    frame.render_widget(
        section(app, ui::BY_COUNTER, named_lines(app, &tally.by_counter)),
        counters,
    );
    frame.render_widget(
        section(app, ui::TOP_REASONS, reason_lines(app, tally)),
        reasons,
    );
    frame.render_widget(
        section(app, ui::OFFICE_WIDE, office_lines(app, day)),
        conflicts,
    );
}

/// The portal's numbers for the whole office and its cross-counter conflicts, or why there are
/// none to show.
fn office_lines(app: &App, day: &Day) -> Vec<Line<'static>> {
    let office = match &day.office {
        None if !app.cfg.portal => {
            return vec![Line::from(tr(app, ui::NO_PORTAL)).fg(Color::DarkGray)];
        }
        None => return vec![Line::from(tr(app, ui::COUNTING)).fg(Color::Yellow)],
        Some(Err(e)) => return vec![Line::from(e.to_string()).fg(Color::Red)],
        Some(Ok(office)) => office,
    };
    let o = &office.tally.totals;
    let mut lines = vec![Line::from(format!(
        "{} {}   {} {}   {} {}   {} {}   {} {}   {} {}",
        tr(app, ui::T_VISITS),
        o.opened,
        tr(app, ui::T_ACCEPTED),
        o.accepted,
        tr(app, ui::T_RETURNED),
        o.returned,
        tr(app, ui::T_VOIDED),
        o.voided,
        tr(app, ui::T_ROSTER),
        office.tally.roster,
        tr(app, ui::T_NOT_YET),
        office.tally.not_seen
    ))];
    if office.conflicts.conflicts.is_empty() {
        lines.push(Line::from(tr(app, ui::NO_CONFLICTS)).fg(Color::Green));
    }
    for c in &office.conflicts.conflicts {
        let counters: Vec<String> = c
            .counters
            .iter()
            .map(|e| format!("{}/{}", e.counter_id, e.clerk_id))
            .collect();
        lines.push(
            Line::from(format!(
                "⚠ {} {}：{}",
                c.exam_no,
                c.name,
                counters.join("、")
            ))
            .fg(Color::Red),
        );
    }
    lines.extend(counter_problem_lines(app, &office.counters));
    lines
}

/// One red line per counter with a bad clock, events filed under no day, or a refused clone.
fn counter_problem_lines(
    app: &App,
    counters: &crate::sync::protocol::SiteCounters,
) -> Vec<Line<'static>> {
    let mut lines = vec![];
    for c in &counters.counters {
        let mut text = String::new();
        if let Some(ms) = c.clock_offset_ms.filter(|_| c.bad_clock) {
            text.push_str(&format!("{}{:+}", tr(app, ui::COUNTER_CLOCK), ms / 1_000));
        }
        if c.flagged_events > 0 {
            text.push_str(&format!(
                "{}{}",
                tr(app, ui::COUNTER_FLAGGED),
                c.flagged_events
            ));
        }
        if let Some(at) = c.clone_refused_at {
            let local = crate::domain::office_time::local(at).format("%m-%d %H:%M");
            text.push_str(&format!("{}{local}", tr(app, ui::COUNTER_CLONED)));
        }
        if !text.is_empty() {
            lines.push(
                Line::from(format!(
                    "⚠ {}{}{text}",
                    tr(app, ui::COUNTER_WORD),
                    c.counter_id
                ))
                .fg(Color::Red),
            );
        }
    }
    lines
}

fn section(app: &App, title: Tr, lines: Vec<Line<'static>>) -> Paragraph<'static> {
    Paragraph::new(lines)
        .wrap(Wrap { trim: true })
        .block(Block::bordered().title(format!(" {} ", tr(app, title))))
}

fn total_lines(app: &App, t: &Tally) -> Vec<Line<'static>> {
    let o = &t.totals;
    vec![
        Line::from(format!(
            "{} {}   {} {}   {} {}   {} {}   {} {}",
            tr(app, ui::T_ACCEPTED),
            o.accepted,
            tr(app, ui::T_RETURNED),
            o.returned,
            tr(app, ui::T_IN_PROGRESS),
            o.in_progress,
            tr(app, ui::T_VOIDED),
            o.voided,
            tr(app, ui::T_TOTAL),
            o.total()
        ))
        .bold(),
        Line::from(format!(
            "{} {}   {} {}   │ {}{} {}   {} {}",
            tr(app, ui::T_ROSTER),
            t.roster,
            tr(app, ui::T_CAME_ON_DAY),
            t.came_on_day,
            tr(app, ui::T_WHOLE_WINDOW),
            tr(app, ui::T_SEEN),
            t.seen,
            tr(app, ui::T_NOT_YET),
            t.not_yet_come
        )),
    ]
}

/// A bar of `value` against the largest value `max`, in eighths of a cell.
fn bar(value: u64, max: u64) -> String {
    if max == 0 || value == 0 {
        return String::new();
    }
    let eighths = (value * BAR_WIDTH as u64 * 8).div_ceil(max) as usize;
    let partial = ["", "▏", "▎", "▍", "▌", "▋", "▊", "▉"][eighths % 8];
    format!("{}{partial}", "█".repeat(eighths / 8))
}

fn hour_lines(t: &Tally) -> Vec<Line<'static>> {
    let hours = t.hourly(FIRST_HOUR, LAST_HOUR);
    let max = hours.iter().map(|(_, o)| o.total()).max().unwrap_or(0);
    hours
        .iter()
        .map(|(h, o)| {
            Line::from(format!(
                "{} {:<width$} {}/{}",
                hour_label(*h),
                bar(o.total(), max),
                o.accepted,
                o.returned,
                width = BAR_WIDTH
            ))
        })
        .collect()
}

fn named_lines(app: &App, by: &std::collections::BTreeMap<String, Outcomes>) -> Vec<Line<'static>> {
    if by.is_empty() {
        return vec![Line::from(tr(app, ui::NONE_YET)).fg(Color::DarkGray)];
    }
    // The bars count visits served (accepted, returned, in progress); voids are shown apart,
    // so a supervisor who only voided is not a clerk with an empty "0/0" bar.
    let served = |o: &Outcomes| o.total() - o.voided;
    let max = by.values().map(served).max().unwrap_or(0);
    by.iter()
        .map(|(name, o)| {
            let voids = if o.voided > 0 {
                format!("{}{}", tr(app, ui::VOIDS_ONLY), o.voided)
            } else {
                String::new()
            };
            if served(o) == 0 {
                return Line::from(format!("{name:<10} {voids}"));
            }
            let space = if voids.is_empty() { "" } else { "  " };
            Line::from(format!(
                "{name:<10} {:<20} {}/{}{space}{voids}",
                bar(served(o), max).chars().take(20).collect::<String>(),
                o.accepted,
                o.returned
            ))
        })
        .collect()
}

fn reason_lines(app: &App, t: &Tally) -> Vec<Line<'static>> {
    let top = t.top_reasons(5);
    if top.is_empty() {
        return vec![Line::from(tr(app, ui::NONE_YET)).fg(Color::DarkGray)];
    }
    top.iter()
        .map(|r| Line::from(format!("{:>3}  {}", r.count, r.reason)))
        .collect()
}

#[cfg(test)]
mod tests {
    #[test]
    fn bars_scale_to_the_largest_value() {
        assert_eq!(super::bar(0, 10), "");
        assert_eq!(super::bar(10, 10).chars().count(), super::BAR_WIDTH);
        assert_eq!(super::bar(5, 10), "█".repeat(15));
        assert_eq!(super::bar(1, 240), "▏");
    }
}
