from bot.ratelimit import Limits, Pacer


def test_slots_are_evenly_spaced_at_the_overall_rate() -> None:
    pacer = Pacer(Limits(overall_per_sec=10))
    now = 100.0
    grants = []
    for i in range(30):
        now += pacer.overall_ready_in(now)
        pacer.take(f"chat{i}", False, now)
        grants.append(now)
    assert grants[-1] - grants[0] == __import__("pytest").approx(2.9)


def test_a_chat_gets_a_short_burst_then_its_rate_while_others_go() -> None:
    pacer = Pacer(Limits(overall_per_sec=1000, per_chat_per_sec=1))
    for _ in range(Pacer.CHAT_BURST):
        assert pacer.chat_ready_in("a", 0.0) == 0.0
        pacer.take("a", False, 0.0)
    assert pacer.chat_ready_in("a", 0.0) == 1.0
    assert pacer.chat_ready_in("b", 0.0) == 0.0
    pacer.take("a", False, 1.0)
    assert pacer.chat_ready_in("a", 1.0) == 1.0  # sustained: one a second


def test_groups_are_paced_per_minute() -> None:
    pacer = Pacer(Limits(overall_per_sec=1000, per_chat_per_sec=1, per_group_per_min=20))
    pacer.take("-100", True, 0.0)
    assert pacer.chat_ready_in("-100", 0.0, is_group=True) == 3.0


def test_retry_after_pauses_everyone() -> None:
    pacer = Pacer(Limits(overall_per_sec=30))
    pacer.pause(5, now=10.0)
    assert pacer.overall_ready_in(10.0) == 5.0


def test_sends_a_little_late_keep_the_rate_a_stall_does_not_make_up_for_lost_time() -> None:
    pacer = Pacer(Limits(overall_per_sec=10))
    now, grants = 100.0, []
    for _ in range(101):
        now += pacer.overall_ready_in(now) + 0.002  # the event loop's timer fires late
        pacer.take("chat", False, now)
        grants.append(now)
    assert grants[-1] - grants[0] == __import__("pytest").approx(10.0, abs=0.01)  # still 10/s
    now += 1.0  # a stalled loop: the next send waits a full gap after the late one
    assert pacer.overall_ready_in(now) == 0.0
    pacer.take("chat", False, now)
    assert pacer.overall_ready_in(now) == __import__("pytest").approx(0.1)
