"""Imperial units in Chromium at 360 px: feet, inches and pounds fit the screen and reach
"check your answers" as typed (the conversion itself is in tests/test_units.py)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import pytest
from tests.e2e.test_browser import PHONE, _answer_page, _check_page, shots  # noqa: F401  (fixture)

pytestmark = pytest.mark.slow


def _page_id(page: Any) -> str:
    value: str = page.locator('input[name="page"]').get_attribute("value")
    return value


def test_imperial_height_and_weight_on_a_phone(server: str, page: Any, shots: Path) -> None:  # noqa: F811
    response = httpx.put(f"{server}/api/v1/settings", json={"units": "imperial"})
    assert response.status_code == 200, response.text
    try:
        page.set_viewport_size(PHONE)
        page.goto(f"{server}/assess")
        for _ in range(20):
            if _page_id(page) == "height_and_weight":
                break
            _answer_page(page)
        assert _page_id(page) == "height_and_weight"
        _check_page(page, shots, "units-imperial")  # no overflow at 360 px, no axe violations
        for name in ("height_ft", "height_in", "weight_lb"):
            box = page.locator(f'[name="{name}"]').bounding_box()
            assert box is not None
            assert box["x"] >= 0
            assert box["x"] + box["width"] <= PHONE["width"]
        page.fill('[name="height_ft"]', "5")
        page.fill('[name="height_in"]', "10")
        page.fill('[name="weight_lb"]', "154")
        with page.expect_navigation():
            page.get_by_role("button", name="Continue", exact=True).click()
        while page.locator('input[name="page"]').count():
            _answer_page(page)
        text = page.inner_text("main")
        assert "5 ft 10 in" in text
        assert "154 lb" in text
    finally:
        httpx.put(f"{server}/api/v1/settings", json={"units": "metric"})
