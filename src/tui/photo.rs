//! A candidate's JPEG reduced to half-block terminal cells, so the clerk can compare the face on
//! file with the person at the desk, and measured against the standard of the candidate's site
//! for the card's photo line. Both run in workers (decoding takes milliseconds, measuring tens).

use image::imageops::FilterType;

use super::state::{PhotoCells, PhotoCheck, PhotoJob};
use crate::domain::photo::{Outcome, Standards, Verdict, verdict};
use crate::domain::schedule::Schedule;
use crate::photo::check::standard_for_site;

/// 18 columns × 12 rows of half blocks = 18 × 24 pixels: the standard's 3:4.
pub const PHOTO_COLS: u16 = 18;
pub const PHOTO_ROWS: u16 = 12;

/// `None` when the bytes are not a readable image: the card then says there is no photo.
pub fn to_cells(jpeg: &[u8]) -> Option<PhotoCells> {
    let image = image::load_from_memory(jpeg).ok()?.to_rgb8();
    let small = image::imageops::resize(
        &image,
        u32::from(PHOTO_COLS),
        u32::from(PHOTO_ROWS) * 2,
        FilterType::Triangle,
    );
    let pixel = |x: u32, y: u32| small.get_pixel(x, y).0;
    let cells = (0..u32::from(PHOTO_ROWS))
        .flat_map(|row| (0..u32::from(PHOTO_COLS)).map(move |col| (col, row)))
        .map(|(col, row)| (pixel(col, row * 2), pixel(col, row * 2 + 1)))
        .collect();
    Some(PhotoCells {
        cols: PHOTO_COLS,
        rows: PHOTO_ROWS,
        cells,
    })
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
        let cells = to_cells(&jpeg).unwrap();
        assert_eq!(cells.cells.len(), usize::from(PHOTO_COLS * PHOTO_ROWS));
        // The corner is background, the centre of the picture is face: they differ.
        let centre = usize::from(PHOTO_ROWS / 2 * PHOTO_COLS + PHOTO_COLS / 2);
        assert_ne!(cells.cells[0], cells.cells[centre]);
    }

    #[test]
    fn garbage_is_no_photo() {
        assert_eq!(to_cells(b"not a jpeg"), None);
    }
}
