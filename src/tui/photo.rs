//! A candidate's JPEG reduced to half-block terminal cells, so the clerk can compare the face on
//! file with the person at the desk. Runs in the worker (decoding takes a few milliseconds).

use image::imageops::FilterType;

use super::state::PhotoCells;

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
