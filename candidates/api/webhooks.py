"""Recruiter API: webhook endpoints of the organisation, their delivery log and test events."""

from django.core.exceptions import ValidationError as DjangoValidationError
from django.urls import path
from django.utils import timezone
from drf_spectacular.utils import extend_schema
from rest_framework import generics, serializers, status
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response
from rest_framework.views import APIView

from assessments.api.permissions import IsRecruiter
from candidates.models import WebhookDelivery, WebhookEndpoint
from candidates.webhooks import (
    webhook_delivery_list,
    webhook_endpoint_create,
    webhook_endpoint_delete,
    webhook_endpoint_get,
    webhook_endpoint_list,
    webhook_endpoint_update,
    webhook_ping,
)


class EndpointInput(serializers.Serializer):
    url = serializers.CharField(max_length=500, help_text="https:// URL that receives the events.")
    description = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")


class EndpointPatchInput(serializers.Serializer):
    url = serializers.CharField(max_length=500, required=False)
    description = serializers.CharField(max_length=200, required=False, allow_blank=True)
    is_active = serializers.BooleanField(required=False)


class EndpointOutput(serializers.ModelSerializer):
    class Meta:
        model = WebhookEndpoint
        fields = ["id", "url", "description", "is_active", "created_at"]


class EndpointCreatedOutput(EndpointOutput):
    secret = serializers.CharField(help_text="Signing secret (64 hex characters); shown only once.")

    class Meta(EndpointOutput.Meta):
        fields = [*EndpointOutput.Meta.fields, "secret"]


class DeliveryOutput(serializers.ModelSerializer):
    class Meta:
        model = WebhookDelivery
        fields = ["id", "event_id", "event_type", "status", "attempts", "next_attempt_at", "last_status_code",
                  "last_error", "created_at", "delivered_at"]


class WebhookListApi(generics.ListAPIView):
    """``GET``: the organisation's webhook endpoints (paginated); ``POST``: register one."""

    permission_classes = [IsRecruiter]
    serializer_class = EndpointOutput

    def get_queryset(self):
        return webhook_endpoint_list(organization=self.request.organization)

    @extend_schema(request=EndpointInput, responses={201: EndpointCreatedOutput},
                   summary="Register a webhook endpoint (the response carries the signing secret, once)")
    def post(self, request):
        data = EndpointInput(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            endpoint = webhook_endpoint_create(organization=request.organization, created_by=request.user,
                                               **data.validated_data)
        except DjangoValidationError as exc:
            raise ValidationError(exc.message_dict) from exc
        return Response(EndpointCreatedOutput(endpoint).data, status=status.HTTP_201_CREATED)


class WebhookDetailApi(APIView):
    permission_classes = [IsRecruiter]

    @extend_schema(responses=EndpointOutput, summary="One webhook endpoint (the secret is never shown again)")
    def get(self, request, endpoint_id: int):
        endpoint = webhook_endpoint_get(organization=request.organization, endpoint_id=endpoint_id)
        return Response(EndpointOutput(endpoint).data)

    @extend_schema(request=EndpointPatchInput, responses=EndpointOutput,
                   summary="Change a webhook endpoint's URL, description or active flag")
    def patch(self, request, endpoint_id: int):
        endpoint = webhook_endpoint_get(organization=request.organization, endpoint_id=endpoint_id)
        data = EndpointPatchInput(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            endpoint = webhook_endpoint_update(endpoint=endpoint, **data.validated_data)
        except DjangoValidationError as exc:
            raise ValidationError(exc.message_dict) from exc
        return Response(EndpointOutput(endpoint).data)

    @extend_schema(responses={204: None}, summary="Delete a webhook endpoint and its delivery log")
    def delete(self, request, endpoint_id: int):
        endpoint = webhook_endpoint_get(organization=request.organization, endpoint_id=endpoint_id)
        webhook_endpoint_delete(endpoint=endpoint)
        return Response(status=status.HTTP_204_NO_CONTENT)


class WebhookDeliveryListApi(generics.ListAPIView):
    """The endpoint's delivery log, newest first (paginated)."""

    permission_classes = [IsRecruiter]
    serializer_class = DeliveryOutput

    def get_queryset(self):
        endpoint = webhook_endpoint_get(organization=self.request.organization, endpoint_id=self.kwargs["endpoint_id"])
        return webhook_delivery_list(endpoint=endpoint)


class WebhookTestApi(APIView):
    permission_classes = [IsRecruiter]

    @extend_schema(request=None, responses={202: DeliveryOutput},
                   summary="Send a signed ping event to the endpoint (logged and retried like any event)")
    def post(self, request, endpoint_id: int):
        endpoint = webhook_endpoint_get(organization=request.organization, endpoint_id=endpoint_id)
        try:
            delivery = webhook_ping(endpoint=endpoint, now=timezone.now())
        except DjangoValidationError as exc:
            raise ValidationError(exc.message_dict) from exc
        return Response(DeliveryOutput(delivery).data, status=status.HTTP_202_ACCEPTED)


urlpatterns = [
    path("webhooks/", WebhookListApi.as_view(), name="api-webhook-list"),
    path("webhooks/<id:endpoint_id>/", WebhookDetailApi.as_view(), name="api-webhook-detail"),
    path("webhooks/<id:endpoint_id>/deliveries/", WebhookDeliveryListApi.as_view(), name="api-webhook-deliveries"),
    path("webhooks/<id:endpoint_id>/test/", WebhookTestApi.as_view(), name="api-webhook-test"),
]
