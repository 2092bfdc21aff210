"""SIGKILL mid-dialog and mid-delivery: dialogs resume, nothing is lost (issue: the kill tests).

A real ``python -m bot webhook`` process is killed with SIGKILL (no draining, no done marks
written, no leases given back) at a moment the test chooses by watching what reaches the
Bot API stand-in, and a new process is started on the same database and port:

* mid-dialog, while a citizen's document photo is in hand: the acknowledged update is
  handled again by the new process, the dialog goes on from the step it stood at with the
  earlier photos kept, and the filing ends with a tracking code;
* mid-delivery, while the operator group's album of a new request is being sent by the
  outbox: the new process sends it again and the row ends ``sent``.

What may be seen twice is what README.md documents: an update answered and killed before
its done mark is answered again; a message in flight at a crash is sent again once its
lease runs out ("delivery is at least once, with duplicates bounded by the sends in flight
at a crash"). Everything else must arrive exactly once.
"""

from __future__ import annotations

import asyncio
import inspect
import signal
import sys
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from datetime import timedelta
from pathlib import Path
from typing import Any

import aiohttp

from bot.standin import BotApiStandIn, BotMessage
from handlers import texts as general
from handlers.announce import ANNOUNCE_ALBUM, ANNOUNCE_STATUS
from handlers.render import fa
from handlers.texts import apply as texts
from models.catalog import load_catalog
from models.digits import to_latin_digits
from models.outbox import LEASE, OutboxMessage, OutboxStatus
from tests.conftest import run_isolated
from tests.e2e.test_apply import BILL_ID, NATIONAL_CODE, begin, photo, png, press, say
from tests.e2e.workers import PORT_SETTING, TOKEN, Worker, free_port, in_database, seed
from tests.e2e.workers import worker_env as make_env

CITIZEN = 1001
OPERATOR_CHAT = -1001000
ADDRESS = "جیرفت، بلوار جمهوری، کوچه ۸، پلاک ۲۱"
DESCRIPTION = "کنتور پشت در حیاط است و مأمور قرائت به آن دسترسی ندارد"
HOLD = 3.0
"""Seconds the stand-in holds the call a process is killed in: far longer than the kill
takes, so the kill lands inside the call (each test checks it did); the messenger then
answers it into the void, as a real one would."""
TIMEOUT = 20.0
"""Bound on every wait for a process or an answer (a subprocess per life, a loaded machine)."""
FAILURES = (general.DIALOG_STALE, general.INTERNAL_ERROR, texts.DIALOG_MOVED)
"""What the citizen must never be shown because a process died under their dialog."""

_LATER = (
    "import runpy, sys\n"
    "from datetime import timedelta\n"
    "from models import clock\n"
    "clock.travel(timedelta(seconds=float(sys.argv.pop(1))))\n"
    "runpy.run_module('bot', run_name='__main__', alter_sys=True)\n"
)
"""``python -m bot`` with the process's clock (``models.clock``) moved on first."""


class WatchedStandIn(BotApiStandIn):
    """The stand-in, also counting each Bot API call when it *arrives*.

    The stand-in records a call once it is answered, after any :meth:`slow` delay; a test
    that must kill a process while it is inside a call needs to know the call has begun."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.arrived: Counter[str] = Counter()

    def delay_for(self, method: str) -> float:
        self.arrived[method] += 1  # asked once per call, before the call is held or answered
        self.touch()
        return super().delay_for(method)


class LaterWorker(Worker):
    """A worker process whose clock runs ``later`` ahead: the replacement that, in real
    life, comes up after the dead process's leases ran out. Moving its clock
    (``models.clock.travel``, the one clock tests move) stands for waiting that minute."""

    def __init__(self, name: str, env: dict[str, str], log: Path, later: timedelta) -> None:
        super().__init__(name, env, log)
        self.later = later

    async def start(self, cwd: Path) -> None:
        with self.log.open("wb") as out:
            self.process = await asyncio.create_subprocess_exec(
                sys.executable, "-c", _LATER, str(self.later.total_seconds()), self.command,
                env=self.env, cwd=cwd, stdout=out, stderr=asyncio.subprocess.STDOUT,
            )  # fmt: skip


class Lives:
    """One webhook worker's address, served by one process after another: each life is a
    new ``python -m bot webhook`` on the same port, so it is the same inbox owner."""

    def __init__(self, standin: BotApiStandIn, env: dict[str, str], folder: Path) -> None:
        self.standin = standin
        self.env = env
        self.folder = folder
        self.lives: list[Worker] = []

    @property
    def current(self) -> Worker:
        return self.lives[-1]

    async def start(self, later: timedelta | None = None) -> Worker:
        """A new process, healthy, receiving the stand-in's updates."""
        name = f"life{len(self.lives) + 1}"
        log = self.folder / name
        worker = (
            Worker(name, self.env, log)
            if later is None
            else LaterWorker(name, self.env, log, later)
        )
        self.lives.append(worker)
        await worker.start(self.folder)
        async with aiohttp.ClientSession() as http:
            await worker.wait_healthy(http, timeout=60)  # a cold model cache trains first
        self.standin.deliver_to([worker.webhook_url()])  # the same URL on every life
        return worker

    async def kill(self) -> None:
        """SIGKILL the current process: nothing of it runs after this returns."""
        process = self.current.process
        assert process is not None and process.returncode is None, self.current.output()
        process.send_signal(signal.SIGKILL)
        assert await process.wait() == -signal.SIGKILL


@asynccontextmanager
async def lives(standin: BotApiStandIn, database_url: str, folder: Path) -> AsyncIterator[Lives]:
    """A worker address on ``database_url``, its first process started; every process is
    gone on the way out, also when the test failed."""
    env = make_env(
        standin,
        database_url,
        folder,
        bale_operator_chat_id=str(OPERATOR_CHAT),
        flood_limit="1000",  # a whole filing is more than a minute's default
    )
    env[PORT_SETTING["webhook"]] = str(free_port())
    worker = Lives(standin, env, folder)
    try:
        await worker.start()
        yield worker
    finally:
        standin.deliver_to(None)
        for life in worker.lives:
            await life.stop()


async def until(holds: Callable[[], Awaitable[bool] | bool], what: str) -> None:
    """Poll ``holds`` until it is true, for at most :data:`TIMEOUT`: for what the stand-in's
    own ``wait_until`` is not woken by (the database, the webhook's acknowledgements)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + TIMEOUT
    while True:
        answer = holds()
        if inspect.isawaitable(answer):
            answer = await answer
        if answer:
            return
        if loop.time() > deadline:
            raise AssertionError(f"not within {TIMEOUT}s: {what}")
        await asyncio.sleep(0.05)


async def unfinished(database_url: str) -> int:
    """How many acknowledged updates are not marked handled yet."""

    async def count() -> int:
        from models.inbox import InboundUpdate

        return await InboundUpdate.filter(done_at__isnull=True).count()

    return await in_database(database_url, count)


async def all_handled(database_url: str) -> bool:
    return await unfinished(database_url) == 0


def in_flight(standin: WatchedStandIn, method: str) -> int:
    """Calls of ``method`` the stand-in has taken and not answered yet."""
    return standin.arrived[method.lower()] - len(standin.calls_to(method))


async def kill_inside(
    worker: Lives,
    standin: WatchedStandIn,
    method: str,
    act: Awaitable[Any],
    then: Callable[[], Awaitable[None]] | None = None,
) -> Any:
    """Do ``act`` (its result returned) with ``method`` held; once that call has begun and
    ``then`` is done, SIGKILL the process, and check it died inside the call."""
    key = method.lower()
    standin.slow(method, HOLD)
    before = standin.arrived[key]
    result = await act
    await standin.wait_until(lambda: standin.arrived[key] > before, TIMEOUT)
    if then is not None:
        await then()
    standin.slow(method, 0)
    await worker.kill()
    assert in_flight(standin, method) == 1, method
    return result


def texts_in(chat: list[BotMessage]) -> list[str]:
    return [m.text or "" for m in chat]


def received(n: int, title: str) -> str:
    """The receipt of the ``n``-th photo of a document."""
    return texts.RECEIVED.format(
        what=texts.FILE_WORD_PHOTO, n=fa(n), title=title, next=texts.BTN_NEXT
    )


async def _filing() -> dict[str, Any]:
    """The filed requests, their documents and what is left open, as the database has them."""
    from models.dialog import DialogState
    from models.request import RequestDocument, ServiceRequest

    requests = await ServiceRequest.all().prefetch_related("service")
    documents = await RequestDocument.all().order_by("id")
    return {
        "requests": [(r.id, r.tracking_code, r.service.code) for r in requests],
        "documents": [(d.request_id, d.document_key, d.path) for d in documents],
        "dialogs": await DialogState.all().count(),
    }


async def test_a_dialog_resumes_after_its_process_is_killed(
    database_url: str, tmp_path: Path
) -> None:
    """Killed while downloading a document photo, and again while confirming the next one:
    each time the new process takes the acknowledged photo over, the dialog goes on at the
    step it stood at with every earlier photo kept, and the request is filed with all of
    them. The photo killed in its download is answered once; the one whose receipt was on
    its way, at most twice (README: answered, killed before the done mark); every other
    message once."""
    await run_isolated(seed(database_url))
    service = load_catalog().service("meter-relocation")
    card_title, bill_title = (d.title for d in service.documents[:2])
    front, back, bill = png(21), png(22), png(23)
    async with (
        WatchedStandIn(token=TOKEN, profile="bale") as standin,
        lives(standin, database_url, tmp_path) as worker,
    ):
        person = standin.person(CITIZEN, "مریم")
        chat = standin.state.messages_in(CITIZEN)
        answers: list[int] = []  # how many answers each of the citizen's messages got

        async def step(reply: Awaitable[str]) -> str:
            text = await reply
            answers.append(1)
            return text

        assert texts.ASK_MOBILE[:20] in await step(begin(None, person, service.code))
        assert texts.ASK_NATIONAL_CODE in await step(press(person, texts.BTN_SEND_CONTACT))
        assert texts.ASK_BILL_ID in await step(say(person, NATIONAL_CODE))
        assert texts.FIELD_PROMPTS["address"] in await step(say(person, BILL_ID))
        assert texts.FIELD_PROMPTS["description"][:20] in await step(say(person, ADDRESS))
        assert card_title in await step(say(person, DESCRIPTION))
        assert await step(photo(person, front)) == received(1, card_title)

        # 1. Killed inside the download of the card's back: nothing of it saved or said.
        await until(lambda: all_handled(database_url), "the front marked handled")
        shown = len(chat)
        await kill_inside(  # it dies inside the download
            worker,
            standin,
            "getFile",
            person.send_photo(back),
            then=lambda: until(lambda: not standin.pusher.pending_count, "the back acknowledged"),
        )
        assert len(chat) == shown  # unanswered
        assert await unfinished(database_url) == 1  # but written down
        await worker.start()
        [answer] = await person.wait_for_reply(timeout=TIMEOUT)
        answers.append(1)
        assert answer.text == received(2, card_title)  # the same step, the front kept

        assert bill_title in await step(press(person, texts.BTN_NEXT))

        # 2. Killed inside the send of the bill's receipt: saved, said, not marked handled.
        await until(lambda: all_handled(database_url), "the back marked handled")
        shown = len(chat)
        await kill_inside(worker, standin, "sendMessage", person.send_photo(bill))  # receipt
        assert await unfinished(database_url) == 1
        await worker.start()
        await until(lambda: all_handled(database_url), "the bill photo handled again")
        await standin.wait_until(lambda: not in_flight(standin, "sendMessage"), TIMEOUT)
        again = texts_in(chat[shown:])
        answers.append(len(again))
        assert 1 <= len(again) <= 2, again  # the documented window: at most once more
        assert received(1, bill_title) in again  # the receipt the messenger had taken
        assert set(again) == {received(1, bill_title)}  # its receipt, not "already sent"

        text = await step(say(person, texts.BTN_NEXT))
        assert texts.BTN_SKIP in text  # the optional payment slip
        summary = await step(press(person, texts.BTN_SKIP))
        assert summary.startswith(texts.SUMMARY_TITLE)
        assert texts.SUMMARY_DOCUMENT.format(title=card_title, count=fa(2)) in summary
        assert texts.SUMMARY_DOCUMENT.format(title=bill_title, count=fa(1)) in summary
        filed = await step(press(person, texts.BTN_CONFIRM))

        found = await in_database(database_url, _filing)
        [(request_id, code, code_service)] = found["requests"]
        assert code_service == service.code and found["dialogs"] == 0
        assert to_latin_digits(filed).count(code) == 1
        keys = [(request, key) for request, key, _ in found["documents"]]
        assert Counter(keys) == {(request_id, "national-card"): 2, (request_id, "last-bill"): 1}
        stored = sorted(
            (tmp_path / "documents" / path).read_bytes() for *_, path in found["documents"]
        )
        assert stored == sorted([front, back, bill])

        operator = standin.state.messages_in(OPERATOR_CHAT)
        await standin.wait_until(lambda: any(m.inline_buttons for m in operator), TIMEOUT)
        albums = [m for m in operator if m.media]
        assert [sorted(m.file_bytes(i) for i in range(len(m.media))) for m in albums] == [
            sorted([front, back, bill])
        ]

        assert not [t for t in texts_in(chat) if t in FAILURES], texts_in(chat)
        assert len(chat) == sum(answers), texts_in(chat)  # nothing else answered twice
        for life in worker.lives:
            assert "Traceback" not in life.output(), life.output()


async def _announcement_rows(request_id: int) -> list[tuple[str, OutboxStatus, str | None]]:
    """The outbox rows of a request's announcement: kind, status and who holds a claim."""
    rows = await OutboxMessage.filter(ref=request_id).order_by("id")
    return [(row.kind, row.status, row.claimed_by) for row in rows]


async def test_a_notice_in_flight_at_a_kill_is_sent_again(
    database_url: str, tmp_path: Path
) -> None:
    """The outbox is sending the operator group a new request's album when its process is
    SIGKILLed: the row stays claimed by the dead process, and the next process sends it
    once the lease has run out, then the rest of the announcement; every row ends ``sent``.
    The album arrives at least once and at most twice (README: duplicates bounded by the
    sends in flight at a crash); the parts not in flight arrive once."""
    await run_isolated(seed(database_url))
    service = load_catalog().service("reconnection")
    title = service.documents[0].title
    receipt, stub = png(31), png(32)
    async with (
        WatchedStandIn(token=TOKEN, profile="bale") as standin,
        lives(standin, database_url, tmp_path) as worker,
    ):
        person = standin.person(CITIZEN, "مریم")
        await begin(None, person, service.code)
        await press(person, texts.BTN_SEND_CONTACT)
        await say(person, NATIONAL_CODE)
        assert title in await say(person, BILL_ID)
        assert await photo(person, receipt) == received(1, title)
        assert await photo(person, stub) == received(2, title)
        assert (await press(person, texts.BTN_NEXT)).startswith(texts.SUMMARY_TITLE)

        filed = await kill_inside(  # inside the album's send: only the outbox sends albums
            worker,
            standin,
            "sendMediaGroup",
            press(person, texts.BTN_CONFIRM),
            then=lambda: until(lambda: all_handled(database_url), "the confirmation handled"),
        )

        [(request_id, code, _)] = (await in_database(database_url, _filing))["requests"]
        assert to_latin_digits(filed).count(code) == 1
        rows = await in_database(database_url, lambda: _announcement_rows(request_id))
        owed = [(kind, owner) for kind, status, owner in rows if status == OutboxStatus.PENDING]
        [(album_kind, dead), (buttons_kind, none)] = owed  # the details went before the kill
        assert (album_kind, buttons_kind, none) == (ANNOUNCE_ALBUM, ANNOUNCE_STATUS, None), rows
        assert dead is not None  # the album: claimed by the dead process, never finished

        await worker.start(later=LEASE + timedelta(seconds=5))

        async def delivered() -> bool:
            rows = await in_database(database_url, lambda: _announcement_rows(request_id))
            return all(status == OutboxStatus.SENT for _, status, _ in rows)

        await until(delivered, "every part of the announcement sent")
        rows = await in_database(database_url, lambda: _announcement_rows(request_id))
        assert [owner for kind, _, owner in rows if kind == ANNOUNCE_ALBUM] != [dead]  # resent
        await standin.wait_until(lambda: not in_flight(standin, "sendMediaGroup"), TIMEOUT)
        operator = standin.state.messages_in(OPERATOR_CHAT)
        await standin.wait_until(lambda: any(m.inline_buttons for m in operator), TIMEOUT)
        about = [m for m in operator if code in to_latin_digits(m.text or "")]
        albums = [m for m in operator if m.media]
        assert 1 <= len(albums) <= 2, [m.describe() for m in operator]
        for album in albums:
            assert [album.file_bytes(i) for i in range(len(album.media))] == [receipt, stub]
        assert len([m for m in about if m.inline_buttons]) == 1  # the status buttons, once
        assert len([m for m in about if not m.inline_buttons and not m.media]) == 1  # details

        citizen = texts_in(standin.state.messages_in(CITIZEN))
        assert [t for t in citizen if code in to_latin_digits(t)] == [filed]  # told once
        for life in worker.lives:
            assert "Traceback" not in life.output(), life.output()
