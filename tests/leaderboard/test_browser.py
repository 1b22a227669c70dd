"""The served page in a real browser (Debian's chromium and chromedriver, via Selenium): a metric's
header sorts in that metric's direction and again the other way, sort by cost, open an entry page,
download the CSV, and a screenshot that is not blank."""

from __future__ import annotations

import io
import os
import shutil
import socket
import threading
import time

import numpy as np
import pytest
import uvicorn

from leaderboard.record import write_record
from leaderboard.store import Board
from leaderboard.submit import check_metrics
from tasks.spec import get_task
from tests.leaderboard.test_record import _fields

CHROMIUM, DRIVER = shutil.which("chromium"), shutil.which("chromedriver")


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


EXPERIMENT = {"qho": "qho_base", "ks_inversion": "ks_quick"}
OTHER = {"qho": "u_mse", "ks_inversion": "converged_fraction"}  # lower / higher is better
# task, method, kind, primary metric, other metric, cost: each orders the ranked rows differently
ENTRIES = [
    ("qho", "qho_pinn", "model", 3e-4, 1e-7, 50.0),
    ("qho", "qho_split_operator", "baseline", 1e-6, 1e-5, 2.0),
    ("qho", "qho_exact", "reference", 1e-30, 1e-30, 0.5),
    ("ks_inversion", "ks_fno", "model", 1e-2, 0.5, 30.0),
    ("ks_inversion", "ks_pinn", "model", 3e-2, 0.9, 80.0),
    ("ks_inversion", "ks_idea", "baseline", 1e-3, 0.7, 5.0),
]


@pytest.fixture
def served(tmp_path):
    """A board with the :data:`ENTRIES`, served on 127.0.0.1 in a thread."""
    from leaderboard.server import create_app

    board = Board(f"sqlite:///{tmp_path / 'board.db'}")
    for index, (task, method, kind, primary, other, cost) in enumerate(ENTRIES):
        spec = get_task(task)
        record = write_record(
            tmp_path / method,
            _fields(task=task, experiment=EXPERIMENT[task], method=method,
                    kind="model" if kind == "model" else "baseline",
                    timings={"train": cost, "inference_total": 0.1, "inference_per_sample": 0.01}),
            {"u": np.full(2, float(index))},
        )  # fmt: skip
        metrics = check_metrics(spec, {spec.primary_metric: primary, OTHER[task]: other})
        board.add(record, method=method, kind=kind, metrics=metrics,
                  author="alice", predictions_hash=f"{index:064d}", predictions=b"npz")  # fmt: skip
    port = _free_port()
    server = uvicorn.Server(uvicorn.Config(create_app(board), host="127.0.0.1", port=port,
                                           log_level="warning"))  # fmt: skip
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(10)


@pytest.fixture
def browser(tmp_path):
    if not (CHROMIUM and DRIVER):
        if os.environ.get("CI"):
            pytest.fail("CI runs the browser tests: apt-get install chromium chromium-driver")
        pytest.skip("no chromium/chromedriver (apt-get install chromium chromium-driver)")
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic",
                 "--no-first-run", "--disable-background-networking", "--disable-sync",
                 "--disable-component-update", "--window-size=1200,900",
                 f"--user-data-dir={tmp_path / 'profile'}"):  # fmt: skip
        options.add_argument(flag)
    options.add_experimental_option(
        "prefs", {"download.default_directory": str(tmp_path / "downloads")}
    )
    driver = webdriver.Chrome(service=Service(DRIVER), options=options)
    yield driver
    driver.quit()


def _methods(driver) -> list[str]:
    from selenium.webdriver.common.by import By

    return [row.find_elements(By.TAG_NAME, "td")[1].text
            for row in driver.find_elements(By.CSS_SELECTOR, "#board tbody tr")]  # fmt: skip


def _sort_by(driver, metric: str) -> tuple[list[str], list[float]]:
    """Click the header of ``metric``; the ranked rows' methods and values of that metric."""
    from selenium.webdriver.common.by import By

    driver.find_element(By.CSS_SELECTOR, f"th[data-metric={metric}] a").click()
    headers = driver.find_elements(By.CSS_SELECTOR, "#board thead th")
    column = [th.get_attribute("data-metric") for th in headers].index(metric)
    rows = [row.find_elements(By.TAG_NAME, "td")
            for row in driver.find_elements(By.CSS_SELECTOR, "#board tbody tr")]  # fmt: skip
    ranked = [cells for cells in rows if cells[0].text.isdigit()]
    return [c[1].text for c in ranked], [
        float(c[column].get_attribute("data-value")) for c in ranked
    ]


@pytest.mark.parametrize(
    ("task", "order"),
    [
        ("qho", ["qho_pinn", "qho_split_operator"]),
        ("ks_inversion", ["ks_pinn", "ks_idea", "ks_fno"]),
    ],
)
def test_a_metric_header_sorts_in_its_direction_and_toggles(served, browser, task, order):
    spec, metric = get_task(task), OTHER[task]
    browser.get(f"{served}/task/{task}")
    assert _methods(browser)[: len(order)] != order  # ranked by the primary metric first
    sign = 1 if spec.metrics[metric].direction == "lower" else -1
    methods, values = _sort_by(browser, metric)
    assert f"sort={metric}" in browser.current_url and "reverse" not in browser.current_url
    assert methods == order and values == sorted(values, key=lambda v: sign * v)
    methods, values = _sort_by(browser, metric)  # again: the other way round
    assert "reverse=1" in browser.current_url
    assert methods == order[::-1] and values == sorted(values, key=lambda v: -sign * v)


def test_sort_open_an_entry_download_and_look(served, browser, tmp_path):
    from PIL import Image
    from selenium.webdriver.common.by import By

    browser.get(f"{served}/task/qho?experiment=qho_base")
    assert _methods(browser)[:3] == ["qho_split_operator", "qho_pinn", "qho_exact"]
    browser.find_element(By.CSS_SELECTOR, "th[data-metric=cost] a").click()
    assert "sort=cost" in browser.current_url  # the state is in the URL
    assert _methods(browser)[:2] == ["qho_split_operator", "qho_pinn"]
    browser.find_element(By.CSS_SELECTOR, "th[data-metric=cost] a").click()
    assert "reverse=1" in browser.current_url
    assert _methods(browser)[:2] == ["qho_pinn", "qho_split_operator"]
    assert browser.find_element(By.ID, "scatter").is_displayed()
    png = browser.get_screenshot_as_png()
    pixels = np.asarray(Image.open(io.BytesIO(png)).convert("L"))
    assert pixels.std() > 5 and (pixels < 128).mean() > 0.005  # text, lines and points drawn
    browser.find_element(By.ID, "csv").click()
    target = tmp_path / "downloads" / "qho.csv"
    for _ in range(100):
        if target.is_file():
            break
        time.sleep(0.1)
    assert "qho_split_operator" in target.read_text()
    browser.find_element(By.CSS_SELECTOR, "a.entry").click()
    assert "git commit" in browser.find_element(By.ID, "entry").text
