"""The definition of a tuning study, as stored and compared on resume."""

from __future__ import annotations

import json
from dataclasses import dataclass, field

from fairbo.constraints import Constraint
from fairbo.exceptions import StudyMismatchError
from fairbo.space import SearchSpace


@dataclass
class StudyDefinition:
    """The fixed definition of a study, kept the same across resumes.

    ``seed`` is recorded but may change between sessions of the same study.
    ``objective_fingerprint`` identifies the data and settings of objectives
    that provide one (:class:`fairbo.FairnessObjective` does).
    """

    name: str
    space: SearchSpace
    metric: str
    mode: str
    constraints: list[Constraint] = field(default_factory=list)
    searcher: str = "cbo"
    seed: int | None = None
    objective_fingerprint: str | None = None

    def to_json(self) -> str:
        """Serialise the definition to a JSON string."""
        return json.dumps(
            {
                "name": self.name,
                "space": self.space.to_json(),
                "metric": self.metric,
                "mode": self.mode,
                "constraints": [c.to_json() for c in self.constraints],
                "searcher": self.searcher,
                "seed": self.seed,
                "objective_fingerprint": self.objective_fingerprint,
            },
            sort_keys=True,
        )

    @classmethod
    def from_json(cls, text: str) -> StudyDefinition:
        """Rebuild a definition written by :meth:`to_json`."""
        data = json.loads(text)
        return cls(
            name=data["name"],
            space=SearchSpace.from_json(data["space"]),
            metric=data["metric"],
            mode=data["mode"],
            constraints=[Constraint.from_json(c) for c in data["constraints"]],
            searcher=data["searcher"],
            seed=data["seed"],
            objective_fingerprint=data.get("objective_fingerprint"),
        )

    def check_compatible(self, stored: StudyDefinition) -> None:
        """Raise unless this definition may resume the ``stored`` study.

        Raises
        ------
        StudyMismatchError
            When the space (up to parameter order), metric, mode,
            constraints, searcher or objective fingerprint differ.
        """
        differences = []
        # Configurations are stored by name, so the order of the parameters
        # does not matter for a resume.
        details = [
            detail
            for detail in stored.space.describe_differences(self.space)
            if not detail.startswith("parameter order differs")
        ]
        if details:
            differences.append("another search space: " + ", ".join(details))
        for attribute in ("metric", "mode", "searcher"):
            if getattr(self, attribute) != getattr(stored, attribute):
                differences.append(
                    f"{attribute}={getattr(stored, attribute)!r} (requested "
                    f"{getattr(self, attribute)!r})"
                )
        stored_constraints = [c.to_json() for c in stored.constraints]
        requested_constraints = [c.to_json() for c in self.constraints]
        if stored_constraints != requested_constraints:
            differences.append(
                f"constraints={stored_constraints} (requested {requested_constraints})"
            )
        if (
            self.objective_fingerprint is not None
            and stored.objective_fingerprint is not None
            and self.objective_fingerprint != stored.objective_fingerprint
        ):
            differences.append(
                "another objective: its data or settings differ (fingerprint "
                f"{stored.objective_fingerprint}, requested "
                f"{self.objective_fingerprint})"
            )
        if differences:
            raise StudyMismatchError(
                f"study {self.name!r} already exists with "
                + "; ".join(differences)
                + ". Use another study name (study_name= in Python, --study on "
                "the command line), or the stored definition to resume."
            )
