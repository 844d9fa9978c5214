"""Background work on a PostgreSQL job queue (procrastinate): e-mail, notices, daily digests.

The web app only *defers* jobs (a row in the queue's tables, in the same database);
``backcare worker`` processes run them. No thread is started in a web worker.

- :mod:`~backcare.jobs.tasks`: the jobs (``backcare.send_email``,
  ``backcare.password_reset``, ``backcare.escalation_notice`` and the periodic
  ``backcare.daily_digests``) and the queue app.
- :mod:`~backcare.jobs.notices`: what each e-mail says, and who gets an escalation
  notice (:func:`~backcare.jobs.notices.escalation_recipients`: the patient's care team
  and the clinic's address).
- :class:`~backcare.jobs.queue.JobQueue`: deferring from the web app.

Local mode (SQLite, ``backcare serve``) has no queue: nothing is deferred and no e-mail
is sent. The person sees every instruction on screen at once, as before; there is no
care team to tell. See ``docs/hosting.md``.
"""

from backcare.jobs.notices import Notice, escalation_notice, escalation_recipients
from backcare.jobs.queue import JobQueue, queue_for

__all__ = ["JobQueue", "Notice", "escalation_notice", "escalation_recipients", "queue_for"]
