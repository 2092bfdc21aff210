"""/report: a PNG chart and a CSV whose numbers match the database."""

from __future__ import annotations

import csv
import io
import struct
from datetime import timedelta

from handlers.texts import desk as dtexts
from handlers.texts import report as rtexts
from models import clock
from models.request import RequestStatus, ServiceRequest
from tests.e2e.test_operator import make_request, operator


async def test_report_png_and_csv_match_the_database(harness) -> None:
    requests = [await make_request(harness, user_id=1001 + i) for i in range(3)]
    requests.append(await make_request(harness, user_id=1010, service_code="meter-test"))
    await ServiceRequest.filter(id=requests[0].id).update(deadline=clock.now() + timedelta(days=5))
    await requests[0].move_to(RequestStatus.DONE, actor="test")
    await requests[1].move_to(RequestStatus.IN_REVIEW, actor="test")
    await requests[3].move_to(RequestStatus.REJECTED, actor="test")
    # one done late: its deadline had passed when it was done
    await ServiceRequest.filter(id=requests[2].id).update(deadline=clock.now() - timedelta(days=1))
    await requests[2].move_to(RequestStatus.DONE, actor="test")
    await ServiceRequest.filter(id=requests[0].id).update(rating=5)  # the citizens' ratings
    await ServiceRequest.filter(id=requests[2].id).update(rating=2)

    staff = operator(harness)
    await staff.send_command("/report", "week")
    chart, sheet = await staff.wait_for_reply(count=2, timeout=20)
    assert chart.kind == "photo"
    png = chart.file_bytes()
    assert png.startswith(b"\x89PNG\r\n\x1a\n")
    width, height = struct.unpack(">II", png[16:24])
    assert width == 1100 and height >= 250 and len(png) > 10_000
    assert sheet.kind == "document"
    rows = list(csv.DictReader(io.StringIO(sheet.file_bytes().decode("utf-8-sig"))))
    by_code = {row["service"]: row for row in rows}
    for code in ("meter-replacement", "meter-test"):
        filed = ServiceRequest.filter(service__code=code)
        row = by_code[code]
        assert int(row["total"]) == await filed.count()
        for status in RequestStatus:
            assert int(row[status.value]) == await filed.filter(status=status).count()
    replacement = by_code["meter-replacement"]
    assert replacement["done"] == "2" and replacement["done_within_sla"] == "1"
    assert replacement["sla_share"] == "0.5"
    assert float(replacement["rating_average"]) == 3.5
    assert by_code["meter-test"]["rating_average"] == ""  # no ratings: the column stays empty


async def test_report_refusals(harness) -> None:
    stranger = operator(harness, 5555, "ناشناس")
    await stranger.send_command("/report")
    [refused] = await stranger.wait_for_reply()
    assert refused.text == dtexts.NOT_OPERATOR
    staff = operator(harness)
    await staff.send_command("/report", "yesterday")
    [usage] = await staff.wait_for_reply()
    assert usage.text == rtexts.USAGE
