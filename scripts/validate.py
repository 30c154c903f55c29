"""`rasa data validate --fail-on-warnings`, plus the one check Rasa's validator cannot make.

Rasa only counts a response as used when a story or rule names it, so every response a custom action sends
(`dispatcher.utter_message(response=...)`) is reported as "not used in any story or rule". This runs the
same validation, and accepts that warning only for responses the action code provably dispatches (their
names, or their `utter_answer_<topic>` / `utter_ask_<slot>` patterns, appear in actions/ or in the core's
dialogue logic and rendering that the actions call). Any other warning, or a response nobody sends, fails.
"""
from __future__ import annotations

import logging
import re
import sys
import warnings
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
UNUSED = re.compile(r"The utterance '(\w+)' is not used in any story or rule\.")


def dispatched_by_actions(domain_responses) -> set:
    # the actions send what the core's dialogue logic and rendering name
    files = [p for folder in ("actions", "core") for p in (ROOT / folder).glob("*.py")]
    code = "\n".join(p.read_text(encoding="utf-8") for p in files)
    names = set(re.findall(r"\"(utter_\w+)\"", code))
    for prefix, pattern in (("utter_answer_", r"getattr\(r, topic\)|utter_answer_"),
                            ("utter_ask_", r"f\"utter_ask_\{slot\}\"")):
        if re.search(pattern, code):
            names |= {r for r in domain_responses if r.startswith(prefix)}
    names.add("utter_restart")            # sent by Rasa's built-in action_restart
    return names


def main() -> int:
    from rasa.shared.importers.importer import TrainingDataImporter
    from rasa.validator import Validator

    importer = TrainingDataImporter.load_from_config(str(ROOT / "config.yml"), str(ROOT / "domain.yml"),
                                                     [str(ROOT / "data")])
    validator = Validator.from_importer(importer)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        ok = all([
            validator.verify_domain_validity(),
            validator.verify_intents_in_stories(False),
            validator.verify_example_repetition_in_intents(False),
            validator.verify_actions_in_stories_rules(),
            validator.verify_forms_in_stories_rules(),
            validator.verify_form_slots(),
            validator.verify_slot_mappings(),
            validator.verify_story_structure(False, max_history=None),
        ])
        validator.verify_utterances_in_stories(True)
    relevant = [str(w.message) for w in caught if issubclass(w.category, UserWarning)
                and "sqlalchemy" not in str(w.message).lower()]
    sent = dispatched_by_actions(validator.domain.responses)
    problems = []
    for message in relevant:
        m = UNUSED.match(message)
        if m and m.group(1) in sent:
            continue
        problems.append(message)
    for name in sorted(sent - set(validator.domain.responses)):
        problems.append(f"actions send response {name!r}, which the domain does not define")
    for p in problems:
        print(f"WARNING: {p}")
    print(f"validated: {len(validator.domain.intents)} intents, {len(validator.domain.responses)} responses, "
          f"{len(relevant) - len(problems)} responses sent by actions, {len(problems)} problems")
    return 0 if ok and not problems else 1


if __name__ == "__main__":
    logging.basicConfig(level=logging.WARNING)
    sys.exit(main())
