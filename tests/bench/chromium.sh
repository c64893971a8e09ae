#!/usr/bin/env bash
# The registration form through headless Chromium, for comparison with the in-process renderer
# (tests/bench/print.rs; issue #5: "at least 30× faster" than the same form as HTML in Chromium).
#
# What it does:
#  1. installs Debian's chromium, fonts-noto-cjk (the form's font) and poppler-utils with apt-get
#     if they are missing (as root, or through sudo);
#  2. runs the print bench once with GRAD_INTAKE_HTML_OUT to write the same form (same page
#     model: 30 courses, photo, QR) as a self-contained HTML document, and the in-process PDF;
#  3. prints that HTML to PDF RUNS times (default 10, after one untimed warm-up) with
#     `chromium --headless --print-to-pdf`, one fresh browser process and profile each, as a
#     script printing one form would, and reports the mean and minimum wall time per form;
#  4. checks the Chromium PDF is two A4 pages and renders its page 1 to a PNG to look at;
#  5. runs `cargo bench --bench print -- form_two_pages` and prints the in-process mean (from
#     criterion's estimates.json) and the ratio Chromium / in process.
#
# Not run by CI (it installs a browser). Takes about 3–5 minutes on the project's 2-core machine
# with the release build already made (the bench's own criterion run is most of it), plus the
# install the first time. Outputs stay in OUT (default: a new directory under /tmp).
#
# Usage: bash tests/bench/chromium.sh            RUNS=20 OUT=/tmp/x bash tests/bench/chromium.sh
set -euo pipefail
cd "$(dirname "$0")/../.."

RUNS=${RUNS:-10}
OUT=${OUT:-$(mktemp -d /tmp/grad-intake-chromium.XXXXXX)}
mkdir -p "$OUT"

# 1. Packages.
missing=()
command -v chromium >/dev/null 2>&1 || missing+=(chromium)
fc-list 2>/dev/null | grep -q 'Noto Sans CJK SC' || missing+=(fonts-noto-cjk)
command -v pdfinfo >/dev/null 2>&1 || missing+=(poppler-utils)
if ((${#missing[@]})); then
    sudo=()
    [[ $(id -u) -eq 0 ]] || sudo=(sudo)
    echo "installing ${missing[*]}"
    "${sudo[@]}" apt-get update -qq
    DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq --no-install-recommends \
        "${missing[@]}" fontconfig
fi
chromium --version 2>/dev/null

# 2. The form as HTML, and the in-process PDF beside it.
GRAD_INTAKE_HTML_OUT="$OUT/form.html" cargo bench --bench print

# 3. Chromium. Without the background-networking flags it can hang on refused connections.
print_once() {
    local profile
    profile=$(mktemp -d)
    timeout 120 chromium --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
        --disable-background-networking --disable-component-update --disable-sync \
        --user-data-dir="$profile" --no-pdf-header-footer \
        --print-to-pdf="$OUT/chromium.pdf" "file://$OUT/form.html" >>"$OUT/chromium.log" 2>&1
    rm -rf "$profile"
}
now_ns() { date +%s%N; }
start=$(now_ns)
print_once
echo "chromium warm-up (first run): $(((($(now_ns) - start)) / 1000000)) ms"
elapsed=()
for ((i = 1; i <= RUNS; i++)); do
    rm -f "$OUT/chromium.pdf"
    start=$(now_ns)
    print_once
    elapsed+=($(($(now_ns) - start)))
    [[ -s $OUT/chromium.pdf ]] || { echo "chromium wrote no PDF (see $OUT/chromium.log)" >&2; exit 1; }
done
read -r chromium_mean chromium_min < <(printf '%s\n' "${elapsed[@]}" |
    awk '{ s += $1; if (NR == 1 || $1 < m) m = $1 } END { printf "%.1f %.1f\n", s / NR / 1e6, m / 1e6 }')
echo "chromium: $RUNS runs, mean $chromium_mean ms, min $chromium_min ms per form"

# 4. The Chromium PDF: two A4 pages, and page 1 as a picture.
pages=$(pdfinfo "$OUT/chromium.pdf" | awk '/^Pages:/ { print $2 }')
size=$(pdfinfo "$OUT/chromium.pdf" | sed -n 's/^Page size: *//p')
echo "chromium PDF: $(stat -c %s "$OUT/chromium.pdf") bytes, $pages pages, $size"
echo "in-process PDF: $(stat -c %s "$OUT/form.in-process.pdf") bytes"
[[ $pages == 2 && $size == *A4* ]] || { echo "expected 2 A4 pages" >&2; exit 1; }
pdftoppm -r 50 -png -f 1 -l 1 "$OUT/chromium.pdf" "$OUT/chromium-page"
echo "page 1: $(ls "$OUT"/chromium-page*.png)"

# 5. The in-process figure and the ratio.
cargo bench --bench print -- form_two_pages
estimates="${CARGO_TARGET_DIR:-target}/criterion/print/form_two_pages/new/estimates.json"
if command -v python3 >/dev/null 2>&1; then
    mean_ns=$(python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))["mean"]["point_estimate"])' "$estimates")
else
    mean_ns=$(jq '.mean.point_estimate' "$estimates")
fi
awk -v c="$chromium_mean" -v cmin="$chromium_min" -v ns="$mean_ns" 'BEGIN {
    ms = ns / 1e6
    printf "in process: mean %.2f ms per form (criterion print/form_two_pages)\n", ms
    printf "chromium / in process: %.0f× (mean), %.0f× (chromium min)\n", c / ms, cmin / ms
}'
echo "outputs in $OUT"
