"""The dashboard in a real browser: `streamll serve` on a loopback port over
a store with known content (imported with the CLI), each page opened in
headless Chromium through chromium-driver, asserting what it renders. A
screenshot of each page is kept in the build directory (screenshots/).

A live test runs a Python program that emits into the store while the page
is open, and waits for its execution to appear."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path
from urllib.parse import quote

import pytest
from selenium import webdriver
from selenium.common.exceptions import NoAlertPresentException
from selenium.webdriver.chrome.options import Options
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

from conftest import wait_until

T0 = "2025-11-24T16:00:00"
XSS_TYPE = "<script>window.__xss = 1</script>"
XSS_DATA = '<img src=x onerror="window.__xss = 2">'


def ev(execution: str, n: int, ms: int, event_type: str, data: dict | None = None, module: str = "RAGPipeline",
       operation: str | None = None) -> dict:
    return {"event_id": f"{execution}-{n}", "execution_id": execution, "timestamp": f"{T0}.{ms:03d}000Z",
            "module_name": module, "method_name": "forward", "event_type": event_type, "operation": operation,
            "data": data or {}, "tags": {"env": "test"} if n == 0 else {}}


KNOWN = [
    ev("run-ok", 0, 100, "start", {"inputs": {"question": "why?"}}, operation="forward"),
    ev("run-ok", 1, 101, "rag.retrieval.start", {"query": "why?"}),
    ev("run-ok", 2, 103, "rag.retrieval.complete", {"num_docs": 3}),
    ev("run-ok", 3, 104, "rag.generation.start", {"prompt_tokens": 40, "completion_tokens": 12}),
    ev("run-ok", 4, 108, "rag.generation.end", {}),
    ev("run-ok", 5, 110, "end", {"duration_seconds": 0.01}, operation="forward"),
    ev("run-err", 0, 200, "start", {}, operation="forward"),
    ev("run-err", 1, 201, "rag.retrieval.start", {"query": "fail"}),
    ev("run-err", 2, 205, "error", {"duration_seconds": 0.005, "error_type": "TimeoutError",
                                    "error_message": "no answer in 30 s", "traceback": "Traceback: line 1"},
       operation="forward"),
    ev("run-xss", 0, 300, XSS_TYPE, {"html": XSS_DATA}, module="Evil"),
]


@pytest.fixture(scope="module")
def screenshots() -> Path:
    cli = os.environ.get("STREAMLL_CLI", "")
    root = Path(cli).resolve().parents[2] if cli else Path.cwd() / "build"
    out = root / "screenshots"
    out.mkdir(parents=True, exist_ok=True)
    return out


@pytest.fixture(scope="module")
def browser():
    options = Options()
    for arg in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--window-size=1300,900"):
        options.add_argument(arg)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=options)
    driver.set_page_load_timeout(30)
    yield driver
    driver.quit()


class Served:
    def __init__(self, db: Path, process: subprocess.Popen, url: str):
        self.db, self.process, self.url = db, process, url


@pytest.fixture(scope="module")
def served(tmp_path_factory, browser):
    cli = os.environ["STREAMLL_CLI"]
    tmp = tmp_path_factory.mktemp("serve")
    db = tmp / "store.db"
    jsonl = tmp / "known.jsonl"
    jsonl.write_text("".join(json.dumps(e) + "\n" for e in KNOWN))
    subprocess.run([cli, "--db", str(db), "import", str(jsonl)], check=True, capture_output=True, timeout=60)
    process = subprocess.Popen([cli, "--db", str(db), "serve", "--port", "0"], stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True)
    line = process.stdout.readline()
    assert " at http://" in line, line + process.stderr.read()
    url = line.split(" at ")[1].split(" ")[0]
    yield Served(db, process, url)
    process.terminate()
    assert process.wait(timeout=10) == 0


def open_page(browser, served: Served, route: str, ready_css: str):
    # Going from one #route to another keeps the page, and the previous
    # route's elements would match ready_css until the new ones replace them
    # (then stale: a flake seen under load). Mark them, and wait for new ones
    # (unless the route is the one shown already: nothing new comes then).
    target = served.url + route
    if browser.current_url == target:
        return WebDriverWait(browser, 15).until(lambda d: d.find_elements(By.CSS_SELECTOR, ready_css))
    browser.execute_script(
        "document.querySelectorAll(arguments[0]).forEach(e => e.setAttribute('data-previous-page', ''))", ready_css)
    browser.get(target)
    fresh = f"{ready_css}:not([data-previous-page])"
    return WebDriverWait(browser, 15).until(
        lambda d: d.find_elements(By.CSS_SELECTOR, fresh)
        and not d.find_elements(By.CSS_SELECTOR, "[data-previous-page]")
        and d.find_elements(By.CSS_SELECTOR, fresh))


def no_script_ran(browser) -> None:
    assert browser.execute_script("return window.__xss === undefined")
    with pytest.raises(NoAlertPresentException):
        browser.switch_to.alert.text  # noqa: B018 - raises when no alert is open
    errors = [e for e in browser.get_log("browser") if e["level"] == "SEVERE"]
    assert not errors, errors


def test_executions_list(browser, served, screenshots):
    rows = open_page(browser, served, "#/", "#executions tbody tr[data-id]")
    assert [r.get_attribute("data-id") for r in rows] == ["run-xss", "run-err", "run-ok"]
    err = rows[1]
    assert "error" in err.get_attribute("class").split()
    cells = [c.text for c in rows[2].find_elements(By.TAG_NAME, "td")]
    assert cells[2] == "run-ok" and cells[3] == "10.0ms" and cells[4] == "6" and cells[5] == "0"
    assert cells[6] == "52"  # prompt + completion tokens
    assert browser.find_element(By.ID, "range").text == "1–3 of 3"
    browser.save_screenshot(str(screenshots / "executions.png"))
    no_script_ran(browser)

    # The errors filter, through the form, lands in the URL and the list.
    browser.find_element(By.CSS_SELECTOR, "input[name=errors]").click()
    browser.find_element(By.CSS_SELECTOR, "form.filters button[type=submit]").click()
    WebDriverWait(browser, 10).until(lambda d: "errors=1" in d.current_url)
    rows = open_page(browser, served, "#/?errors=1", "#executions tbody tr[data-id]")
    assert [r.get_attribute("data-id") for r in rows] == ["run-err"]
    rows = open_page(browser, served, "#/?type=rag.retrieval.complete", "#executions tbody tr[data-id]")
    assert [r.get_attribute("data-id") for r in rows] == ["run-ok"]


def test_execution_waterfall_and_events(browser, served, screenshots):
    spans = open_page(browser, served, "#/execution/run-ok", ".span-row")
    names = [s.find_element(By.CSS_SELECTOR, ".name").text for s in spans]
    assert names == ["forward", "rag.retrieval", "rag.generation"]
    assert [s.get_attribute("data-status") for s in spans] == ["ok", "ok", "ok"]
    # Bars to scale: retrieval (2 ms of 10) starts 10% in and is 20% wide.
    bar = spans[1].find_element(By.CSS_SELECTOR, ".span-bar").get_attribute("style")
    assert "left: 10%" in bar and "width: 20%" in bar, bar
    indent = [s.find_element(By.CSS_SELECTOR, ".span-name").get_attribute("style") for s in spans]
    assert indent == ["padding-left: 8px;", "padding-left: 24px;", "padding-left: 24px;"]
    events = browser.find_elements(By.CSS_SELECTOR, "#events .event")
    assert [e.get_attribute("data-type") for e in events] == [e["event_type"] for e in KNOWN[:6]]
    labels = [label.text for label in browser.find_elements(By.CSS_SELECTOR, "#events .span-label")]
    assert labels == ["forward · RAGPipeline", "rag.retrieval · RAGPipeline", "rag.generation · RAGPipeline",
                      "forward · RAGPipeline"]
    # An event opens to its pretty JSON.
    events[2].find_element(By.CSS_SELECTOR, ".event-head").click()
    pre = events[2].find_element(By.CSS_SELECTOR, "pre.json")
    assert json.loads(pre.text) == {"num_docs": 3}
    assert pre.text == '{\n  "num_docs": 3\n}'
    browser.save_screenshot(str(screenshots / "execution.png"))

    # Selecting a span shows only its events.
    spans[1].click()
    WebDriverWait(browser, 5).until(lambda d: len(d.find_elements(By.CSS_SELECTOR, "#events .event")) == 2)

    spans = open_page(browser, served, "#/execution/run-err", ".span-row")
    assert [s.get_attribute("data-status") for s in spans] == ["error", "open"]
    error = browser.find_element(By.CSS_SELECTOR, ".span-error")
    assert error.text.startswith("TimeoutError: no answer in 30 s")
    assert error.find_element(By.TAG_NAME, "pre").text == "Traceback: line 1"
    assert "error" in spans[0].find_element(By.CSS_SELECTOR, ".span-bar").get_attribute("class")
    browser.save_screenshot(str(screenshots / "execution-error.png"))
    no_script_ran(browser)


def test_event_permalinks(browser, served, screenshots):
    target = open_page(browser, served, "#/execution/run-ok?event=run-ok-3", "#events .event.target")
    assert target[0].get_attribute("id") == "event-run-ok-3"
    body = target[0].find_element(By.CSS_SELECTOR, "pre.json")
    assert json.loads(body.text) == {"prompt_tokens": 40, "completion_tokens": 12}

    table = open_page(browser, served, "#/event/run-ok-0", "#event")[0]
    assert "start" in table.text and "run-ok" in table.text
    tags = browser.find_elements(By.CSS_SELECTOR, "pre.json")[1]
    assert json.loads(tags.text) == {"env": "test"}
    browser.save_screenshot(str(screenshots / "event.png"))


def test_markup_in_events_shows_as_text(browser, served, screenshots):
    events = open_page(browser, served, "#/execution/run-xss", "#events .event")
    assert events[0].find_element(By.CSS_SELECTOR, ".type").text == XSS_TYPE
    events[0].find_element(By.CSS_SELECTOR, ".event-head").click()
    assert json.loads(events[0].find_element(By.CSS_SELECTOR, "pre.json").text) == {"html": XSS_DATA}
    assert not browser.find_elements(By.CSS_SELECTOR, "#view script, #view img")
    open_page(browser, served, "#/types", "#types tbody tr")
    assert XSS_TYPE in [r.text for r in browser.find_elements(By.CSS_SELECTOR, "#types tbody td:first-child")]
    open_page(browser, served, "#/charts?range=all", "canvas#types")
    no_script_ran(browser)


def test_event_types_page(browser, served, screenshots):
    rows = open_page(browser, served, "#/types", "#types tbody tr")
    counts = {r.find_elements(By.TAG_NAME, "td")[0].text: r.find_elements(By.TAG_NAME, "td")[1].text for r in rows}
    assert counts["start"] == "2" and counts["rag.retrieval.start"] == "2" and counts["error"] == "1"
    assert len(counts) == 8
    browser.save_screenshot(str(screenshots / "types.png"))
    # A type links to its events in the SQL console.
    link = next(r for r in rows if r.text.startswith("error ")).find_element(By.TAG_NAME, "a")
    link.click()
    cells = WebDriverWait(browser, 10).until(lambda d: d.find_elements(By.CSS_SELECTOR, "#results tbody tr"))
    assert len(cells) == 1 and "run-err" in cells[0].text


def test_sql_console(browser, served, screenshots):
    sql = "SELECT execution_id, count(*) AS n FROM events GROUP BY 1 ORDER BY 2 DESC, 1"
    rows = open_page(browser, served, "#/sql?q=" + quote(sql), "#results tbody tr")
    assert [[c.text for c in r.find_elements(By.TAG_NAME, "td")] for r in rows] == [
        ["run-ok", "6"], ["run-err", "3"], ["run-xss", "1"]]
    assert [h.text for h in browser.find_elements(By.CSS_SELECTOR, "#results th")] == ["execution_id", "n"]
    links = {a.text: a.get_attribute("href") for a in browser.find_elements(By.CSS_SELECTOR, ".toolbar a")}
    assert "format=csv" in links["CSV"] and "download=1" in links["CSV"]
    browser.save_screenshot(str(screenshots / "sql.png"))

    # Typing a query and running it keeps it in the URL.
    area = browser.find_element(By.ID, "sql")
    area.clear()
    area.send_keys("SELECT count(*) AS errors FROM events WHERE event_type = 'error'")
    browser.find_element(By.ID, "run").click()
    WebDriverWait(browser, 10).until(lambda d: "errors" in d.current_url and d.find_elements(
        By.XPATH, "//table[@id='results']//th[text()='errors']"))
    assert browser.find_element(By.CSS_SELECTOR, "#results tbody td").text == "1"

    # A refused statement shows the server's message.
    open_page(browser, served, "#/sql?q=" + quote("DELETE FROM events"), "#sql-output .message")
    assert "read-only" in browser.find_element(By.CSS_SELECTOR, "#sql-output .message").text


def test_charts(browser, served, screenshots):
    open_page(browser, served, "#/charts?range=all", "canvas#durations")
    WebDriverWait(browser, 10).until(lambda d: d.execute_script("return !!Chart.getChart('durations')"))
    top = browser.execute_script("const c = Chart.getChart('types'); return [c.data.labels, c.data.datasets[0].data]")
    assert top[0][:2] == ["rag.retrieval.start", "start"] and top[1][:2] == [2, 2]
    rate = browser.execute_script("const c = Chart.getChart('rate'); return c.data.datasets.map(d => d.data.reduce((a, b) => a + b, 0))")
    assert rate == [10.0, 1.0]  # 1 s buckets: every event and the one error
    durations = browser.execute_script("const c = Chart.getChart('durations'); return [c.data.labels, c.data.datasets[1].data]")
    assert durations == [["RAGPipeline · forward"], [0.01]]
    link = browser.find_element(By.LINK_TEXT, "executions in this range").get_attribute("href")
    assert "since=" in link and "until=" in link
    browser.save_screenshot(str(screenshots / "charts.png"))


def test_compare(browser, served, screenshots):
    open_page(browser, served, "#/compare?a=run-ok&b=run-err", "#diff-types tbody tr")
    types = {r.find_elements(By.TAG_NAME, "td")[0].text: [c.text for c in r.find_elements(By.TAG_NAME, "td")[1:]]
             for r in browser.find_elements(By.CSS_SELECTOR, "#diff-types tbody tr")}
    assert types["error"] == ["0", "1", "1"] and types["end"] == ["1", "0", "-1"]
    spans = [r.text for r in browser.find_elements(By.CSS_SELECTOR, "#diff-spans tbody tr")]
    assert spans[0].startswith("forward · RAGPipeline 10.0ms 5.00ms") and spans[0].endswith("ok / error")
    fields = [r.find_elements(By.TAG_NAME, "td")[1].text for r in browser.find_elements(By.CSS_SELECTOR, "#diff-data tbody tr")]
    assert "/query" in fields and "/inputs" in fields
    browser.save_screenshot(str(screenshots / "compare.png"))


def test_live_execution_appears(browser, served, screenshots, run_py):
    open_page(browser, served, "#/", "#executions tbody tr[data-id]")
    WebDriverWait(browser, 10).until(lambda d: d.find_element(By.ID, "live-state").text == "●")
    before = {r.get_attribute("data-id") for r in browser.find_elements(By.CSS_SELECTOR, "#executions tbody tr")}
    proc = run_py(f"""
        import streamll
        streamll.init({str(served.db)!r}, flush_interval=0.05, record_stats=False)
        with streamll.trace("live_step", module_name="LiveModule") as span:
            span.emit("live.tick", n=1)
        assert streamll.flush(10)
        print(span.execution_id)
        streamll.shutdown()
    """)
    new_id = proc.stdout.strip().splitlines()[-1]
    assert new_id not in before
    WebDriverWait(browser, 10).until(
        lambda d: d.find_elements(By.CSS_SELECTOR, f"#executions tbody tr[data-id='{new_id}']"))
    first = browser.find_elements(By.CSS_SELECTOR, "#executions tbody tr[data-id]")[0]
    assert first.get_attribute("data-id") == new_id
    browser.save_screenshot(str(screenshots / "live.png"))

    # An open execution grows in place as its events arrive.
    open_page(browser, served, f"#/execution/{new_id}", "#events .event")
    count = len(browser.find_elements(By.CSS_SELECTOR, "#events .event"))
    run_py(f"""
        import streamll
        streamll.init({str(served.db)!r}, flush_interval=0.05, record_stats=False)
        with streamll.trace("later", module_name="LiveModule", execution_id={new_id!r}):
            pass
        assert streamll.flush(10)
        streamll.shutdown()
    """)
    WebDriverWait(browser, 10).until(
        lambda d: len(d.find_elements(By.CSS_SELECTOR, "#events .event")) == count + 2)  # its start and end

    # Paused, nothing is pushed.
    browser.find_element(By.ID, "live").click()
    assert browser.find_element(By.ID, "live-state").text == "paused"
    wait_until(lambda: browser.execute_script("return live.source === null"))
