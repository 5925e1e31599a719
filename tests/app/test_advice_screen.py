"""The error detail screen shows what to do for a known error, and nothing for an unknown one."""

from __future__ import annotations

from apphelpers import fixture_app, screen_text

from batchtop.app.error_detail_screen import ErrorDetailScreen

SIZE = (120, 40)


async def _open(app, word: str) -> str:
    error = next(e for e in app.ingestor.snapshot().errors if word in e.message)
    await app.push_screen(ErrorDetailScreen(error))
    return screen_text(app)


async def test_known_error_shows_its_advice_and_doc_link():
    app = fixture_app("v2-failed")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        text = await _open(app, "CUDA out of memory")
        await pilot.pause()
        text = screen_text(app)
        assert "What to do" in text
        assert "The GPU ran out of memory" in text
        assert "how-to-debug-parallel-run-step" in text
        assert "Traceback (most recent call last):" in text  # the traceback still shows


async def test_unknown_error_shows_no_advice_box():
    app = fixture_app("v2-failed")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await _open(app, "KeyError")
        await pilot.pause()
        text = screen_text(app)
        assert "What to do" not in text
        assert "KeyError" in text
