"""What a person can report during or after an exercise session, and what each report means.

The exercise safety flags of the knowledge base (``exercises.yaml`` ``stop_if``; NHS and
NHS inform exercise pages) say: new numbness, tingling or weakness in the legs → stop and
answer the warning-sign questions again; severe pain → stop and book a GP appointment.
Each nerve symptom maps onto one red-flag answer, so the core triage rules (not the coach)
decide how urgent it is:

==========================  ==========================================  ====================
Report                      Red-flag answer set to ``true``             Level (red_flags.yaml)
==========================  ==========================================  ====================
numbness/tingling, one leg  ``red_flags.one_leg_numbness_or_tingling``  see a doctor
numbness/tingling, both     ``red_flags.both_legs``                     emergency
weakness in a leg           ``red_flags.worsening_leg_weakness``        emergency
severe pain                 (none: the "see a doctor" advice is shown)  see a doctor
==========================  ==========================================  ====================
"""

from __future__ import annotations

from backcare.domain.exercise import Symptom

__all__ = ["EXERCISE_PAIN_WARNING", "Symptom"]

#: Id of the knowledge base's warning sign for pain or nerve symptoms caused by an exercise.
EXERCISE_PAIN_WARNING = "exercise_pain"
