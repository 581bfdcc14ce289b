from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from ketaclinic.accounts.access import staff_required
from ketaclinic.accounts.permissions import Perm
from ketaclinic.accounts.requests import StaffRequest
from ketaclinic.notifications import services
from ketaclinic.notifications.models import CalendarFeedToken, OutboundMessage
from ketaclinic.notifications.queries import messages_for, status_counts

PAGE_SIZE = 100
Status = OutboundMessage.Status


@staff_required(Perm.AUDIT_VIEW)
def message_list(request: StaffRequest) -> HttpResponse:
    """Recent email and text messages, failures first to the eye.

    Queries: session, user, locations, counts, page count, page.
    """
    status = request.GET.get("status", "")
    if status not in Status.values:
        status = ""
    found = messages_for(request.user, status=status)
    page_obj = Paginator(found, PAGE_SIZE).get_page(request.GET.get("page"))
    counts = status_counts(request.user)
    return render(
        request,
        "notifications/message_list.html",
        {
            "page_obj": page_obj,
            "status": status,
            "filters": [
                (value, label, counts.get(value, 0)) for value, label in Status.choices
            ],
            "total": sum(counts.values()),
        },
    )


@require_POST
@staff_required(Perm.AUDIT_VIEW)
def message_retry(request: StaffRequest, pk: int) -> HttpResponse:
    message = messages_for(request.user).filter(pk=pk).first()
    if message is None:
        raise Http404
    if services.message_retry(actor=request.actor, message=message):
        messages.success(
            request, f"The message to {message.to} will be sent again now."
        )
    else:
        messages.info(
            request,
            f"The message to {message.to} is {message.get_status_display().lower()}: "
            "nothing to send again.",
        )
    status = request.POST.get("status", "")
    url = reverse("notifications:list")
    return redirect(f"{url}?status={status}" if status in Status.values else url)


@staff_required()
def calendar_link(request: StaffRequest) -> HttpResponse:
    """Every staff member's own secret calendar feed URL."""
    feed = CalendarFeedToken.objects.filter(user=request.user).first()
    url = None
    if feed is not None:
        url = request.build_absolute_uri(reverse("calendar_feed", args=[feed.token]))
    return render(request, "notifications/calendar_link.html", {"feed_url": url})


@require_POST
@staff_required()
def calendar_link_new(request: StaffRequest) -> HttpResponse:
    had_one = CalendarFeedToken.objects.filter(user=request.user).exists()
    services.feed_token_renew(actor=request.actor)
    messages.success(
        request,
        "A new calendar link is ready; the old one no longer works."
        if had_one
        else "Your calendar link is ready.",
    )
    return redirect("notifications:calendar")
