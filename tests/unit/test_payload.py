from bot import payload


def test_round_trip_of_a_step_button() -> None:
    raw = payload.stamp(payload.encode(payload.UNSTAMPED, "role", "mentee"), 17)
    assert raw == "17:role:mentee"
    decoded = payload.decode(raw)
    assert decoded is not None
    assert (decoded.revision, decoded.action, decoded.arg) == (17, "role", "mentee")


def test_menu_buttons_carry_no_revision() -> None:
    decoded = payload.decode(payload.encode(payload.MENU, "profile"))
    assert decoded is not None and decoded.is_menu and decoded.revision is None


def test_forged_and_malformed_payloads_are_rejected() -> None:
    for raw in [
        None,
        "",
        "x" * 65,
        "17:role",
        "abc:role:x",
        "17:Role:x",
        "17:role:a b",
        "17:role:" + "a" * 33,
        "m:menu:../../etc",
        "1e3:role:x",
        "17:role:x:y",
    ]:
        assert payload.decode(raw) is None, raw


def test_payloads_fit_telegram_callback_data() -> None:
    longest = payload.encode("999999999", "a" * 16, "b" * 32)
    assert len(longest.encode()) <= 64
