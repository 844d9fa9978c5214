"""Exports of an episode and of the protocol: iCalendar reminders, a clinician report, FHIR R4.

Each export is a plain function returning ``bytes`` or ``str`` so the CLI, the web
app and scripts share it:

* :func:`backcare.export.ical.export_ics` and :func:`~backcare.export.ical.calendar_feed`:
  the plan's schedule for the coming days as RFC 5545 events with alarms;
* :func:`backcare.export.report.clinician_report`: one to two pages of HTML or PDF;
* :func:`backcare.export.fhir.export_fhir_bundle`: the episode as a FHIR R4 (R4B models)
  ``collection`` Bundle, and :func:`backcare.export.fhir_knowledge.export_knowledge_fhir`:
  the knowledge base as a PlanDefinition with ActivityDefinitions.

Nothing here imports icalendar, fhir.resources, matplotlib or weasyprint at import
time: each is imported by the function that needs it (they cost 0.1-0.7 s each).
"""

from __future__ import annotations

__all__: list[str] = []
