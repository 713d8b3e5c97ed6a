"""Curators and recruiters get separate groups: curators edit the bank, recruiters run tests."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

GROUPS = {
    "Curators": {
        "questionbank": {"topic": "add change delete view", "question": "add change delete view",
                         "choice": "add change delete view"},
    },
    "Recruiters": {
        "questionbank": {"topic": "view", "question": "view", "choice": "view"},
        "assessments": {"testtemplate": "add change view", "section": "add change delete view",
                        "drawrule": "add change delete view", "fixedquestion": "add change delete view",
                        "publishedversion": "view"},
        "candidates": {"candidate": "add change view", "invitation": "view", "testsession": "view",
                       "response": "view", "integrityevent": "view", "outboxemail": "view"},
    },
}


def create_groups(apps, schema_editor):
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for name, by_app in GROUPS.items():
        group, _ = Group.objects.get_or_create(name=name)
        codenames = [
            (app, f"{action}_{model}")
            for app, models in by_app.items() for model, actions in models.items() for action in actions.split()
        ]
        group.permissions.set([
            Permission.objects.get(content_type__app_label=app, codename=codename) for app, codename in codenames
        ])


def delete_groups(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name__in=GROUPS).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("candidates", "0001_initial"),
        ("questionbank", "0001_initial"),
        ("assessments", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(create_groups, delete_groups)]
