"""Background work on a PostgreSQL job queue (procrastinate): e-mail and escalation notices.

The web app only *defers* jobs (a row in the queue's tables, in the same database);
``backcare worker`` processes run them. No thread is started in a web worker.

- :mod:`~backcare.jobs.tasks`: the jobs (``backcare.send_email``,
  ``backcare.escalation_notice``) and the queue app.
- :mod:`~backcare.jobs.notices`: what an escalation notice says and who gets it
  (:func:`~backcare.jobs.notices.escalation_recipients`, the one place a care team's
  addresses will come from).
- :class:`~backcare.jobs.queue.JobQueue`: deferring from the web app.

Local mode (SQLite, ``backcare serve``) has no queue: nothing is deferred and no e-mail
is sent. The person sees every instruction on screen at once, as before; there is no
care team to tell. See ``docs/hosting.md``.
"""

from backcare.jobs.notices import Notice, escalation_notice, escalation_recipients
from backcare.jobs.queue import JobQueue, queue_for

__all__ = ["JobQueue", "Notice", "escalation_notice", "escalation_recipients", "queue_for"]
