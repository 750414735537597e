"""Report forms as data (`intents/forms/*.yaml`) and the dialogue engine that walks staff through them.

    forms = load_forms()                                  # validated on load: errors name file:line
    engine = DialogueEngine(forms, answer_question=..., find_staff=..., timezone="Europe/London")
    state, replies = engine.start("pupil_contact")
    turn = engine.handle(state, "yesterday 9pm")          # Turn(state, replies, outcome)

The engine is pure: the caller keeps `turn.state` in a DialogueStateStore after every turn, and
stores and routes the report when `turn.outcome` is Submitted.
"""

from bot.forms.answers import FindStaff
from bot.forms.engine import AnswerQuestion, Cancelled, DialogueEngine, Outcome, Submitted, Turn
from bot.forms.loader import FORM_IDS, FormSet, forms_dir, load_forms
from bot.forms.model import Form, Step
from bot.forms.state import DialogueKey, DialogueState, DialogueStateStore, InMemoryDialogueStateStore
from bot.forms.timeouts import TimeoutAction, timeout_action

__all__ = [
    "FORM_IDS", "AnswerQuestion", "Cancelled", "DialogueEngine", "DialogueKey", "DialogueState",
    "DialogueStateStore", "FindStaff", "Form", "FormSet", "InMemoryDialogueStateStore", "Outcome", "Step",
    "Submitted", "TimeoutAction", "Turn", "forms_dir", "load_forms", "timeout_action",
]
