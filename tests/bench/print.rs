//! One registration form (《毕业生登记表》, two A4 pages) for the demo candidate with the longest
//! course list (30 courses), with its photo and QR: `print::render` in a running counter (the
//! shipped font already parsed). Targets: ≤ 15 ms and ≤ 200 KB; at least 30× faster than the
//! same form as HTML printed by headless Chromium (tests/bench/chromium.sh measures that side).
//!
//! Benches `print/form_two_pages` (the whole render), `print/layout` and `print/pdf` (its two
//! steps). Prints the PDF's size (asserted ≤ 200 KB) and, once, the cold first render of this
//! fresh process, font parse included (reported, not asserted).
//!
//! With `GRAD_INTAKE_HTML_OUT=/path/form.html`, writes the same form (the same page model) as a
//! self-contained HTML document for Chromium (and this renderer's PDF beside it, as
//! `form.in-process.pdf`) and exits without benchmarking.

use std::fmt::Write as _;
use std::hint::black_box;
use std::time::Instant;

use base64::Engine as _;
use chrono::{TimeZone, Utc};
use criterion::Criterion;
use ed25519_dalek::SigningKey;
use grad_intake::demo;
use grad_intake::print::fonts::Fonts;
use grad_intake::print::layout::{
    self, FormData, FormDef, Item, PAGE_HEIGHT_MM, PAGE_WIDTH_MM, Page,
};
use grad_intake::print::{self, data, pdf};

const MAX_BYTES: usize = 200 * 1024;

/// The form and the demo candidate with the longest course list, filled as the counter does.
fn demo_form() -> (FormDef, FormData) {
    let now = Utc.with_ymd_and_hms(2026, 11, 20, 2, 0, 0).unwrap();
    let key = SigningKey::from_bytes(&[1; 32]);
    let candidate = demo::roster(30, 1, now, &key)
        .expect("demo roster")
        .into_iter()
        .map(|(_, c)| c)
        .max_by_key(|c| c.courses.len())
        .expect("a candidate");
    assert_eq!(
        candidate.courses.len(),
        30,
        "the demo's longest course list"
    );
    let photo = demo::photo::demo_photo(3).expect("demo photo");
    let place = data::PrintPlace {
        site: "9901 演示考点",
        counter_id: "counter-1",
        now,
    };
    let filled = data::registration(&candidate, Some(photo), 2, &place);
    let form = FormDef::builtin("registration-form").expect("registration form");
    (form, filled)
}

fn main() {
    let (form, filled) = demo_form();
    if let Some(out) = std::env::var_os("GRAD_INTAKE_HTML_OUT") {
        let pages = layout::layout(&form, &filled, &Fonts::shipped()).expect("layout");
        let html = html(&pages).expect("formatting into a String");
        std::fs::write(&out, html).expect("write the HTML");
        // The in-process PDF beside it, to compare the two.
        let pdf = print::render(&form, &[filled], &Fonts::shipped()).expect("render");
        let pdf_out = std::path::Path::new(&out).with_extension("in-process.pdf");
        std::fs::write(&pdf_out, &pdf.pdf).expect("write the PDF");
        eprintln!(
            "print: HTML of {} pages written to {} (in-process PDF: {})",
            pages.len(),
            out.to_string_lossy(),
            pdf_out.display()
        );
        return;
    }

    // Cold: the first form of a fresh process parses the shipped font (its cmap and widths).
    let started = Instant::now();
    let fonts = Fonts::shipped();
    let parsed = started.elapsed();
    let doc = print::render(&form, std::slice::from_ref(&filled), &fonts).expect("render");
    let cold = started.elapsed();
    let started = Instant::now();
    black_box(print::render(&form, std::slice::from_ref(&filled), &fonts).expect("render"));
    eprintln!(
        "print: cold first form {:.1} ms (font parse {:.1} ms); the next one {:.1} ms",
        ms(cold),
        ms(parsed),
        ms(started.elapsed())
    );
    eprintln!(
        "print: {} pages, {} bytes (target ≤ {MAX_BYTES})",
        doc.pages,
        doc.pdf.len()
    );
    assert_eq!(doc.pages, 2, "one two-page form");
    assert!(doc.pdf.len() <= MAX_BYTES, "{} bytes", doc.pdf.len());

    let mut c = Criterion::default().configure_from_args();
    let mut group = c.benchmark_group("print");
    group.bench_function("form_two_pages", |b| {
        b.iter(|| {
            black_box(print::render(&form, std::slice::from_ref(&filled), &fonts).expect("render"))
        })
    });
    group.bench_function("layout", |b| {
        b.iter(|| black_box(layout::layout(&form, &filled, &fonts).expect("layout")))
    });
    let pages = layout::layout(&form, &filled, &fonts).expect("layout");
    group.bench_function("pdf", |b| {
        b.iter(|| {
            black_box(pdf::render(&pages, &fonts, "grad-intake registration-form x1").expect("pdf"))
        })
    });
    group.finish();
    c.final_summary();
}

fn ms(d: std::time::Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

/// The page model as HTML: one absolutely positioned element per item, in mm on A4 pages.
/// Text is placed by its baseline: with `line-height: 0` a line's baseline sits (ascent −
/// descent) / 2 below its top, 0.436 em for Noto Sans CJK (hhea 1160 / −288 per 1000).
fn html(pages: &[Page]) -> Result<String, std::fmt::Error> {
    let mut h = String::from(concat!(
        "<!DOCTYPE html>\n<html lang=\"zh-CN\"><head><meta charset=\"utf-8\">",
        "<title>毕业生登记表</title><style>\n",
        "@page { size: A4; margin: 0 }\n",
        "body { margin: 0 }\n",
        ".p { position: relative; overflow: hidden; break-after: page }\n",
        ".p:last-child { break-after: auto }\n",
        ".p > * { position: absolute; box-sizing: border-box; margin: 0 }\n",
        ".t { white-space: pre; line-height: 0; font-kerning: none;",
        " font-family: 'Noto Sans CJK SC', sans-serif }\n",
        ".r { border: solid #000 }\n",
        ".l { border-top: solid #000; transform-origin: 0 50% }\n",
        "svg { shape-rendering: crispEdges }\n",
        "</style></head><body>\n",
    ));
    // The position and size of an element, in mm.
    let at = |x: f32, y: f32, w: f32, h: f32| {
        format!("left:{x:.2}mm;top:{y:.2}mm;width:{w:.2}mm;height:{h:.2}mm")
    };
    for page in pages {
        let size = at(0.0, 0.0, PAGE_WIDTH_MM, PAGE_HEIGHT_MM);
        writeln!(h, "<div class=\"p\" style=\"{size}\">")?;
        for item in &page.items {
            match item {
                Item::Text {
                    x,
                    baseline,
                    size,
                    runs,
                } => {
                    let top = baseline - 0.436 * size * 25.4 / 72.0;
                    for run in runs {
                        let (left, text) = (x + run.dx, run.text.replace('&', "&amp;"));
                        let text = text.replace('<', "&lt;");
                        let style =
                            format!("left:{left:.2}mm;top:{top:.2}mm;font-size:{size:.2}pt");
                        writeln!(h, "<span class=\"t\" style=\"{style}\">{text}</span>")?;
                    }
                }
                Item::Rect {
                    x,
                    y,
                    w,
                    h: rh,
                    line,
                } => {
                    let box_ = at(x - line / 2.0, y - line / 2.0, w + line, rh + line);
                    writeln!(
                        h,
                        "<div class=\"r\" style=\"{box_};border-width:{line}mm\"></div>"
                    )?;
                }
                Item::Line {
                    x1,
                    y1,
                    x2,
                    y2,
                    line,
                } => {
                    let (len, deg) = (
                        (x2 - x1).hypot(y2 - y1),
                        (y2 - y1).atan2(x2 - x1).to_degrees(),
                    );
                    let style = format!(
                        "left:{x1:.2}mm;top:{:.2}mm;width:{len:.2}mm;border-top-width:{line}mm",
                        y1 - line / 2.0
                    );
                    writeln!(
                        h,
                        "<div class=\"l\" style=\"{style};transform:rotate({deg:.2}deg)\"></div>"
                    )?;
                }
                Item::Photo {
                    x,
                    y,
                    w,
                    h: ph,
                    jpeg,
                } => {
                    let data = base64::engine::general_purpose::STANDARD.encode(jpeg);
                    let style = at(*x, *y, *w, *ph);
                    writeln!(
                        h,
                        "<img alt=\"\" style=\"{style}\" src=\"data:image/jpeg;base64,{data}\">"
                    )?;
                }
                Item::Qr { x, y, module, runs } => {
                    // Dark modules as unit rectangles in an SVG scaled to the code's size.
                    let n = runs
                        .iter()
                        .map(|&(r, c, l)| (r + 1).max(c + l))
                        .max()
                        .unwrap_or(0);
                    let style = at(*x, *y, f32::from(n) * module, f32::from(n) * module);
                    write!(h, "<svg style=\"{style}\" viewBox=\"0 0 {n} {n}\">")?;
                    for (r, c, l) in runs {
                        write!(h, "<rect x=\"{c}\" y=\"{r}\" width=\"{l}\" height=\"1\"/>")?;
                    }
                    writeln!(h, "</svg>")?;
                }
            }
        }
        h.push_str("</div>\n");
    }
    h.push_str("</body></html>\n");
    Ok(h)
}
