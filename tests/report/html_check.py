#!/usr/bin/python3
"""Opens an HTML report in headless Chromium (selenium + chromedriver) and prints what a test
asserts on, as JSON: the browser console's errors and warnings, the number of <svg class="chart">
elements and how many of them hold drawn data (a path.series with points, or a rect.bar), the
number of <script> and <img> elements, the page's visible text, and the screenshot's path.

usage: html_check.py REPORT.html SCREENSHOT.png [SCALE]
SCALE (default 1): the device scale factor of the 1280x2000 window (0.6: a 768x1200 image).
Debian's python3-selenium lives in /usr/bin/python3's path (not a pyenv one), hence the shebang.
"""
import json
import os
import sys
import tempfile

from selenium import webdriver
from selenium.webdriver.chrome.service import Service


def browser(profile, scale):
    o = webdriver.ChromeOptions()
    o.binary_location = os.environ.get("LT_CHROMIUM", "/usr/bin/chromium")
    for arg in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--window-size=1280,2000", "--user-data-dir=" + profile, "--no-first-run",
                "--disable-extensions", "--disable-background-networking",
                "--force-device-scale-factor=" + scale):
        o.add_argument(arg)
    o.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    return webdriver.Chrome(service=Service(os.environ.get("LT_CHROMEDRIVER", "/usr/bin/chromedriver")),
                            options=o)


COUNT_JS = """
const charts = [...document.querySelectorAll('svg.chart')];
const drawn = charts.filter(s =>
  [...s.querySelectorAll('path.series')].some(p => +p.getAttribute('data-points') > 0 &&
                                                  (p.getAttribute('d') || '').length > 0) ||
  [...s.querySelectorAll('rect.bar')].some(r => +r.getAttribute('width') >= 0));
return {charts: charts.length, drawn: drawn.length,
        line_charts: charts.filter(s => s.querySelector('path.series')).length,
        bar_charts: charts.filter(s => s.querySelector('rect.bar')).length,
        shades: document.querySelectorAll('svg.chart rect.window').length,
        marks: document.querySelectorAll('svg.chart line.mark').length,
        nodata: document.querySelectorAll('p.nodata').length,
        scripts: document.querySelectorAll('script').length,
        imgs: document.querySelectorAll('img').length,
        title: document.title, text: document.body.innerText};
"""


def main():
    report, shot = sys.argv[1], sys.argv[2]
    scale = sys.argv[3] if len(sys.argv) > 3 else "1"
    with tempfile.TemporaryDirectory() as profile:
        d = browser(profile, scale)
        try:
            d.get("file://" + os.path.abspath(report))
            info = d.execute_script(COUNT_JS)
            info["console"] = [e for e in d.get_log("browser") if e.get("level") in ("SEVERE", "WARNING")]
            d.save_screenshot(shot)
        finally:
            d.quit()
    info["screenshot"] = shot
    json.dump(info, sys.stdout)


if __name__ == "__main__":
    main()
