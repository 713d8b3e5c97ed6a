"""The curation queue and the regrade flow in the admin."""

from dataclasses import replace

from django.utils import timezone

from candidates.item_statistics import statistics_recompute
from candidates.models import ItemStatistics, Regrade, TestSession
from questionbank.services import question_as_data, question_update
from tests.candidates.test_item_statistics import answered  # noqa: F401 - the shared fixture


def test_curation_queue_lists_flagged_items_with_numbers_and_retires(admin_client, answered):  # noqa: F811
    questions, _ = answered
    statistics_recompute(now=timezone.now(), min_sample=5)
    flagged = ItemStatistics.objects.get(question=questions[3])

    queue = admin_client.get("/admin/candidates/itemstatistics/", {"needs_review__exact": "1"})
    panel = admin_client.get(f"/admin/candidates/itemstatistics/{flagged.pk}/change/")
    admin_client.post("/admin/candidates/itemstatistics/", {"action": "retire_questions",
                                                            "_selected_action": [flagged.pk]})

    assert queue.status_code == 200
    assert b"negative discrimination" in queue.content
    assert b"Point-biserial" in panel.content
    questions[3].refresh_from_db()
    assert questions[3].status == "retired"


def test_curation_regrade_preview_then_apply_in_admin(admin_client, answered):  # noqa: F811
    questions, _ = answered
    data = question_as_data(questions[3])
    data.choices = [replace(c, is_key=(i == 1)) for i, c in enumerate(data.choices)]
    new = question_update(question=questions[3], data=data)
    before = sorted(TestSession.objects.values_list("raw_score", flat=True))

    created = admin_client.post("/admin/candidates/regrade/add/", {"old_question": questions[3].pk,
                                                                   "new_question": new.pk})
    regrade = Regrade.objects.get()
    preview = admin_client.get(f"/admin/candidates/regrade/{regrade.pk}/change/")
    assert sorted(TestSession.objects.values_list("raw_score", flat=True)) == before   # a dry run
    admin_client.post("/admin/candidates/regrade/", {"action": "apply", "_selected_action": [regrade.pk]})

    assert created.status_code == 302
    assert b"4.00 \xe2\x86\x92 3.00" in preview.content
    regrade.refresh_from_db()
    assert regrade.status == "applied"
    assert sorted(TestSession.objects.values_list("raw_score", flat=True)) != before
