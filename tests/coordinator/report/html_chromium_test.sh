#!/usr/bin/env bash
# Opens the HTML report in headless Chromium and checks what a reader gets:
# a screenshot that is not blank and shows every chart series' colour, and a
# DOM (as the browser parsed it) that holds each chart's SVG and the same
# JSON data blocks as the file.
#
# Usage: html_chromium_test.sh RENDER_BIN | REPORT.html
#   RENDER_BIN   tests/coordinator/render_sample_report (called as BIN OUT.html)
#   REPORT.html  an existing report page
# Environment: CHROMIUM=/path/to/chromium overrides the lookup;
#   KEEP_SCREENSHOT=FILE.png keeps the screenshot for a human to look at.
# Exit: 0 passed, 1 failed, 2 usage error, 77 skipped (no Chromium; ctest
# counts 77 as skipped with SKIP_RETURN_CODE 77).
set -uo pipefail

usage() {
  echo "usage: $0 RENDER_BIN | REPORT.html" >&2
  exit 2
}
[[ $# -eq 1 ]] || usage
input=$1

chromium=${CHROMIUM:-}
if [[ -z $chromium ]]; then
  for c in chromium chromium-browser google-chrome; do
    if command -v "$c" >/dev/null 2>&1; then
      chromium=$(command -v "$c")
      break
    fi
  done
fi
if [[ -z $chromium || ! -x $chromium ]]; then
  echo "SKIP: chromium is not installed (apt-get install -y chromium, or set" \
    "CHROMIUM=/path/to/chromium)"
  exit 77
fi
if ! command -v python3 >/dev/null 2>&1; then
  echo "SKIP: python3 is needed to decode the screenshot"
  exit 77
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

if [[ -f $input && $input == *.html ]]; then
  html=$(realpath "$input")
elif [[ -f $input && -x $input ]]; then
  html=$work/report.html
  if ! "$input" "$html"; then
    echo "FAIL: $input could not write $html" >&2
    exit 1
  fi
else
  echo "FAIL: $input is neither an .html file nor an executable" >&2
  exit 2
fi

# Headless as root needs --no-sandbox; the networking flags keep Chromium
# from calling Google (there is no network here, and the page needs none).
run_chromium() {
  local profile
  profile=$(mktemp -d -p "$work")
  timeout 120 "$chromium" --headless --no-sandbox --disable-gpu --disable-quic \
    --no-first-run --disable-background-networking --disable-component-update \
    --disable-sync --hide-scrollbars --user-data-dir="$profile" "$@"
}

png=$work/report.png
if ! run_chromium --screenshot="$png" --window-size=1280,2000 \
  "file://$html" >"$work/screenshot.log" 2>&1; then
  echo "FAIL: chromium --screenshot failed:" >&2
  cat "$work/screenshot.log" >&2
  exit 1
fi
if [[ ! -s $png ]]; then
  echo "FAIL: no screenshot at $png" >&2
  cat "$work/screenshot.log" >&2
  exit 1
fi
if [[ -n ${KEEP_SCREENSHOT:-} ]]; then cp "$png" "$KEEP_SCREENSHOT"; fi

dom=$work/dom.html
if ! run_chromium --dump-dom "file://$html" >"$dom" 2>"$work/dom.log"; then
  echo "FAIL: chromium --dump-dom failed:" >&2
  cat "$work/dom.log" >&2
  exit 1
fi

# Where each series' line is on the page: a copy of the page with a script
# that writes every line's bounding box into the DOM (appended at the end of
# the body, so the charts stay where the screenshot has them).
rects_html=$work/rects.html
sed 's#</body>#<script>var o=[];document.querySelectorAll("polyline.series-line").forEach(function(p){var r=p.getBoundingClientRect();o.push([p.getAttribute("data-series"),r.left,r.top,r.right,r.bottom].join(","));});var e=document.createElement("pre");e.id="series-rects";e.textContent=o.join(";");document.body.appendChild(e);</script></body>#' \
  "$html" >"$rects_html"
rects_dom=$work/rects-dom.html
if ! run_chromium --window-size=1280,2000 --dump-dom "file://$rects_html" \
  >"$rects_dom" 2>"$work/rects.log"; then
  echo "FAIL: chromium --dump-dom of the measured copy failed:" >&2
  cat "$work/rects.log" >&2
  exit 1
fi

python3 - "$html" "$png" "$dom" "$rects_dom" <<'PY'
import json, re, struct, sys, zlib

html_path, png_path, dom_path, rects_path = sys.argv[1:5]
failures = []


def fail(msg):
    failures.append(msg)


def decode_png(path):
    """(width, height, bytes per pixel, rows) of an 8-bit RGB/RGBA PNG."""
    data = open(path, 'rb').read()
    if data[:8] != b'\x89PNG\r\n\x1a\n':
        raise ValueError('not a PNG')
    pos, idat = 8, b''
    while pos < len(data):
        n, kind = struct.unpack('>I4s', data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + n]
        pos += 12 + n
        if kind == b'IHDR':
            w, h, depth, ctype, _, _, interlace = struct.unpack('>IIBBBBB', body)
            if depth != 8 or ctype not in (2, 6) or interlace:
                raise ValueError('unsupported PNG (depth %d, colour type %d, '
                                 'interlace %d)' % (depth, ctype, interlace))
            bpp = 3 if ctype == 2 else 4
        elif kind == b'IDAT':
            idat += body
        elif kind == b'IEND':
            break
    raw = zlib.decompress(idat)
    stride = w * bpp
    rows, prev, i = [], bytearray(stride), 0
    for _ in range(h):
        f = raw[i]
        line = bytearray(raw[i + 1:i + 1 + stride])
        i += 1 + stride
        if f == 1:
            for x in range(bpp, stride):
                line[x] = (line[x] + line[x - bpp]) & 255
        elif f == 2:
            for x in range(stride):
                line[x] = (line[x] + prev[x]) & 255
        elif f == 3:
            for x in range(stride):
                a = line[x - bpp] if x >= bpp else 0
                line[x] = (line[x] + ((a + prev[x]) >> 1)) & 255
        elif f == 4:
            for x in range(stride):
                a = line[x - bpp] if x >= bpp else 0
                b = prev[x]
                c = prev[x - bpp] if x >= bpp else 0
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                line[x] = (line[x] + (a if pa <= pb and pa <= pc
                                      else b if pb <= pc else c)) & 255
        rows.append(bytes(line))
        prev = line
    return w, h, bpp, rows


source = open(html_path, encoding='utf-8').read()
dom = open(dom_path, encoding='utf-8').read()

# --- The screenshot: not blank, and every series' colour is on it. ---
try:
    w, h, bpp, rows = decode_png(png_path)
except Exception as e:  # a broken PNG is a failure, not a crash
    print('FAIL: cannot decode the screenshot: %s' % e)
    sys.exit(1)
if (w, h) != (1280, 2000):
    fail('screenshot is %dx%d, expected 1280x2000' % (w, h))
counts = {}
for row in rows:
    for x in range(0, len(row), bpp):
        px = row[x:x + 3]
        counts[px] = counts.get(px, 0) + 1
background, bg_count = max(counts.items(), key=lambda kv: kv[1])
inked = 1 - bg_count / float(w * h)
print('screenshot: %dx%d, %d distinct colours, %.1f%% not background' %
      (w, h, len(counts), inked * 100))
if len(counts) < 2:
    fail('screenshot is a single colour (blank page)')
elif len(counts) < 50 or inked < 0.02:
    fail('screenshot is nearly blank (%d colours, %.2f%% ink)' %
         (len(counts), inked * 100))

colours = re.findall(r'<polyline class="series-line" data-series="([^"]*)" '
                     r'stroke="#([0-9a-fA-F]{6})"', source)
if not colours:
    fail('the page has no chart series (a report without intervals?)')
# Each line's pixels are counted inside its own box on the page, not over
# the whole screenshot: the legend's swatch has the same colour and would
# pass for a line that was never drawn.
m = re.search(r'<pre id="series-rects">([^<]*)</pre>',
              open(rects_path, encoding='utf-8').read())
boxes = []
if m is None or not m.group(1):
    fail('no line boxes measured on the page')
else:
    for item in m.group(1).split(';'):
        name, left, top, right, bottom = item.rsplit(',', 4)
        boxes.append((name, int(float(left)), int(float(top)),
                      int(float(right)) + 1, int(float(bottom)) + 1))
if len(boxes) != len(colours):
    fail('%d lines measured, %d in the page' % (len(boxes), len(colours)))
for (name, hexrgb), (box_name, x0, y0, x1, y1) in zip(colours, boxes):
    want = bytes.fromhex(hexrgb)
    near = 0
    for y in range(max(y0, 0), min(y1, h)):
        row = rows[y]
        for x in range(max(x0, 0), min(x1, w)):
            px = row[x * bpp:x * bpp + 3]
            if max(abs(px[i] - want[i]) for i in range(3)) <= 24:
                near += 1
    print('series %s (#%s): %d pixels inside its line box %d,%d-%d,%d' %
          (name, hexrgb, near, x0, y0, x1, y1))
    if box_name != name:
        fail('line boxes out of order: %s measured for %s' % (box_name, name))
    # A line across the plot colours at least one pixel per column; the
    # point markers alone (same colour) come to about half that.
    if near < x1 - x0:
        fail('series %s (#%s) is not drawn in its plot area (%d pixels for a '
             'line %d wide)' % (name, hexrgb, near, x1 - x0))

# --- The DOM: charts and their data survive parsing. ---
block_re = re.compile(r'<script type="application/json" id="(chart-[a-z-]+-data)">'
                      r'(.*?)</script>', re.S)
in_source = dict(block_re.findall(source))
in_dom = dict(block_re.findall(dom))
if not in_source:
    fail('the page has no chart data blocks')
for ident, text in sorted(in_source.items()):
    if ident not in in_dom:
        fail('data block %s is missing from the DOM' % ident)
        continue
    try:
        want, got = json.loads(text), json.loads(in_dom[ident])
    except ValueError as e:
        fail('data block %s is not JSON: %s' % (ident, e))
        continue
    if want != got:
        fail('data block %s differs between file and DOM' % ident)
    points = sum(len(s['points']) for s in got['series'])
    print('%s: %d series, %d points, %d breaker events' %
          (ident, len(got['series']), points, len(got['breaker_events'])))
    if points == 0:
        fail('data block %s has no points' % ident)

for tag, pattern in [('svg', r'<svg[\s>]'),
                     ('polyline', r'<polyline[\s>]'),
                     ('circle', r'<circle[\s>]'),
                     ('breaker-event', r'class="breaker-event"')]:
    n_src = len(re.findall(pattern, source))
    n_dom = len(re.findall(pattern, dom))
    print('DOM %s: %d (file: %d)' % (tag, n_dom, n_src))
    if n_dom != n_src:
        fail('DOM has %d %s elements, the file %d' % (n_dom, tag, n_src))
if len(re.findall(r'<svg[\s>]', dom)) != len(in_source):
    fail('expected one <svg> per chart data block')
for section in ('totals', 'charts', 'agents', 'thresholds', 'errors'):
    if 'id="%s"' % section not in dom:
        fail('section %s is missing from the DOM' % section)

if failures:
    for f in failures:
        print('FAIL: ' + f)
    sys.exit(1)
print('PASS')
PY
