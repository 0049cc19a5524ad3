# lib-browser.sh - load a page in a real headless Chromium and check it,
# sourced after test-lib.sh by the tests of the HTML reports (t0800).
#
#   . ./test-lib.sh
#   . "$TEST_DIR/lib-browser.sh"
#   browser_skip_unless_ready   (prints "1..0 # SKIP why" and exits when
#                                Chromium, ChromeDriver or python3 is not
#                                installed)
#   test_expect_success 'the report passes in a browser' '
#           drift-check -q --html report.html ref.csv cur.csv;
#           browser_check report.html report.png 3
#   '
#
# browser_check PAGE SHOT MIN_CHARTS loads PAGE (as a file:// URL) in
# headless Chromium, driven through ChromeDriver's WebDriver HTTP API by a
# python3 script of the standard library, and fails, saying why on
# stderr, unless
#   - the browser logged no console entry of level SEVERE (console.error,
#     an uncaught exception, a resource that failed to load) and no image
#     of the page is broken;
#   - the page has at least MIN_CHARTS outermost <svg> elements, and every
#     one of them has a rendered box of non-zero width and height and
#     draws at least one shape (rect, path, line, polyline, polygon,
#     circle, ellipse) of non-zero size, and no text of it (a label, a
#     tick) reaches past its edges, where the browser would cut it;
#   - a screenshot of the whole page (up to 8000 pixels high) was written
#     to SHOT, a PNG file of non-zero size.
# It prints one line of what it found on stdout.  When MLREPO_SCREENSHOTS
# names a directory, SHOT is also copied there, so that a person can look
# at what the browser showed (the test's trash is removed when it passes).
#
# Every browser_check starts a ChromeDriver of its own, on a free port, in
# a process group of its own, and a Chromium with a profile directory of
# its own under $TRASH/browser; when the check ends, passed or failed, both
# are stopped (by that group and by processes naming that profile), and
# the EXIT trap that browser_skip_unless_ready sets does the same for any
# left by a check that was killed.  The driver runs under `timeout`
# (BROWSER_TIMEOUT, 60 s by default), so a page or browser that hangs
# fails the check instead of the test run.

BROWSER_DIR=$TRASH/browser
: "${BROWSER_TIMEOUT:=60}"

# browser_skip_unless_ready: end the test file with TAP's skip-all line,
# saying why, unless Chromium, ChromeDriver and python3 are here; set the
# EXIT trap that stops what a check left running.
browser_skip_unless_ready() {
	BROWSER_BIN=
	for bw_b_ in chromium chromium-browser; do
		if command -v "$bw_b_" >/dev/null 2>&1; then
			BROWSER_BIN=$(command -v "$bw_b_")
			break
		fi
	done
	if [ -z "$BROWSER_BIN" ]; then
		echo "1..0 # SKIP chromium is not installed" \
		     "(scripts/deps --browser installs it)"
		exit 0
	fi
	if ! command -v chromedriver >/dev/null 2>&1; then
		echo "1..0 # SKIP chromedriver is not installed" \
		     "(scripts/deps --browser installs it)"
		exit 0
	fi
	if ! command -v python3 >/dev/null 2>&1; then
		echo "1..0 # SKIP python3, which drives the browser, is not" \
		     "installed"
		exit 0
	fi
	if ! command -v timeout >/dev/null 2>&1 ||
	   ! command -v setsid >/dev/null 2>&1; then
		echo "1..0 # SKIP timeout or setsid (coreutils, util-linux)" \
		     "is not installed"
		exit 0
	fi
	export BROWSER_BIN
	mkdir -p "$BROWSER_DIR" || {
		echo "Bail out! cannot make $BROWSER_DIR"
		exit 1
	}
	trap browser_exit_ EXIT
	trap 'exit 130' INT
	trap 'exit 143' TERM
	trap 'exit 129' HUP
}

browser_exit_() {
	bw_rc_=$?
	for bw_p_ in "$BROWSER_DIR"/*.pid; do
		[ -f "$bw_p_" ] || continue
		browser_stop_ "${bw_p_%.pid}"
	done
	test_cleanup
	exit $bw_rc_
}

# browser_stop_ BASE: stop the ChromeDriver whose pid is in BASE.pid (its
# whole process group), then any process still naming the profile
# directory BASE.profile (a Chromium that left the group); TERM, then KILL
# after 5 s.  Safe to call twice.
browser_stop_() {
	bw_pids_= bw_g_=
	if [ -s "$1.pid" ]; then
		bw_pids_=$(cat "$1.pid")
		# its group, only while it leads one of its own (setsid)
		if [ "$(browser_pgid_ "$bw_pids_")" = "$bw_pids_" ]; then
			bw_g_=$bw_pids_
			browser_killpg_ TERM "$bw_g_"
		else
			kill -TERM "$bw_pids_" 2>/dev/null
		fi
	fi
	# cmdline's arguments end in NUL: grep -z reads each as a line; the
	# pattern comes from a file, or grep's own cmdline would match it.
	printf -- '--user-data-dir=%s\n' "$1.profile" >"$1.pat"
	for bw_c_ in $(grep -lszxF -f "$1.pat" /proc/[0-9]*/cmdline); do
		bw_d_=${bw_c_%/cmdline}
		kill -TERM "${bw_d_#/proc/}" 2>/dev/null
		bw_pids_="$bw_pids_ ${bw_d_#/proc/}"
	done
	bw_i_=0
	for bw_q_ in $bw_pids_; do
		while browser_alive_ "$bw_q_"; do
			bw_i_=$((bw_i_ + 1))
			if [ $bw_i_ -ge 50 ]; then
				kill -KILL "$bw_q_" 2>/dev/null
				[ -n "${bw_g_:-}" ] && browser_killpg_ KILL "$bw_g_"
			fi
			[ $bw_i_ -ge 100 ] && break
			sleep 0.1
		done
	done
	rm -f "$1.pid"
	return 0
}

# browser_killpg_ SIGNAL PGID: signal a process group (dash's kill takes
# no negative pid).
browser_killpg_() {
	python3 -c 'import os, signal, sys
try:
	os.killpg(int(sys.argv[2]), getattr(signal, "SIG" + sys.argv[1]))
except ProcessLookupError:
	pass' "$1" "$2"
}

# browser_pgid_ PID: the process group of a live process.
browser_pgid_() {
	bw_st_=$(cat "/proc/$1/stat" 2>/dev/null) || return 0
	bw_st_=${bw_st_##*) }
	set -- $bw_st_
	echo "$3"
}

# browser_alive_ PID: the process lives and is no zombie (a chromedriver
# that was this shell's own child stays one until `wait` reaps it).
browser_alive_() {
	bw_st_=$(cat "/proc/$1/stat" 2>/dev/null) || return 1
	bw_st_=${bw_st_##*) }
	[ -n "$bw_st_" ] && [ "${bw_st_%% *}" != Z ]
}

# browser_check PAGE SHOT MIN_CHARTS: see the top of this file.
browser_check() {
	if [ $# != 3 ] || ! [ -f "$1" ]; then
		echo "browser_check: usage: browser_check PAGE SHOT MIN_CHARTS" \
		     "(PAGE an existing file)" >&2
		return 1
	fi
	case $3 in ''|*[!0-9]*)
		echo "browser_check: MIN_CHARTS '$3' is not a number" >&2
		return 1 ;;
	esac
	mkdir -p "$BROWSER_DIR" || return 1
	bw_base_=$(mktemp -d "$BROWSER_DIR/check.XXXXXX") || return 1
	rmdir "$bw_base_"
	bw_page_=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
	case $2 in /*) bw_shot_=$2 ;; *) bw_shot_=$PWD/$2 ;; esac
	rm -f "$bw_shot_"
	bw_port_=$(browser_free_port_) || {
		echo "browser_check: no free port for chromedriver" >&2
		return 1
	}
	# setsid: chromedriver leads a process group of its own, and the
	# Chromium it starts belongs to it (no fork: a background job of a
	# non-interactive shell is no group leader, so $! is chromedriver).
	# HOME too: Chromium writes .cache and .config there, not in $TRASH.
	mkdir -p "$BROWSER_DIR/home" || return 1
	HOME=$BROWSER_DIR/home setsid chromedriver --port="$bw_port_" \
		--log-path="$bw_base_.driver.log" >/dev/null 2>&1 &
	echo $! >"$bw_base_.pid"
	timeout "$BROWSER_TIMEOUT" python3 - "$bw_port_" "$bw_page_" \
		"$bw_shot_" "$3" "$bw_base_.profile" "$BROWSER_BIN" \
		<<'EOF_PY'
import base64, json, sys, time, urllib.error, urllib.request

port, page, shot, min_charts, profile, binary = sys.argv[1:7]
min_charts = int(min_charts)
base = "http://127.0.0.1:%s" % port

def call(method, path, body=None, timeout=30):
    data = None if body is None else json.dumps(body).encode()
    req = urllib.request.Request(base + path, data=data, method=method,
                                 headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(req, timeout=timeout) as r:
            return json.loads(r.read().decode() or "{}").get("value")
    except urllib.error.HTTPError as e:
        raise RuntimeError("%s %s: HTTP %d: %s" % (
            method, path, e.code, e.read().decode(errors="replace")[:500]))

# ChromeDriver answers /status once it listens: 10 s at most.
for _ in range(100):
    try:
        if call("GET", "/status", timeout=2).get("ready"):
            break
    except (OSError, RuntimeError, ValueError, AttributeError):
        pass
    time.sleep(0.1)
else:
    sys.exit("browser_check: chromedriver did not answer on port %s" % port)

caps = {"capabilities": {"alwaysMatch": {
    "browserName": "chrome",
    "pageLoadStrategy": "normal",
    "goog:loggingPrefs": {"browser": "ALL"},
    "goog:chromeOptions": {"binary": binary, "args": [
        "--headless=new", "--no-sandbox", "--disable-gpu",
        "--disable-dev-shm-usage", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--hide-scrollbars", "--window-size=1000,800",
        "--user-data-dir=" + profile]}}}}
sid = None
problems = []
try:
    sid = call("POST", "/session", caps, timeout=40)["sessionId"]
    s = "/session/" + sid
    call("POST", s + "/url", {"url": "file://" + urllib.request.quote(page)})
    # Two animation frames after the load: laid out and painted.
    found = call("POST", s + "/execute/async", {"args": [], "script": """
var done = arguments[arguments.length - 1];
requestAnimationFrame(function () { requestAnimationFrame(function () {
    var shapes = 'rect,path,line,polyline,polygon,circle,ellipse';
    var svgs = [];
    document.querySelectorAll('svg').forEach(function (s) {
        if (s.parentElement && s.parentElement.closest('svg'))
            return;
        var r = s.getBoundingClientRect(), drawn = 0;
        s.querySelectorAll(shapes).forEach(function (e) {
            var b = e.getBoundingClientRect();
            if (b.width > 0 || b.height > 0)
                drawn++;
        });
        // text the svg's own clipping cuts (overflow is hidden there)
        var cut = [];
        if (getComputedStyle(s).overflow !== 'visible')
            s.querySelectorAll('text').forEach(function (t) {
                var b = t.getBoundingClientRect();
                if (b.width > 0 && (b.left < r.left - 1 ||
                        b.right > r.right + 1 || b.top < r.top - 1 ||
                        b.bottom > r.bottom + 1))
                    cut.push(t.textContent);
            });
        var holder = s.id ? s : s.closest('[id]');
        svgs.push({w: r.width, h: r.height, drawn: drawn, cut: cut,
                   where: holder ? '#' + holder.id : ''});
    });
    var broken = [];
    Array.prototype.forEach.call(document.images, function (i) {
        if (i.complete && i.naturalWidth === 0)
            broken.push(i.getAttribute('src'));
    });
    done({svgs: svgs, broken: broken, title: document.title,
          ready: document.readyState,
          height: Math.ceil(document.documentElement.scrollHeight),
          width: Math.ceil(document.documentElement.scrollWidth)});
}); });
"""})
    try:
        log = call("POST", s + "/se/log", {"type": "browser"})
    except RuntimeError:
        log = call("POST", s + "/log", {"type": "browser"})

    for e in log or []:
        if e.get("level") == "SEVERE":
            problems.append("console %s: %s" % (e.get("source", "?"),
                                                 e.get("message", "")))
        elif e.get("level") == "WARNING":
            print("browser_check: console warning: %s" % e.get("message"),
                  file=sys.stderr)
    for src in found["broken"]:
        problems.append("image failed to load: %s" % src)
    if found["ready"] != "complete":
        problems.append("the page is not loaded: readyState %s"
                        % found["ready"])
    svgs = found["svgs"]
    if len(svgs) < min_charts:
        problems.append("%d <svg> charts, expected at least %d"
                        % (len(svgs), min_charts))
    for i, g in enumerate(svgs, 1):
        if not (g["w"] > 0 and g["h"] > 0):
            problems.append("svg %d (%s) is rendered %gx%g: no area"
                            % (i, g["where"], g["w"], g["h"]))
        elif g["drawn"] == 0:
            problems.append("svg %d (%s) draws no shape of non-zero size"
                            % (i, g["where"]))
        if g["cut"]:
            problems.append("svg %d (%s) cuts %d of its texts at its edge: "
                            "%s" % (i, g["where"], len(g["cut"]),
                                    ", ".join(repr(t) for t in g["cut"][:3])))

    # The whole page in one picture: the window as large as the page.
    w = max(1000, min(found["width"], 4000))
    h = max(200, min(found["height"], 8000))
    # The viewport is the window less its frame, which headless Chromium
    # has too: grow the window by what the viewport lacks, once.
    try:
        call("POST", s + "/window/rect", {"width": w, "height": h})
        inner = call("POST", s + "/execute/sync", {"args": [], "script":
                     "return window.innerHeight;"})
        if isinstance(inner, (int, float)) and 0 < inner < h:
            call("POST", s + "/window/rect",
                 {"width": w, "height": h + (h - int(inner))})
    except RuntimeError as e:
        print("browser_check: cannot resize the window: %s" % e,
              file=sys.stderr)
    png = base64.b64decode(call("GET", s + "/screenshot"))
    with open(shot, "wb") as f:
        f.write(png)
    if len(png) < 8 or png[:8] != b"\x89PNG\r\n\x1a\n":
        problems.append("the screenshot %s is no PNG" % shot)
    print("browser_check: %s: \"%s\", %d charts (%s), %d console entries, "
          "screenshot %s (%d bytes)" % (
              page, found["title"], len(svgs),
              " ".join("%gx%g" % (g["w"], g["h"]) for g in svgs[:8])
              + (" ..." if len(svgs) > 8 else ""),
              len(log or []), shot, len(png)))
except (OSError, RuntimeError, ValueError, KeyError, TypeError) as e:
    problems.append("the browser failed: %s" % e)
finally:
    if sid:
        try:
            call("DELETE", "/session/" + sid, timeout=10)
        except (OSError, RuntimeError, ValueError):
            pass
for p in problems:
    print("browser_check: %s" % p, file=sys.stderr)
sys.exit(1 if problems else 0)
EOF_PY
	bw_rc_=$?
	bw_drv_=$(cat "$bw_base_.pid")
	browser_stop_ "$bw_base_"
	wait "$bw_drv_" 2>/dev/null
	if [ $bw_rc_ = 124 ]; then
		echo "browser_check: no answer from the browser within" \
		     "$BROWSER_TIMEOUT s" >&2
	fi
	if [ $bw_rc_ != 0 ]; then
		echo "browser_check: chromedriver's log:" >&2
		tail -n 20 "$bw_base_.driver.log" >&2 2>/dev/null
		return 1
	fi
	# A PNG of non-zero size, by its signature, here too.
	[ -s "$bw_shot_" ] &&
	[ "$(od -An -tx1 -N8 "$bw_shot_" | tr -d ' \n')" = 89504e470d0a1a0a ] || {
		echo "browser_check: no PNG screenshot in $bw_shot_" >&2
		return 1
	}
	if [ -n "${MLREPO_SCREENSHOTS:-}" ]; then
		mkdir -p "$MLREPO_SCREENSHOTS" &&
		cp "$bw_shot_" "$MLREPO_SCREENSHOTS/" || return 1
	fi
	return 0
}

# A TCP port on 127.0.0.1 that nothing listens on: the kernel picks it.
browser_free_port_() {
	python3 -c 'import socket
s = socket.socket()
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])'
}
