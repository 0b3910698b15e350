"""Three scikit-learn classifiers on the Iris data scikit-learn ships: a weak one, a strong one, and its successor."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from release_demo.scenario import MODEL

SEED = 7
HOLDOUT = 0.3
DATA_URI = "sklearn://datasets/iris"
FEATURES = ("sepal_length_cm", "sepal_width_cm", "petal_length_cm", "petal_width_cm")
SIGNATURE: dict[str, Any] = {
    "inputs": [{"name": name, "type": "float"} for name in FEATURES],
    "outputs": [{"name": "species", "type": "int"}],
}


@dataclass(frozen=True)
class Candidate:
    """One trained model, saved with joblib, with what will be registered about it."""

    semver: str
    title: str
    path: Path
    params: dict[str, Any]
    metrics: dict[str, float]
    predictions: list[int]


@dataclass(frozen=True)
class Training:
    x_holdout: Any
    y_holdout: Any
    train_rows: int
    data_version: str
    data_digest: str
    candidates: tuple[Candidate, ...]

    @property
    def lineage(self) -> dict[str, str]:
        return {"data_uri": DATA_URI, "data_version": self.data_version, "data_digest": self.data_digest}


def train(workdir: Path) -> Training:
    """Fit the three models on one fixed, stratified split; save each to ``workdir``."""
    import joblib
    import numpy as np
    import sklearn
    from sklearn.datasets import load_iris
    from sklearn.ensemble import ExtraTreesClassifier, RandomForestClassifier
    from sklearn.linear_model import LogisticRegression
    from sklearn.metrics import accuracy_score, f1_score
    from sklearn.model_selection import train_test_split

    x, y = load_iris(return_X_y=True)
    x_train, x_holdout, y_train, y_holdout = train_test_split(x, y, test_size=HOLDOUT, random_state=SEED, stratify=y)
    data = hashlib.sha256()
    data.update(np.ascontiguousarray(x_train, dtype=np.float64).tobytes())
    data.update(np.ascontiguousarray(y_train, dtype=np.int64).tobytes())

    # The heavily regularised regression misses the accuracy gate (0.8444); the forest passes it (0.9556), and
    # the extra trees, released after it, match it (0.9556: no regression).
    specs: list[tuple[str, str, Any, dict[str, Any]]] = [
        (
            "1.0.0",
            "logistic regression, heavily regularised (C=0.01)",
            LogisticRegression(C=0.01, max_iter=500),
            {"estimator": "LogisticRegression", "C": 0.01, "max_iter": 500},
        ),
        (
            "1.1.0",
            "random forest (100 trees, depth 4)",
            RandomForestClassifier(n_estimators=100, max_depth=4, random_state=SEED),
            {"estimator": "RandomForestClassifier", "n_estimators": 100, "max_depth": 4, "random_state": SEED},
        ),
        (
            "1.2.0",
            "extra trees (200 trees, depth 4)",
            ExtraTreesClassifier(n_estimators=200, max_depth=4, random_state=SEED),
            {"estimator": "ExtraTreesClassifier", "n_estimators": 200, "max_depth": 4, "random_state": SEED},
        ),
    ]
    candidates = []
    for semver, title, estimator, params in specs:
        estimator.fit(x_train, y_train)
        predicted = estimator.predict(x_holdout)
        metrics = {
            "accuracy": round(float(accuracy_score(y_holdout, predicted)), 4),
            "macro_f1": round(float(f1_score(y_holdout, predicted, average="macro")), 4),
        }
        path = workdir / f"iris-{params['estimator'].lower()}.joblib"
        joblib.dump(estimator, path)
        candidates.append(Candidate(semver, title, path, params, metrics, [int(p) for p in predicted]))
    return Training(
        x_holdout=x_holdout,
        y_holdout=y_holdout,
        train_rows=len(y_train),
        data_version=f"sklearn-{sklearn.__version__}/train-{round((1 - HOLDOUT) * 100)}pct-seed-{SEED}",
        data_digest=f"sha256:{data.hexdigest()}",
        candidates=tuple(candidates),
    )


def model_card(candidate: Candidate, training: Training) -> str:
    return "\n".join(
        [
            f"# {MODEL} {candidate.semver}: {candidate.title}",
            "",
            "Predicts the Iris species (setosa, versicolor, virginica) from four flower measurements in cm.",
            "",
            f"- Data: {DATA_URI}, stratified holdout split, random_state={SEED} "
            f"({training.train_rows} training rows, {len(training.y_holdout)} holdout rows)",
            f"- Holdout: accuracy {candidate.metrics['accuracy']}, macro F1 {candidate.metrics['macro_f1']}",
            "- Intended use: demonstrating the modelyard release flow; not for botanical decisions.",
            "",
        ]
    )


def rescore(path: Path, training: Training) -> list[int]:
    """The predictions of the model saved at ``path`` on the holdout rows."""
    import joblib

    model = joblib.load(path)
    return [int(p) for p in model.predict(training.x_holdout)]
