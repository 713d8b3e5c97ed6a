"""Every model is in the admin, and its list, filters, search and change pages render."""

import pytest
from django.contrib import admin
from django.utils import timezone

from candidates.services import session_start, session_submit
from questionbank.models import Question


@pytest.fixture
def populated(issued):
    session, _ = session_start(invitation=issued.invitation, now=timezone.now())
    session_submit(session=session, now=timezone.now())


def test_admin_every_model_list_and_change_page_renders(admin_client, populated):
    for model in admin.site._registry:
        meta = model._meta
        url = f"/admin/{meta.app_label}/{meta.model_name}/"
        assert admin_client.get(url).status_code == 200, url
        assert admin_client.get(url, {"q": "flask"}).status_code == 200, url
        obj = model.objects.first()
        if obj is not None:
            assert admin_client.get(f"{url}{obj.pk}/change/").status_code == 200, url


def test_admin_in_use_question_is_read_only_and_can_start_new_version(admin_client, populated):
    question = Question.objects.filter(in_use=True).first()

    page = admin_client.get(f"/admin/questionbank/question/{question.pk}/change/")
    posted = admin_client.post("/admin/questionbank/question/", {
        "action": "start_new_version", "_selected_action": [question.pk],
    })

    assert b'name="stem"' not in page.content
    assert posted.status_code == 302
    new = Question.objects.get(family=question.family, version=2)
    assert (new.status, new.in_use, new.stem) == ("draft", False, question.stem)
