"""REST endpoints of characteristics and samples: thin calls into the pipeline and services."""

from __future__ import annotations

from typing import Any

import orjson
from django.http import HttpResponse
from drf_spectacular.utils import (
    OpenApiResponse,
    PolymorphicProxySerializer,
    extend_schema,
    extend_schema_view,
)
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request
from rest_framework.response import Response

from audit.signatures import (
    EXCLUSION,
    INCLUSION,
    LIMIT_CHANGE,
    ChangeRefused,
    Signature,
    require_reason,
    sign,
)
from hierarchy.scoping import ScopedFilterBackend, granted_paths, visible_characteristic_ids
from openspc.api_errors import input_error_body
from openspc.api_permissions import ReadAnyWriteStaff
from spc.api.filters import CharacteristicFilter, SampleFilter
from spc.api.limit_serializers import (
    CapabilityQuerySerializer,
    CapabilitySerializer,
    ChartDataSerializer,
    LimitPreviewSerializer,
    RangeSerializer,
    RecalculateSerializer,
)
from spc.api.serializers import (
    BulkItemResultSerializer,
    CharacteristicSerializer,
    CharacteristicWriteSerializer,
    ExclusionSerializer,
    SampleCreateSerializer,
    SampleSerializer,
)
from spc.api.simple_input import simple_item
from spc.charts.cached import chart_data_json
from spc.core.errors import InputError
from spc.models import Characteristic, Sample
from spc.pipeline.limit_changes import (
    LIMIT_COLUMNS,
    recalculate_limits,
    record_limit_edit,
    set_excluded,
)
from spc.pipeline.processing import (
    ProcessResult,
    SubgroupInput,
    UnknownCharacteristic,
    process_many,
)
from spc.reports.capability_study import capability_study

MAX_BULK = 1000


def _password(request: Request) -> str:
    """The re-entered password of an electronic signature (``signature_password``)."""
    data = request.data if isinstance(request.data, dict) else {}
    return str(data.get("signature_password") or "")


def _reason(request: Request) -> str:
    """The ``reason`` of a signed change, stripped."""
    data = request.data if isinstance(request.data, dict) else {}
    return str(data.get("reason") or "").strip()


def _signature(request: Request, meaning: str, *, with_reason: bool = False) -> Signature:
    """Check the electronic signature (and the reason, ``with_reason``) of a change; a
    refusal becomes an ``InputError`` on its field, which the API answers with a 400."""
    try:
        if with_reason:
            require_reason(_reason(request))
        return sign(request.user, _password(request), meaning)
    except ChangeRefused as exc:
        raise InputError(exc.field, exc.message) from exc


def _limit_signature(request: Request) -> Signature:
    """Check a limit change's reason and electronic signature (400 when either is wrong)."""
    return _signature(request, LIMIT_CHANGE, with_reason=True)


_SIGNED_LIMITS = (
    "Setting or changing control limits (center_line, ucl, lcl, sigma, secondary limits) is "
    "an electronically signed change: send `reason` and `signature_password` with it."
)


@extend_schema_view(
    create=extend_schema(
        request=CharacteristicWriteSerializer,
        responses={201: CharacteristicSerializer},
        description=_SIGNED_LIMITS,
    ),
    update=extend_schema(
        request=CharacteristicWriteSerializer,
        responses=CharacteristicSerializer,
        description=_SIGNED_LIMITS,
    ),
    partial_update=extend_schema(
        request=CharacteristicWriteSerializer,
        responses=CharacteristicSerializer,
        description=_SIGNED_LIMITS,
    ),
)
class CharacteristicViewSet(viewsets.ModelViewSet[Characteristic]):
    """Characteristics: chart, limits, rules and data source; engineers (staff) write."""

    queryset = Characteristic.objects.select_related("hierarchy").order_by(
        "hierarchy__path", "name"
    )
    serializer_class = CharacteristicSerializer
    permission_classes = [ReadAnyWriteStaff]
    filterset_class = CharacteristicFilter
    search_fields = ["name", "description", "mqtt_topic", "sparkplug_metric"]
    ordering_fields = ["name", "id", "chart_type"]

    def perform_create(self, serializer: CharacteristicSerializer) -> None:  # type: ignore[override]
        """Create; limits given with it start the limit history, as in the admin (signed:
        ``reason`` and ``signature_password`` in the body)."""
        data = serializer.validated_data
        signature = None
        if any(data.get(name) is not None for name in LIMIT_COLUMNS):
            signature = _limit_signature(self.request)
        char = serializer.save()
        if signature is not None:
            record_limit_edit(
                char, user=self.request.user, reason=_reason(self.request), signature=signature
            )

    def perform_update(self, serializer: CharacteristicSerializer) -> None:  # type: ignore[override]
        """Update; changed limits are signed (``reason`` and ``signature_password`` in the
        body), recorded in the limit history (who, when) and the rolling window is rebuilt,
        as for an admin edit."""
        before = {name: getattr(serializer.instance, name) for name in LIMIT_COLUMNS}
        data = serializer.validated_data
        signature = None
        if any(name in data and data[name] != value for name, value in before.items()):
            signature = _limit_signature(self.request)
        char = serializer.save()
        if signature is not None:
            record_limit_edit(
                char,
                user=self.request.user,
                reason=_reason(self.request),
                signature=signature,
                old=before,
            )

    @extend_schema(
        request=RecalculateSerializer,
        responses=LimitPreviewSerializer,
        description="Limits from a baseline (last_n, start/end or sample_ids); dry_run "
        "previews. Attribute limits are stated at sample_size_basis/summary_sample_size. "
        "Storing closes the open violations raised under the old limits as superseded and, "
        "with evaluate_baseline (default), evaluates the samples stored before any limits.",
    )
    @action(detail=True, methods=["post"], url_path="recalculate-limits")
    def recalculate_limits(self, request: Request, pk: str | None = None) -> Response:
        """Compute limits from a baseline (last_n, start/end or sample_ids); dry_run previews."""
        char = self.get_object()
        params = RecalculateSerializer(data=request.data)
        params.is_valid(raise_exception=True)
        data = params.validated_data
        signature = None
        if not data["dry_run"]:
            signature = _limit_signature(request)
        preview = recalculate_limits(
            char,
            last_n=data.get("last_n"),
            start=data.get("start"),
            end=data.get("end"),
            sample_ids=data.get("sample_ids"),
            exclude_out_of_control=data["exclude_out_of_control"],
            dry_run=data["dry_run"],
            user=request.user,
            reason=data["reason"].strip(),
            signature=signature,
            evaluate_baseline=data["evaluate_baseline"],
            limit_sigma=data.get("limit_sigma"),
            variable_n_method=data.get("variable_n_method"),
        )
        return Response(LimitPreviewSerializer(preview.as_dict()).data)

    @extend_schema(parameters=[RangeSerializer], responses=ChartDataSerializer)
    # One characteristic by id: only the scoping applies (the list's filters, search and
    # ordering would validate and compile for nothing).
    @action(
        detail=True,
        methods=["get"],
        url_path="chart-data",
        filter_backends=[ScopedFilterBackend],
    )
    def chart_data(self, request: Request, pk: str | None = None) -> HttpResponse | Response:
        """Points (oldest first) with limits in force, zones and violations, plus current limits."""
        char = self.get_object()
        params = RangeSerializer(data=request.query_params)
        params.is_valid(raise_exception=True)
        data = params.validated_data
        body = chart_data_json(
            char, start=data.get("start"), end=data.get("end"), limit=data["limit"]
        )
        if request.accepted_renderer.format == "json":  # bytes as cached: nothing to render
            return HttpResponse(body, content_type="application/json")
        return Response(orjson.loads(body))

    @extend_schema(parameters=[CapabilityQuerySerializer], responses=CapabilitySerializer)
    @action(detail=True, methods=["get"])
    def capability(self, request: Request, pk: str | None = None) -> Response:
        """Cp, Cpk, Pp, Ppk, Cpm with sigma_within and sigma_overall for a time range;
        with ``distribution``, the non-normal study (fits, percentile indices, PPM)."""
        char = self.get_object()
        params = CapabilityQuerySerializer(data=request.query_params)
        params.is_valid(raise_exception=True)
        data = params.validated_data
        study = capability_study(
            char,
            start=data.get("start"),
            end=data.get("end"),
            distribution=data.get("distribution"),
            lam=data.get("lambda"),
        )
        return Response(study)


def _summary(result: ProcessResult) -> dict[str, Any]:
    """A stored bulk item as the default bulk response gives it: id and violations."""
    return {
        "id": result.sample.pk,
        "violations": [
            {"id": v.pk, "rule": v.rule, "severity": v.severity} for v in result.violations
        ],
    }


def _unknown(characteristic_id: Any) -> dict[str, list[str]]:
    return {"characteristic": [f"No characteristic with id {characteristic_id}."]}


def _subgroup_input(data: dict[str, Any], user_id: int | None) -> SubgroupInput:
    count = data.get("defects", data.get("defectives"))
    return SubgroupInput(
        characteristic_id=data["characteristic"],
        measurements=tuple(data.get("measurements") or ()),
        count=count,
        sample_size=data.get("sample_size"),
        timestamp=data.get("timestamp"),
        idempotency_key=data.get("idempotency_key"),
        operator=data.get("operator", ""),
        batch_number=data.get("batch_number", ""),
        part_number=data.get("part_number", ""),
        source="REST",
        user_id=user_id,
    )


class SampleViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet[Sample],
):
    """Samples: POST one subgroup (or a list of them), list with filters, PATCH exclusion."""

    queryset = (
        Sample.objects.select_related("created_by", "characteristic")
        .prefetch_related("measurements", "violations")
        .order_by("-id")
    )
    serializer_class = SampleSerializer
    filterset_class = SampleFilter
    ordering_fields = ["id", "timestamp"]
    http_method_names = ["get", "post", "patch", "head", "options"]

    def _parse(
        self, item: Any, parser: SampleCreateSerializer, user_id: int | None
    ) -> SubgroupInput | dict[str, Any]:
        """One submitted item as pipeline input, or its 400 error body."""
        data = simple_item(item)
        if data is None:
            try:
                data = parser.run_validation(item)
            except ValidationError as exc:
                detail = exc.detail
                if not isinstance(detail, dict):  # e.g. null instead of an object
                    detail = {"non_field_errors": detail}
                return {"errors": detail}
        if not self._may_write(data["characteristic"]):
            return {"errors": _unknown(data["characteristic"])}
        return _subgroup_input(data, user_id)

    def _render(
        self,
        result: ProcessResult | InputError,
        data: SubgroupInput,
        writer: SampleSerializer,
        user: Any,
    ) -> tuple[int, dict[str, Any]]:
        """(status, body) of one pipeline result: the stored sample or its field errors."""
        if isinstance(result, UnknownCharacteristic):
            return status.HTTP_400_BAD_REQUEST, {"errors": _unknown(data.characteristic_id)}
        if isinstance(result, InputError):
            return status.HTTP_400_BAD_REQUEST, {"errors": input_error_body(result)}
        sample = result.sample
        sample.raised_violations = result.violations  # type: ignore[attr-defined]
        if sample.created_by_id == user.pk:
            sample.created_by = user  # no query for the name
        return self._status(result), writer.to_representation(sample)

    def _submit(
        self, items: list[Any], *, samples: bool = True
    ) -> list[tuple[int, dict[str, Any]]]:
        """Parse every item, run the valid ones through the pipeline in one batch and
        return (status, body) per item, in order. Serializers are built once. Without
        ``samples`` a stored item's body is its id and violations only."""
        parser, writer = SampleCreateSerializer(), SampleSerializer()
        user = self.request.user
        parsed = [self._parse(item, parser, user.pk) for item in items]
        inputs = [p for p in parsed if isinstance(p, SubgroupInput)]
        results = iter(process_many(inputs)) if inputs else iter(())
        out: list[tuple[int, dict[str, Any]]] = []
        for entry in parsed:
            if not isinstance(entry, SubgroupInput):
                out.append((status.HTTP_400_BAD_REQUEST, entry))
                continue
            result = next(results)
            if samples or not isinstance(result, ProcessResult):
                out.append(self._render(result, entry, writer, user))
            else:
                out.append((self._status(result), _summary(result)))
        return out

    def _may_write(self, characteristic_id: Any) -> bool:
        """True when the characteristic lies in the user's sites (others' look unknown)."""
        visible = getattr(self, "_visible_ids", ())
        if visible == ():
            user = self.request.user
            visible = None
            if granted_paths(user) is not None:
                visible = set(visible_characteristic_ids(user).values_list("pk", flat=True))
            self._visible_ids = visible
        return visible is None or characteristic_id in visible

    @staticmethod
    def _status(result: ProcessResult) -> int:
        return status.HTTP_201_CREATED if result.created else status.HTTP_200_OK

    @extend_schema(
        request=PolymorphicProxySerializer(
            component_name="SampleSubmission",
            serializers=[SampleCreateSerializer, SampleCreateSerializer(many=True)],
            resource_type_field_name=None,
            many=False,
        ),
        responses={
            201: SampleSerializer,
            200: OpenApiResponse(
                PolymorphicProxySerializer(
                    component_name="SampleOrBulkResults",
                    serializers=[SampleSerializer, BulkItemResultSerializer(many=True)],
                    resource_type_field_name=None,
                    many=False,
                ),
                description="Idempotent replay (the stored sample), or a bulk list's results",
            ),
            400: OpenApiResponse(description="Field errors"),
        },
        description="One subgroup as an object (201 with the stored sample and its "
        "violations; 200 with the stored one when its idempotency_key was seen), or up to "
        f"{MAX_BULK} subgroups as a list: 200 with one result per item, in order: "
        "`{status, id, violations}` for a stored item (its sample's id and the violations "
        "it raised: `id`, `rule`, `severity`), `{status, errors}` for a refused one; with "
        "`?return=samples` a stored item is `{status, sample}` with the whole stored sample.",
    )
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        if isinstance(request.data, list):
            if not request.data:
                raise ValidationError({"non_field_errors": ["The list is empty."]})
            if len(request.data) > MAX_BULK:
                raise ValidationError({"non_field_errors": [f"At most {MAX_BULK} per request."]})
            samples = request.query_params.get("return") == "samples"
            results = [
                {"status": code, **({"sample": body} if code < 400 and samples else body)}
                for code, body in self._submit(request.data, samples=samples)
            ]
            return Response(results, status=status.HTTP_200_OK)
        ((code, body),) = self._submit([request.data])
        if code >= 400:
            return Response(body["errors"], status=code)
        return Response(body, status=code)

    @extend_schema(request=ExclusionSerializer, responses=SampleSerializer)
    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Exclude a sample (``exclusion_reason`` required) or include it again."""
        sample = self.get_object()
        params = ExclusionSerializer(data=request.data)
        params.is_valid(raise_exception=True)
        data = params.validated_data
        meaning = EXCLUSION if data["is_excluded"] else INCLUSION
        set_excluded(
            sample,
            data["is_excluded"],
            reason=data.get("exclusion_reason", ""),
            user=request.user,
            signature=_signature(request, meaning),
        )
        fresh = self.get_queryset().get(pk=sample.pk)
        return Response(SampleSerializer(fresh).data)
