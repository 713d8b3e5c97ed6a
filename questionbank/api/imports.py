"""Curators import question files through the API (the same importer as the command and the admin)."""

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.exceptions import ValidationError
from rest_framework.parsers import MultiPartParser
from rest_framework.permissions import IsAdminUser
from rest_framework.response import Response
from rest_framework.views import APIView

from questionbank.importers.base import ImportFormatError
from questionbank.importers.registry import FORMATS
from questionbank.importing import text_import

MAX_UPLOAD = 2 * 1024 * 1024


class ImportInput(serializers.Serializer):
    file = serializers.FileField()
    format = serializers.ChoiceField(choices=["auto", *FORMATS], default="auto")
    topic = serializers.SlugField(required=False, default="", allow_blank=True)
    status = serializers.ChoiceField(choices=["draft", "published"], default="draft")
    dry_run = serializers.BooleanField(default=True)

    def validate_file(self, upload):
        if upload.size > MAX_UPLOAD:
            raise serializers.ValidationError("Files up to 2 MB.")
        try:
            return upload.name, upload.read().decode("utf-8")
        except UnicodeDecodeError as exc:
            raise serializers.ValidationError("The file is not UTF-8 text.") from exc


class QuestionImportApi(APIView):
    """Preview (``dry_run``, the default) or run an import; staff (curators) only."""

    permission_classes = [IsAdminUser]
    parser_classes = [MultiPartParser]

    @extend_schema(request={"multipart/form-data": ImportInput}, responses={200: dict},
                   summary="Import questions (interview document, GIFT, Aiken, CSV); dry run by default")
    def post(self, request):
        data = ImportInput(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        name, text = values["file"]
        try:
            report = text_import(name=name, text=text, fmt=values["format"], status=values["status"],
                                 topic=values["topic"], dry_run=values["dry_run"])
        except ImportFormatError as exc:
            raise ValidationError({"file": [str(exc)]}) from exc
        return Response(report.as_dict())
