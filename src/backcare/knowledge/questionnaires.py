"""Load the outcome questionnaires of the knowledge base: one YAML file per questionnaire.

``data/questionnaires/<id>.yaml`` each hold one
:class:`~backcare.domain.questionnaire.QuestionnaireDefinition` (the model checks its
own items, scores and band coverage). Here the files are read and checked against the
rest of the knowledge base: the file is named after the id, every cited source is in
``sources.yaml``, FHIR names and canonical URLs are unique. Adding a questionnaire is
adding a file; no code changes. Any problem raises
:class:`~backcare.errors.KnowledgeBaseError` naming the file and the problem.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from backcare.domain.questionnaire import QuestionnaireDefinition
from backcare.errors import FieldProblem, KnowledgeBaseError, NotFoundError, validation_problems
from backcare.i18n import gettext
from backcare.knowledge.strict_yaml import strict_loader

__all__ = ["FOLDER", "Questionnaires", "load_questionnaires"]

#: The folder of questionnaire files, inside the knowledge-base data folder.
FOLDER = "questionnaires"


@dataclass(frozen=True, slots=True)
class Questionnaires:
    """Every questionnaire of a knowledge base, in file-name order."""

    definitions: tuple[QuestionnaireDefinition, ...]

    def get(self, questionnaire_id: str) -> QuestionnaireDefinition:
        """The questionnaire with this id.

        Raises:
            NotFoundError: no questionnaire has this id (the message lists those there are).
        """
        for definition in self.definitions:
            if definition.id == questionnaire_id:
                return definition
        known = ", ".join(d.id for d in self.definitions) or "none"
        raise NotFoundError(
            gettext("there is no questionnaire called {questionnaire_id!r}").format(
                questionnaire_id=questionnaire_id
            ),
            problems=[
                FieldProblem("questionnaire", gettext("choose one of: {known}").format(known=known))
            ],
        )

    def ids(self) -> tuple[str, ...]:
        """The questionnaire ids, in order."""
        return tuple(d.id for d in self.definitions)


def load_questionnaires(directory: Path | None = None) -> Questionnaires:
    """Load and check every questionnaire file.

    Args:
        directory: a knowledge-base data folder (holding ``sources.yaml`` and a
            ``questionnaires`` folder); default: the copy shipped in the package (cached).

    Raises:
        KnowledgeBaseError: a file is malformed or cites a source that does not exist.
    """
    if directory is None:
        return _load_default()
    return _load(directory)


@lru_cache(maxsize=1)
def _load_default() -> Questionnaires:
    return _load(Path(str(resources.files("backcare.knowledge") / "data")))


def _dotted(loc: Sequence[int | str]) -> str:
    return ".".join(map(str, loc))


def _read_yaml(path: Path) -> Any:
    import yaml

    loader: Any = strict_loader()
    try:
        return yaml.load(path.read_text(encoding="utf-8"), Loader=loader)
    except OSError as exc:
        raise KnowledgeBaseError(
            gettext("{path_name}: cannot read the file ({exc_strerror})").format(
                path_name=path.name, exc_strerror=exc.strerror
            )
        ) from exc
    except yaml.YAMLError as exc:
        raise KnowledgeBaseError(
            gettext("{path_name}: not valid YAML: {exc}").format(path_name=path.name, exc=exc)
        ) from exc


def _load(directory: Path) -> Questionnaires:
    sources = _read_yaml(directory / "sources.yaml")
    source_ids = {s.get("id") for s in sources if isinstance(s, dict)} if sources else set()
    definitions: list[QuestionnaireDefinition] = []
    problems: list[FieldProblem] = []
    for path in sorted((directory / FOLDER).glob("*.yaml")):
        where = f"{FOLDER}/{path.name}"
        raw = _read_yaml(path)
        if not isinstance(raw, dict):
            problems.append(
                FieldProblem(where, gettext("must be one YAML mapping (a questionnaire)"))
            )
            continue
        try:
            definition = QuestionnaireDefinition.model_validate(raw)
        except ValidationError as exc:
            problems += [
                FieldProblem(f"{where}: {p.field}".rstrip(": "), p.problem)
                for p in validation_problems(
                    exc.errors(), field=lambda loc: ".".join(map(str, loc))
                )
            ]
            continue
        problems += _check(where, path, definition, source_ids)
        definitions.append(definition)
    problems += _unique(definitions)
    if problems:
        raise KnowledgeBaseError(gettext("a questionnaire file is invalid"), problems=problems)
    return Questionnaires(tuple(definitions))


def _check(
    where: str, path: Path, definition: QuestionnaireDefinition, source_ids: set[Any]
) -> Iterator[FieldProblem]:
    if path.stem != definition.id:
        yield FieldProblem(
            where,
            gettext("the file must be named after its id ({definition_id}.yaml)").format(
                definition_id=definition.id
            ),
        )
    for source in definition.cited_sources():
        if source not in source_ids:
            yield FieldProblem(
                where,
                gettext("cites source '{source}', which is not in sources.yaml").format(
                    source=source
                ),
            )


def _unique(definitions: list[QuestionnaireDefinition]) -> Iterator[FieldProblem]:
    for what, values in (
        ("FHIR name", [d.fhir.name for d in definitions]),
        ("FHIR canonical URL", [d.fhir.canonical for d in definitions]),
    ):
        seen: set[str] = set()
        for value in values:
            if value in seen:
                yield FieldProblem(
                    FOLDER,
                    gettext("two questionnaires share the {what} {value!r}").format(
                        what=what, value=value
                    ),
                )
            seen.add(value)
