//! A candidate's JPEG made ready to draw, so the clerk can compare the face on file with the
//! person at the desk: half-block cells (every terminal; snapshots), and where the terminal can
//! show pictures, a Sixel, Kitty or iTerm2 image of the same area; and measured against the
//! standard of the candidate's site for the card's photo line. All of it runs in workers
//! (decoding and encoding take milliseconds, measuring tens), never on the UI thread.

use std::sync::Arc;

use image::DynamicImage;
use image::imageops::FilterType;
use ratatui::layout::Size;
use ratatui_image::protocol::{Protocol, iterm2::Iterm2, kitty::Kitty, sixel::Sixel};

use super::graphics::{Graphics, Kind};
use super::state::{Graphic, PhotoCells, PhotoCheck, PhotoJob, Picture};
use crate::domain::photo::{Outcome, Standards, Verdict, verdict};
use crate::domain::schedule::Schedule;
use crate::photo::check::standard_for_site;

/// 18 columns × 12 rows of half blocks = 18 × 24 pixels: the standard's 3:4.
pub const PHOTO_COLS: u16 = 18;
pub const PHOTO_ROWS: u16 = 12;

/// The card's photo. `None` when the bytes are not a readable image: the card then says there
/// is no photo.
pub fn card_picture(jpeg: &[u8], graphics: Graphics) -> Option<Picture> {
    to_picture(jpeg, graphics, PHOTO_COLS, PHOTO_ROWS)
}

/// The photo for an area of `cols × rows` cells, drawn as `graphics` says. `None` when the
/// bytes are not a readable image.
pub fn to_picture(jpeg: &[u8], graphics: Graphics, cols: u16, rows: u16) -> Option<Picture> {
    let image = image::load_from_memory(jpeg).ok()?;
    let (fit_cols, fit_rows) = half_block_fit(&image, cols, rows);
    let cells = cells_of(&image, fit_cols, fit_rows);
    let graphic = encode(&image, graphics, cols, rows);
    Some(Picture { cells, graphic })
}

/// The largest half-block area inside `cols × rows` with the photo's aspect: a cell is one
/// pixel wide and two high, about square pixels on a terminal (the card's 18 × 12 is the
/// standard's 3:4 exactly).
fn half_block_fit(image: &DynamicImage, cols: u16, rows: u16) -> (u16, u16) {
    let (width, height) = (f64::from(image.width()), f64::from(image.height()));
    if width < 1.0 || height < 1.0 {
        return (cols, rows);
    }
    let scale = f64::min(f64::from(cols) / width, f64::from(rows) * 2.0 / height);
    let fit = |pixels: f64, most: u16| (pixels.round() as u16).clamp(1, most.max(1));
    (fit(width * scale, cols), fit(height * scale / 2.0, rows))
}

/// Half blocks: each cell two pixels high, the photo resized to the area.
fn cells_of(image: &DynamicImage, cols: u16, rows: u16) -> PhotoCells {
    let small = image::imageops::resize(
        &image.to_rgb8(),
        u32::from(cols),
        u32::from(rows) * 2,
        FilterType::Triangle,
    );
    let pixel = |x: u32, y: u32| small.get_pixel(x, y).0;
    let cells = (0..u32::from(rows))
        .flat_map(|row| (0..u32::from(cols)).map(move |col| (col, row)))
        .map(|(col, row)| (pixel(col, row * 2), pixel(col, row * 2 + 1)))
        .collect();
    PhotoCells { cols, rows, cells }
}

/// The terminal's own picture of the photo, scaled to fit `cols × rows` cells at its cell size
/// with the photo's aspect kept; `None` for half blocks or when encoding fails (the card then
/// shows the half blocks).
pub fn encode(image: &DynamicImage, graphics: Graphics, cols: u16, rows: u16) -> Option<Graphic> {
    let (cell_w, cell_h) = (u32::from(graphics.cell.0), u32::from(graphics.cell.1));
    let (box_w, box_h) = (u32::from(cols) * cell_w, u32::from(rows) * cell_h);
    if box_w == 0 || box_h == 0 || image.width() == 0 || image.height() == 0 {
        return None;
    }
    // Fit inside the box, aspect kept.
    let scale = f64::min(
        f64::from(box_w) / f64::from(image.width()),
        f64::from(box_h) / f64::from(image.height()),
    );
    let width = ((f64::from(image.width()) * scale) as u32).clamp(1, box_w);
    let height = ((f64::from(image.height()) * scale) as u32).clamp(1, box_h);
    let scaled = image.resize_exact(width, height, FilterType::Triangle);
    let size = Size::new(
        u16::try_from(width.div_ceil(cell_w)).ok()?,
        u16::try_from(height.div_ceil(cell_h)).ok()?,
    );
    let protocol = match graphics.kind {
        Kind::Halfblocks => return None,
        Kind::Sixel => Protocol::Sixel(Sixel::new(scaled, size, graphics.tmux).ok()?),
        Kind::Kitty => {
            Protocol::Kitty(Kitty::new(scaled, size, rand::random(), graphics.tmux, false).ok()?)
        }
        Kind::Iterm2 => Protocol::ITerm2(Iterm2::new(scaled, size, graphics.tmux).ok()?),
    };
    Some(Graphic(Arc::new(protocol)))
}

/// Measures a job's photo against the standard of its site (chosen as `photo check --exam-no`
/// chooses it: the site's own entry, else its city's).
pub fn check(job: &PhotoJob, standards: &Standards, schedule: &Schedule) -> PhotoCheck {
    match standard_for_site(standards, schedule, &job.site_code) {
        Ok(standard) => line_of(&verdict(&crate::photo::measure(&job.jpeg.0), standard)),
        Err(_) => PhotoCheck::NoStandard,
    }
}

/// The photo line of a verdict: the failed rules first; else the rules not measured.
fn line_of(verdict: &Verdict) -> PhotoCheck {
    let with = |outcome| {
        verdict
            .rules
            .iter()
            .filter(|r| r.outcome == outcome)
            .map(|r| r.check)
            .collect()
    };
    match verdict.overall {
        Outcome::Passed => PhotoCheck::Passed,
        Outcome::Failed => PhotoCheck::Failed(with(Outcome::Failed)),
        Outcome::NotMeasured => PhotoCheck::NotMeasured(with(Outcome::NotMeasured)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn demo_photo_becomes_cells_of_the_right_shape() {
        let jpeg = crate::demo::photo::demo_photo(3).unwrap();
        let cells = card_picture(&jpeg, Graphics::HALFBLOCKS).unwrap().cells;
        assert_eq!(cells.cells.len(), usize::from(PHOTO_COLS * PHOTO_ROWS));
        // The corner is background, the centre of the picture is face: they differ.
        let centre = usize::from(PHOTO_ROWS / 2 * PHOTO_COLS + PHOTO_COLS / 2);
        assert_ne!(cells.cells[0], cells.cells[centre]);
    }

    #[test]
    fn garbage_is_no_photo() {
        assert_eq!(card_picture(b"not a jpeg", Graphics::HALFBLOCKS), None);
        assert!(to_picture(b"not a jpeg", Graphics::HALFBLOCKS, 40, 30).is_none());
    }

    /// The escape sequence a protocol writes into the buffer for this picture.
    fn drawn(graphic: &Graphic, cols: u16, rows: u16) -> String {
        let area = ratatui::layout::Rect::new(0, 0, cols, rows);
        let mut buffer = ratatui::buffer::Buffer::empty(area);
        ratatui::widgets::Widget::render(graphic.widget(), area, &mut buffer);
        buffer.content().iter().map(|c| c.symbol()).collect()
    }

    #[test]
    fn sixel_kitty_and_iterm2_pictures_of_a_demo_photo_are_made_and_bounded() {
        let jpeg = crate::demo::photo::demo_photo(3).unwrap();
        for (kind, start) in [
            (Kind::Sixel, "\u{1b}P"),
            (Kind::Kitty, "\u{1b}_G"),
            (Kind::Iterm2, "\u{1b}]1337;File="),
        ] {
            let graphics = Graphics {
                kind,
                cell: (10, 20),
                tmux: false,
            };
            let picture = to_picture(&jpeg, graphics, PHOTO_COLS, PHOTO_ROWS).unwrap();
            let graphic = picture.graphic.expect("a picture for this protocol");
            // 3:4 in 18 × 12 cells of 10 × 20 px: 180 × 240 px, exactly the area.
            assert_eq!(graphic.size(), (PHOTO_COLS, PHOTO_ROWS), "{kind:?}");
            let sequence = drawn(&graphic, PHOTO_COLS, PHOTO_ROWS);
            assert!(sequence.contains(start), "{kind:?}: {:?}", &sequence[..40]);
            // A card photo is small enough to send on every redraw of a slow remote terminal.
            assert!(
                sequence.len() < 400_000,
                "{kind:?}: {} bytes",
                sequence.len()
            );
            // The half blocks are made as well, for terminals (and snapshots) without pictures.
            assert_eq!(
                picture.cells.cells.len(),
                usize::from(PHOTO_COLS * PHOTO_ROWS)
            );
        }
        let none = to_picture(&jpeg, Graphics::HALFBLOCKS, PHOTO_COLS, PHOTO_ROWS).unwrap();
        assert!(none.graphic.is_none());
    }

    #[test]
    fn a_large_view_keeps_the_photo_upright_at_three_to_four() {
        let jpeg = crate::demo::photo::demo_photo(3).unwrap();
        let image = image::load_from_memory(&jpeg).unwrap();
        let graphics = Graphics {
            kind: Kind::Sixel,
            cell: (10, 20),
            tmux: false,
        };
        // 80 × 36 cells = 800 × 720 px: the 3:4 photo is 540 × 720 px, 54 × 36 cells.
        let graphic = encode(&image, graphics, 80, 36).unwrap();
        assert_eq!(graphic.size(), (54, 36));
    }
}
