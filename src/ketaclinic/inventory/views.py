"""The ledger's pages: parse what was typed, call the services, render.

Every page is of the active location (the one guard: `_location`, for the
signed-in staff member's role and locations). A refusal of a service comes
back beside its field and nothing is written. Pages and exports that name
patients are audited as a list of patients (patients.queries.patients_seen).
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Callable, Iterable
from datetime import timedelta
from typing import Any

from django import forms as django_forms
from django.contrib import messages
from django.db import transaction
from django.http import Http404, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from ketaclinic.accounts.access import forbidden, staff_required
from ketaclinic.accounts.locations import location_ids_of
from ketaclinic.accounts.models import User
from ketaclinic.accounts.permissions import Perm, can
from ketaclinic.accounts.requests import StaffRequest
from ketaclinic.clinics.models import Location
from ketaclinic.exports import csv_lines
from ketaclinic.inventory import forms, queries, reports, services
from ketaclinic.inventory.models import (
    Entry,
    Lot,
    OpenedContainer,
    Product,
    Registration,
    Safe,
    Supplier,
)
from ketaclinic.patients.models import Patient
from ketaclinic.patients.queries import patients_seen

# Lots that expire within this many days are flagged on the ledger's home.
EXPIRY_WARNING_DAYS = 60


def _location(request: StaffRequest) -> Location | None:
    """The active location, when the staff member works there."""
    location = request.location
    if location is None or location.pk not in location_ids_of(request.user):
        return None
    return location


def ledger_page(perm: Perm) -> Callable:
    """A ledger page: the role's permission, then the active location."""

    def decorator(view: Callable) -> Callable:
        @staff_required(perm)
        def wrapped(request: StaffRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            location = _location(request)
            if location is None:
                return forbidden(request, "You work at no location with a ledger.")
            return view(request, location, *args, **kwargs)

        wrapped.__name__ = view.__name__
        wrapped.__doc__ = view.__doc__
        wrapped.required_perm = perm
        return wrapped

    return decorator


def _refused(form: django_forms.Form, refused: services.LedgerRefused) -> None:
    for field, message in refused.errors.items():
        if field is not None and field.startswith("lines."):
            field = None
        form.add_error(field if field in form.fields else None, message)


def _witness(form: django_forms.Form) -> User | None:
    """The witness named by username (the service checks the rest)."""
    username = (form.cleaned_data.get("witness") or "").strip()
    if not username:
        form.add_error("witness", "Type the witness's username.")
        return None
    user = User.objects.filter(username__iexact=username).first()
    if user is None:
        form.add_error("witness", f"No one signs in as “{username}”.")
    return user


def _form_page(
    request: StaffRequest,
    form: django_forms.Form,
    *,
    title: str,
    intro: str,
    submit: str,
    extra: dict[str, Any] | None = None,
    status: int = 200,
) -> HttpResponse:
    return render(
        request,
        "inventory/form.html",
        {
            "form": form,
            "title": title,
            "intro": intro,
            "submit": submit,
            **(extra or {}),
        },
        status=status,
    )


# --- Home -----------------------------------------------------------------------


@ledger_page(Perm.LEDGER_VIEW)
def home(request: StaffRequest, location: Location) -> HttpResponse:
    """Balances per safe and lot; expiring lots and opened vials past their
    beyond-use date flagged."""
    today = timezone.localtime(timezone.now(), location.zone).date()
    holdings = queries.balances_of_location(location.pk)
    safes = {s.pk: s for s in Safe.objects.filter(location=location)}
    lots = {
        lot.pk: lot
        for lot in Lot.objects.filter(
            pk__in={h.lot_id for h in holdings}
        ).select_related("product")
    }
    rows = []
    for h in sorted(
        holdings, key=lambda h: (safes[h.safe_id].name, lots[h.lot_id].expires_on)
    ):
        lot = lots[h.lot_id]
        days = (lot.expires_on - today).days
        rows.append(
            {
                "safe": safes[h.safe_id],
                "lot": lot,
                "mg": h.mg,
                "open_mg": h.open_mg,
                "sealed": h.sealed_containers,
                "expired": days < 0,
                "expiring": 0 <= days <= EXPIRY_WARNING_DAYS,
            }
        )
    vials = forms.open_vials(location)
    for vial in vials:
        vial.past_use = vial.beyond_use_on < today  # type: ignore[attr-defined]
    registration = (
        Registration.objects.filter(location=location).order_by("-expires_on").first()
    )
    open_items = (
        sum(queries.open_discrepancy_counts(location.pk).values())
        if can(request.user, Perm.LEDGER_MANAGE)
        else 0
    )
    return render(
        request,
        "inventory/home.html",
        {
            "location": location,
            "rows": rows,
            "vials": vials,
            "registration": registration,
            "open_items": open_items,
            "may_record": can(request.user, Perm.LEDGER_RECORD),
            "may_manage": can(request.user, Perm.LEDGER_MANAGE),
            "reports": reports.REPORTS,
            "warning_days": EXPIRY_WARNING_DAYS,
            "kept": reports.kept_until_words(location),
            "today": today,
        },
    )


# --- Movements ------------------------------------------------------------------


@ledger_page(Perm.LEDGER_MANAGE)
def receive(request: StaffRequest, location: Location) -> HttpResponse:
    form = forms.ReceiveForm(request.POST or None, location=location)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            entry = services.receive(
                actor=request.actor,
                safe=data["safe"],
                supplier=data["supplier"],
                product=data["product"],
                lot_number=data["lot_number"],
                expires_on=data["expires_on"],
                containers=data["containers"],
                ordered_containers=data["ordered_containers"],
                invoice_number=data["invoice_number"],
            )
        except services.LedgerRefused as refused:
            _refused(form, refused)
        else:
            messages.success(
                request,
                f"Received {entry.containers} vials of lot {entry.lot.number} "  # type: ignore[union-attr]
                f"into {entry.safe.name}.",  # type: ignore[union-attr]
            )
            return redirect("ledger:home")
    return _form_page(
        request,
        form,
        title="Receive a delivery",
        intro=(
            "Record the vials on the day they actually arrived, from the invoice "
            "or packing slip. A difference from what was ordered goes on the "
            "discrepancy worklist."
        ),
        submit="Record the delivery",
        status=400 if form.errors else 200,
    )


@ledger_page(Perm.LEDGER_RECORD)
def draw(request: StaffRequest, location: Location) -> HttpResponse:
    """A draw for a patient and the waste of what was not given, on one
    screen, before a witness who types their own password or code."""
    form = forms.DrawForm(request.POST or None, location=location)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        patient = _patient(form, location)
        waste_mg = (data["waste_mg"] or "").strip()
        witness = _witness(form) if waste_mg else None
        if not form.errors:
            try:
                with transaction.atomic():
                    entry = services.draw(
                        actor=request.actor,
                        lot=data["lot"],
                        safe=data["safe"],
                        mg=data["mg"],
                        ml=data["ml"],
                        container=data["container"] or None,
                        patient=patient,
                    )
                    if waste_mg:
                        services.waste(
                            actor=request.actor,
                            draw=entry,
                            mg=waste_mg,
                            witness=witness,
                            witness_secret=data["witness_secret"],
                        )
            except services.LedgerRefused as refused:
                if (
                    "quantity" in refused.errors
                    and waste_mg
                    and "draw" not in refused.errors
                ):
                    # A waste's quantity is the waste field's.
                    message = refused.errors.pop("quantity")
                    if "wast" in message or "left" in message:
                        refused.errors["waste_mg"] = message
                    else:
                        refused.errors["mg"] = message
                if "quantity" in refused.errors:
                    refused.errors["mg"] = refused.errors.pop("quantity")
                if "volume" in refused.errors:
                    refused.errors["ml"] = refused.errors.pop("volume")
                _refused(form, refused)
            else:
                messages.success(
                    request,
                    f"Drawn {entry.quantity_mg.normalize():f} mg of lot "
                    f"{entry.lot.number}"  # type: ignore[union-attr]
                    + (f", {waste_mg} mg wasted." if waste_mg else "."),
                )
                return redirect("ledger:home")
    return _form_page(
        request,
        form,
        title="Draw for a patient",
        intro=(
            "Infusions charted on the infusion page are written to the ledger "
            "there. Use this page for a draw outside an infusion session: it goes "
            "on the manager's worklist. The witness types their own username and "
            "password or code here, with you."
        ),
        submit="Record the draw",
        status=400 if form.errors else 200,
    )


def _patient(form: django_forms.Form, location: Location) -> Patient | None:
    mrn = (form.cleaned_data.get("mrn") or "").strip()
    if not mrn:
        form.add_error("mrn", "Type the patient's MRN.")
        return None
    patient = Patient.objects.filter(mrn__iexact=mrn, location=location).first()
    if patient is None:
        form.add_error("mrn", f"No patient of {location.name} has the MRN {mrn}.")
    return patient


@ledger_page(Perm.LEDGER_RECORD)
def waste(request: StaffRequest, location: Location) -> HttpResponse:
    """The rest of an opened vial wasted before a witness."""
    form = forms.WasteForm(request.POST or None, location=location)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        witness = _witness(form)
        if not data["container"]:
            form.add_error("container", "Choose the opened vial.")
        if not form.errors:
            try:
                services.waste(
                    actor=request.actor,
                    container=data["container"],
                    mg=data["mg"],
                    witness=witness,
                    witness_secret=data["witness_secret"],
                    reason=data["reason"],
                )
            except services.LedgerRefused as refused:
                if "quantity" in refused.errors:
                    refused.errors["mg"] = refused.errors.pop("quantity")
                _refused(form, refused)
            else:
                messages.success(request, "The waste is recorded.")
                return redirect("ledger:home")
    return _form_page(
        request,
        form,
        title="Waste from an opened vial",
        intro="What is left in a vial past its use, wasted before a witness.",
        submit="Record the waste",
        status=400 if form.errors else 200,
    )


def _movement(
    request: StaffRequest,
    location: Location,
    form_class: type[forms.LedgerForm],
    call: Callable[[dict[str, Any]], Any],
    *,
    title: str,
    intro: str,
    submit: str,
    done: str,
    witnessed: bool = False,
    renames: dict[str, str] | None = None,
) -> HttpResponse:
    form = form_class(request.POST or None, location=location)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        if witnessed:
            data["witness"] = _witness(form)
        if not form.errors:
            try:
                call(data)
            except services.LedgerRefused as refused:
                for old, new in (renames or {}).items():
                    if old in refused.errors:
                        refused.errors[new] = refused.errors.pop(old)
                _refused(form, refused)
            else:
                messages.success(request, done)
                return redirect("ledger:home")
    return _form_page(
        request,
        form,
        title=title,
        intro=intro,
        submit=submit,
        status=400 if form.errors else 200,
    )


@ledger_page(Perm.LEDGER_MANAGE)
def transfer(request: StaffRequest, location: Location) -> HttpResponse:
    return _movement(
        request,
        location,
        forms.TransferForm,
        lambda d: services.transfer(
            actor=request.actor,
            lot=d["lot"],
            from_safe=d["from_safe"],
            to_safe=d["to_safe"],
            containers=d["containers"],
            reason=d["reason"],
        ),
        title="Move vials to another safe",
        intro="Sealed vials moved between safes or locations: both sides are recorded.",
        submit="Record the transfer",
        done="The transfer is recorded.",
    )


@ledger_page(Perm.LEDGER_MANAGE)
def return_(request: StaffRequest, location: Location) -> HttpResponse:
    return _movement(
        request,
        location,
        forms.ReturnForm,
        lambda d: services.return_to_supplier(
            actor=request.actor,
            lot=d["lot"],
            safe=d["safe"],
            supplier=d["supplier"],
            containers=d["containers"],
            reason=d["reason"],
            invoice_number=d["invoice_number"],
        ),
        title="Return vials to the supplier",
        intro="Sealed vials sent back (a wrong or damaged delivery).",
        submit="Record the return",
        done="The return is recorded.",
    )


@ledger_page(Perm.LEDGER_MANAGE)
def destroy(request: StaffRequest, location: Location) -> HttpResponse:
    return _movement(
        request,
        location,
        forms.DestroyForm,
        lambda d: services.destroy(
            actor=request.actor,
            lot=d["lot"],
            safe=d["safe"],
            distributor=d["distributor"],
            containers=d["containers"],
            container=d["container"] or None,
            form_41=d["form_41"],
            reason=d["reason"],
        ),
        title="Send for destruction",
        intro=(
            "Expired or damaged stock handed to a reverse distributor (or destroyed "
            "on DEA Form 41): sealed vials, or the rest of one opened vial."
        ),
        submit="Record the destruction",
        done="The destruction is recorded.",
    )


@ledger_page(Perm.LEDGER_VIEW)
def breakage(request: StaffRequest, location: Location) -> HttpResponse:
    if not (
        can(request.user, Perm.LEDGER_RECORD) or can(request.user, Perm.LEDGER_MANAGE)
    ):
        return forbidden(request)
    return _movement(
        request,
        location,
        forms.BreakageForm,
        lambda d: services.breakage(
            actor=request.actor,
            lot=d["lot"],
            safe=d["safe"],
            containers=d["containers"],
            container=d["container"] or None,
            reason=d["reason"],
            witness=d["witness"],
            witness_secret=d["witness_secret"],
        ),
        title="Record a breakage",
        intro="A vial broken or spilled, documented before a witness.",
        submit="Record the breakage",
        done="The breakage is recorded.",
        witnessed=True,
    )


@ledger_page(Perm.LEDGER_MANAGE)
def loss(request: StaffRequest, location: Location) -> HttpResponse:
    def call(d: dict[str, Any]) -> Any:
        thefts = (d["thefts_in_last_24_months"] or "0").strip()
        if not thefts.isdigit():
            raise services.LedgerRefused(
                {"thefts_in_last_24_months": "Type a whole number, like 0 or 1."}
            )
        entry = services.loss(
            actor=request.actor,
            lot=d["lot"],
            safe=d["safe"],
            containers=d["containers"],
            container=d["container"] or None,
            mg=d["mg"],
            facts=services.LossFacts(
                loss_type=d["loss_type"],
                circumstances=d["circumstances"],
                police_notified=d["police_notified"],
                police_department=d["police_department"],
                police_report_number=d["police_report_number"],
                thefts_in_last_24_months=int(thefts),
                significant=d["significant"],
            ),
        )
        f = entry.facts
        if f.get("reportable"):
            messages.warning(
                request,
                f"Report it: a written notice to the DEA Field Division by "
                f"{f['notice_by']}, and DEA Form 106 online by {f['form_106_by']}.",
            )
        return entry

    return _movement(
        request,
        location,
        forms.LossForm,
        call,
        title="Report a loss or theft",
        intro=(
            "The facts DEA Form 106 asks for. A theft is reported whatever the "
            "quantity; the dates it must be reported by are worked out from today."
        ),
        submit="Record the loss",
        done="The loss is recorded.",
        renames={"quantity": "mg"},
    )


def _may_count(user: User) -> bool:
    return can(user, Perm.LEDGER_RECORD) or can(user, Perm.LEDGER_MANAGE)


WORKLIST = "Ledger discrepancy worklist"


# --- Counts ---------------------------------------------------------------------


@ledger_page(Perm.LEDGER_VIEW)
def count(request: StaffRequest, location: Location) -> HttpResponse:
    """A safe counted by one person and witnessed by another: expected and
    counted per lot; a difference goes on the worklist."""
    if not (
        can(request.user, Perm.LEDGER_RECORD) or can(request.user, Perm.LEDGER_MANAGE)
    ):
        return forbidden(request)
    safes = list(Safe.objects.filter(location=location, active=True))
    if not safes:
        return render(request, "inventory/no_safe.html", {"location": location})
    wanted = request.POST.get("safe") or request.GET.get("safe")
    safe = next((s for s in safes if str(s.pk) == wanted), safes[0])
    holdings = queries.balances_of_safe(safe)
    lots = list(
        Lot.objects.filter(pk__in=[h.lot_id for h in holdings]).select_related(
            "product"
        )
    )
    expected = {h.lot_id: h for h in holdings}
    form = forms.CountForm(
        request.POST or None, location=location, safe=safe, lots=lots
    )
    result = None
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        witness = _witness(form)
        if not form.errors:
            lines = [
                services.CountLine(
                    lot=lot,
                    sealed=data[f"sealed_{lot.pk}"],
                    open_ml=data[f"open_{lot.pk}"] or 0,
                )
                for lot in lots
            ]
            try:
                result = services.count(
                    actor=request.actor,
                    safe=safe,
                    lines=lines,
                    witness=witness,
                    witness_secret=data["witness_secret"],
                    kind=data["kind"],
                )
            except services.LedgerRefused as refused:
                for key in list(refused.errors):
                    if key and key.startswith("lines."):
                        _, index, part = key.split(".")
                        lot = lots[int(index)]
                        name = (
                            f"sealed_{lot.pk}"
                            if part in ("sealed", "lot")
                            else f"open_{lot.pk}"
                        )
                        refused.errors[name] = refused.errors.pop(key)
                _refused(form, refused)
            else:
                differences = [e for e in result if e.kind == "discrepancy"]
                if differences:
                    messages.warning(
                        request,
                        f"The count differs from the ledger for {len(differences)} "
                        "lot(s): it is on the discrepancy worklist.",
                    )
                else:
                    messages.success(request, "The count agrees with the ledger.")
                return redirect("ledger:home")
    return render(
        request,
        "inventory/count.html",
        {
            "form": form,
            "safe": safe,
            "safes": safes,
            "lines": [
                (lot, sealed, open_ml, expected.get(lot.pk))
                for lot, sealed, open_ml in form.lines()
            ],
        },
        status=400 if form.errors else 200,
    )


# --- Corrections and the worklist ----------------------------------------------


def _entry_of(location: Location, entry_uuid: Any) -> Entry:
    try:
        return Entry.objects.select_related(
            "lot__product", "safe", "who", "witness", "patient"
        ).get(uuid=entry_uuid, location=location)
    except (Entry.DoesNotExist, ValueError):
        raise Http404("Not found.") from None


@ledger_page(Perm.LEDGER_MANAGE)
def correct(request: StaffRequest, location: Location, entry_uuid: Any) -> HttpResponse:
    """A mistake corrected by a new entry that names it, with a reason."""
    entry = _entry_of(location, entry_uuid)
    patients_seen(request.actor, purpose="Ledger entry to correct", count=1)
    form = forms.CorrectForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.correct(
                actor=request.actor,
                entry=entry,
                quantity_mg=form.cleaned_data["quantity"],
                reason=form.cleaned_data["reason"],
            )
        except services.LedgerRefused as refused:
            _refused(form, refused)
        else:
            messages.success(request, "The correction is recorded.")
            return redirect("ledger:home")
    return render(
        request,
        "inventory/correct.html",
        {"entry": entry, "form": form},
        status=400 if form.errors else 200,
    )


@ledger_page(Perm.LEDGER_MANAGE)
def worklist(request: StaffRequest, location: Location) -> HttpResponse:
    """The discrepancies still open, each resolved with a reason."""
    return _worklist(request, location)


# Infusions given this many days back are checked for their ledger draw.
UNDRAWN_DAYS = 90


def sessions_without_draw(location: Location) -> list[Any]:
    """Infusions at the location whose drug was given (the pump started) and
    the ledger has no draw for: recorded on the infusion page, the draw
    clears it."""
    from ketaclinic.infusions.models import Session

    since = timezone.now() - timedelta(days=UNDRAWN_DAYS)
    drawn = Entry.objects.filter(
        location=location, kind="draw", session_uuid__isnull=False
    ).values("session_uuid")
    return list(
        Session.objects.filter(
            location=location, started_at__isnull=False, started_at__gte=since
        )
        .exclude(uuid__in=drawn)
        .select_related("patient")
        .order_by("started_at")
    )


def _resolve_form(entry: Entry, data: Any = None) -> forms.ResolveForm:
    # Each item's form has its own field ids (a label names one field).
    return forms.ResolveForm(data, prefix=f"r{entry.pk}")


def _worklist(
    request: StaffRequest,
    location: Location,
    failed: forms.ResolveForm | None = None,
    failed_entry: Entry | None = None,
) -> HttpResponse:
    items = queries.worklist(location.pk)
    undrawn = sessions_without_draw(location)
    patients_seen(request.actor, purpose=WORKLIST, count=len(items) + len(undrawn))
    rows = [
        (
            item,
            failed
            if failed_entry is not None and item.entry.pk == failed_entry.pk
            else _resolve_form(item.entry),
        )
        for item in items
    ]
    return render(
        request,
        "inventory/worklist.html",
        {"rows": rows, "location": location, "undrawn": undrawn},
        status=400 if failed is not None else 200,
    )


@require_POST
@ledger_page(Perm.LEDGER_MANAGE)
def resolve(request: StaffRequest, location: Location, entry_uuid: Any) -> HttpResponse:
    entry = _entry_of(location, entry_uuid)
    form = _resolve_form(entry, request.POST)
    if form.is_valid():
        try:
            services.resolve(
                actor=request.actor,
                entry=entry,
                reason=form.cleaned_data["reason"],
                accept_count=form.cleaned_data["accept_count"],
            )
        except services.LedgerRefused as refused:
            _refused(form, refused)
        else:
            messages.success(request, "The discrepancy is resolved.")
            return redirect("ledger:worklist")
    return _worklist(request, location, form, entry)


# --- Reports --------------------------------------------------------------------


def _report(request: StaffRequest, location: Location, name: str):
    if name not in reports.REPORTS:
        raise Http404("Not found.")
    today = timezone.localtime(timezone.now(), location.zone).date()
    dates = forms.DateRangeForm(request.GET or None)
    span = reports.Range.default(today)
    if dates.is_valid():
        span = reports.Range(
            dates.cleaned_data.get("start") or span.start,
            dates.cleaned_data.get("end") or span.end,
        )
    report = reports.REPORTS[name][1](location, span)
    if name == "administration":
        patients_seen(
            request.actor, purpose="Ledger administration log", count=report.patients
        )
    return report, dates, span


@ledger_page(Perm.LEDGER_VIEW)
def report(request: StaffRequest, location: Location, name: str) -> HttpResponse:
    the_report, dates, span = _report(request, location, name)
    return render(
        request,
        "inventory/report.html",
        {
            "report": the_report,
            "dates": dates,
            "span": span,
            "location": location,
            "query": request.GET.urlencode(),
        },
    )


@ledger_page(Perm.LEDGER_VIEW)
def report_print(request: StaffRequest, location: Location, name: str) -> HttpResponse:
    the_report, _dates, span = _report(request, location, name)
    registration = (
        Registration.objects.filter(location=location).order_by("-expires_on").first()
    )
    return render(
        request,
        "inventory/report_print.html",
        {
            "report": the_report,
            "span": span,
            "location": location,
            "registration": registration,
            "printed_at": timezone.localtime(timezone.now(), location.zone),
            "printed_by": request.user,
        },
    )


@ledger_page(Perm.LEDGER_VIEW)
def report_csv(
    request: StaffRequest, location: Location, name: str
) -> StreamingHttpResponse:
    the_report, _dates, span = _report(request, location, name)
    response = StreamingHttpResponse(
        csv_lines(the_report.header, the_report.rows), content_type="text/csv"
    )
    response["Content-Disposition"] = (
        f'attachment; filename="{location.slug}-{name}-{span.start}-{span.end}.csv"'
    )
    return response


# --- Export everything ------------------------------------------------------------


def _table(model: type, fields: list[str], rows: Iterable[Any]) -> str:
    return "".join(
        csv_lines(fields, ([_cell(getattr(row, f)) for f in fields] for row in rows))
    )


def _cell(value: Any) -> Any:
    if hasattr(value, "pk"):
        return value.pk
    return value


def _names(model: Any) -> list[str]:
    return [f.attname for f in model._meta.concrete_fields]


@ledger_page(Perm.LEDGER_MANAGE)
def export(request: StaffRequest, location: Location) -> HttpResponse:
    """Every record of the location's ledger, one CSV per table, in a zip."""
    entries = Entry.objects.filter(location=location).order_by("id")
    lot_ids = set(entries.exclude(lot=None).values_list("lot_id", flat=True))
    tables: dict[str, tuple[type, Any]] = {
        "registrations": (Registration, Registration.objects.filter(location=location)),
        "safes": (Safe, Safe.objects.filter(location=location)),
        "products": (Product, Product.objects.filter(lots__in=lot_ids).distinct()),
        "lots": (Lot, Lot.objects.filter(pk__in=lot_ids)),
        "suppliers": (Supplier, Supplier.objects.all()),
        "opened_vials": (
            OpenedContainer,
            OpenedContainer.objects.filter(safe__location=location),
        ),
        "entries": (Entry, entries),
    }
    patients = set(entries.exclude(patient=None).values_list("patient_id", flat=True))
    patients_seen(
        request.actor, purpose="Ledger export of every record", count=len(patients)
    )
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, (model, rows) in tables.items():
            fields = _names(model)
            archive.writestr(f"{name}.csv", _table(model, fields, rows.order_by("pk")))
        patient_rows = Patient.objects.filter(pk__in=patients).order_by("pk")
        archive.writestr(
            "patients.csv",
            "".join(
                csv_lines(
                    [
                        "id",
                        "mrn",
                        "last_name",
                        "first_name",
                        "address_line1",
                        "address_line2",
                        "city",
                        "state",
                        "postal_code",
                    ],
                    (
                        [
                            p.pk,
                            p.mrn,
                            p.last_name,
                            p.first_name,
                            p.address_line1,
                            p.address_line2,
                            p.city,
                            p.state,
                            p.postal_code,
                        ]
                        for p in patient_rows
                    ),
                )
            ),
        )
    today = timezone.localtime(timezone.now(), location.zone).date()
    response = HttpResponse(buffer.getvalue(), content_type="application/zip")
    response["Content-Disposition"] = (
        f'attachment; filename="{location.slug}-ledger-{today}.zip"'
    )
    return response
