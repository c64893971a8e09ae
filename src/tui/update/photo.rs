//! The large photo view (Ctrl-P): the candidate's photo as large as the terminal allows, beside
//! the name and masked ID, so the clerk can compare the face with the person at the desk. The
//! worker makes the picture for the terminal's size; a resize asks for it again.

use ratatui::crossterm::event::{KeyCode, KeyEvent};

use super::super::form::is_chord;
use super::super::state::{App, DbJob, Effect, LargePicture, Overlay, Picture};
use super::super::view::large_photo_cells;

/// Ctrl-P, the key that opens and closes the large view.
pub(super) fn is_large_photo_key(key: &KeyEvent) -> bool {
    is_chord(key) && key.code == KeyCode::Char('p')
}

/// Opens the large view of the open file's candidate (nothing without a file).
pub(super) fn open(app: &mut App) -> Vec<Effect> {
    let Some(file) = &app.file else {
        return Vec::new();
    };
    let exam_no = file.loaded.candidate.exam_no.to_string();
    app.overlay = Some(Overlay::LargePhoto {
        exam_no: exam_no.clone(),
        picture: LargePicture::Loading,
    });
    vec![ask(app, exam_no)]
}

/// The terminal's new size; an open large view is made again for it.
pub(super) fn on_resize(app: &mut App, cols: u16, rows: u16) -> Vec<Effect> {
    app.screen_size = (cols, rows);
    match &app.overlay {
        Some(Overlay::LargePhoto { exam_no, .. }) => {
            let exam_no = exam_no.clone();
            vec![ask(app, exam_no)]
        }
        _ => Vec::new(),
    }
}

/// The worker's picture: shown if the view of that candidate is still open, else dropped.
pub(super) fn on_photo(app: &mut App, exam_no: &str, picture: Option<Picture>) -> Vec<Effect> {
    if let Some(Overlay::LargePhoto {
        exam_no: open,
        picture: shown,
    }) = &mut app.overlay
        && open == exam_no
    {
        *shown = picture.map_or(LargePicture::Missing, LargePicture::Shown);
    }
    Vec::new()
}

fn ask(app: &App, exam_no: String) -> Effect {
    let (cols, rows) = large_photo_cells(app.screen_size);
    Effect::Db(DbJob::Photo {
        exam_no,
        cols,
        rows,
    })
}
