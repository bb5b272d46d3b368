"""CLI commands of the classify area: train, evaluate, classify-file, classify, label."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from narrmon.cli.common import ConfigOption, DbOption, JsonOption, console, err_console
from narrmon.config import Config, load_config, open_store
from narrmon.errors import InputError

TOP_FEATURES = 10  # shown per label by `narrmon evaluate`

ModelsDirOption = Annotated[
    Path | None,
    typer.Option("--models-dir", help="Model registry folder (default: models_dir of the config)."),
]
DataFilesOption = Annotated[
    list[Path] | None,
    typer.Option("--data", help="Analyst labels (JSON Lines, see docs/labels.md); repeatable."),
]

label_app = typer.Typer(
    help="Hand posts to analysts and take their labels back.", no_args_is_help=True
)


def register(app: typer.Typer) -> None:
    """Add this area's commands to ``app``."""
    app.command("train")(train_cmd)
    app.command("evaluate")(evaluate_cmd)
    app.command("classify-file")(classify_file_cmd)
    app.command("classify")(classify_cmd)
    label_app.command("export")(label_export_cmd)
    label_app.command("import")(label_import_cmd)
    app.add_typer(label_app, name="label")


def _config(path: Path | None, models_dir: Path | None) -> Config:
    config = load_config(path)
    if models_dir is not None:
        config.models_dir = str(models_dir)
    return config


def _when(value: str | None, option: str) -> datetime | None:
    if value is None:
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise typer.BadParameter(
            f"{value!r} is not an ISO date or time", param_hint=option
        ) from None
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)


def _print_problems(problems: list[str]) -> None:
    for message in problems:
        err_console.print(f"  skipped: {message}")


def train_cmd(
    data: DataFilesOption = None,
    config: ConfigOption = None,
    models_dir: ModelsDirOption = None,
    db: DbOption = None,
    force: Annotated[
        bool,
        typer.Option("--force", help="Make the new model active even if a label's F1 drops."),
    ] = False,
    as_json: JsonOption = False,
) -> None:
    """Train a model on the seed corpus plus analyst labels.

    The new model becomes active only if no label's held-out F1 is lower than the
    active model's (or with --force); it is saved either way.
    """
    from narrmon.pipeline.classify import retrain
    from narrmon.progress import Stages

    stages = Stages("train")  # stage lines with timings on stderr
    cfg = _config(config, models_dir)
    outcome = retrain(cfg, open_store(cfg, db), data or [], force=force, progress=stages)
    stages.done()
    result = outcome.trained
    if as_json:
        print(json.dumps(outcome.as_dict(), ensure_ascii=False, indent=2))
        return
    _print_problems(result.problems)
    console.print(
        f"trained model [bold]{result.version}[/] on {result.train_posts} posts "
        f"({result.analyst_labels} analyst labels) in {result.seconds:.1f} s"
    )
    console.print(f"  saved in {result.path}")
    for name in ("cross_validated", "held_out"):
        block = result.metrics.get(name)
        if block:
            _metrics_table(block, f"{name.replace('_', ' ')} (n={block['n']})")
    if outcome.promoted:
        forced = " (--force)" if force and outcome.dropped else ""
        console.print(f"now active{forced}")
        return
    drops = ", ".join(
        f"{label} {outcome.f1_previous[label]:.3f} -> {outcome.f1_new.get(label, 0.0):.3f}"
        for label in outcome.dropped
    )
    err_console.print(
        f"not made active: held-out F1 would drop against the active model {outcome.previous} "
        f"({drops}); {outcome.previous} stays active. Use --force to activate it anyway."
    )


def _metrics_table(block: dict[str, Any], title: str) -> None:
    table = Table(title=title)
    for col in ("label", "precision", "recall", "F1", "support"):
        table.add_column(col, justify="left" if col == "label" else "right")
    for label, m in block["per_label"].items():
        table.add_row(
            label,
            f"{m['precision']:.3f}",
            f"{m['recall']:.3f}",
            f"{m['f1']:.3f}",
            str(m["support"]),
        )
    console.print(table)
    console.print(f"micro F1 {block['micro_f1']:.3f}   macro F1 {block['macro_f1']:.3f}")


def evaluate_cmd(
    data: Annotated[
        Path, typer.Option("--data", help="Labelled posts (JSON Lines, docs/labels.md format).")
    ],
    config: ConfigOption = None,
    models_dir: ModelsDirOption = None,
    as_json: JsonOption = False,
) -> None:
    """Measure the active model on a labelled file: per label and micro/macro F1."""
    from classifiers.model import top_features
    from narrmon.pipeline.classify import active_model, evaluate

    cfg = _config(config, models_dir)
    result = evaluate(cfg, data)
    if as_json:
        print(json.dumps(result, ensure_ascii=False))
        return
    console.print(f"model {result['model_version']} on {data} ({result['n']} posts)")
    _metrics_table(result, "per label")
    for label, names in top_features(active_model(cfg), TOP_FEATURES).items():
        console.print(f"top features of {label}: " + ", ".join(names))


def classify_file_cmd(
    input_path: Annotated[Path, typer.Option("--input", help="JSON Lines with a text per line.")],
    output_path: Annotated[Path, typer.Option("--output", help="Where the labelled copy goes.")],
    config: ConfigOption = None,
    models_dir: ModelsDirOption = None,
    as_json: JsonOption = False,
) -> None:
    """Label each post of a JSON Lines file and write a copy with labels and scores."""
    from narrmon.pipeline.classify import classify_file

    report = classify_file(_config(config, models_dir), input_path, output_path)
    if as_json:
        print(json.dumps(report, ensure_ascii=False, indent=2))
    else:
        _print_problems(report["problems"])
        console.print(
            f"wrote {report['written']} posts to {output_path} "
            f"({report['out_of_scope']} out of scope) with model {report['model_version']}"
        )
        console.print("  labelled: " + ", ".join(f"{k} {v}" for k, v in report["labelled"].items()))
    if report["written"] == 0:
        raise InputError(f"{input_path}: no post with a text")


def classify_cmd(
    since: Annotated[str | None, typer.Option("--since", help="Posts created at or after.")] = None,
    until: Annotated[str | None, typer.Option("--until", help="Posts created before.")] = None,
    relabel: Annotated[
        bool, typer.Option("--relabel", help="Classify again posts the model already saw.")
    ] = False,
    config: ConfigOption = None,
    models_dir: ModelsDirOption = None,
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """Label stored posts that the active model has not classified yet."""
    from narrmon.pipeline.classify import classify_posts

    cfg = _config(config, models_dir)
    counts = classify_posts(
        cfg,
        open_store(cfg, db, create=False),
        since=_when(since, "--since"),
        until=_when(until, "--until"),
        relabel=relabel,
    )
    if as_json:
        print(json.dumps(counts.as_dict(), ensure_ascii=False, indent=2))
        return
    console.print(
        f"model {counts.model_version}: {counts.classified} posts classified, "
        f"{counts.out_of_scope} out of scope, {counts.skipped} already classified"
    )
    console.print("  labelled: " + ", ".join(f"{k} {v}" for k, v in counts.labelled.items()))


def label_export_cmd(
    uncertain: Annotated[
        int, typer.Option("--uncertain", min=1, help="How many posts nearest the thresholds.")
    ],
    out: Annotated[Path, typer.Option("--out", help="The CSV file to write.")],
    config: ConfigOption = None,
    models_dir: ModelsDirOption = None,
    db: DbOption = None,
) -> None:
    """Write the posts the model is least sure about to a CSV for analysts to label."""
    from narrmon.pipeline.classify import export_uncertain

    cfg = _config(config, models_dir)
    n = export_uncertain(cfg, open_store(cfg, db, create=False), uncertain, out)
    console.print(f"wrote {n} posts to {out}: put 1 (present) or 0 (absent) in the label columns")


def label_import_cmd(
    path: Annotated[Path, typer.Argument(help="A CSV from `narrmon label export`, filled in.")],
    db: DbOption = None,
    config: ConfigOption = None,
) -> None:
    """Store analysts' labels from a CSV; the next `narrmon train` uses them."""
    from narrmon.pipeline.classify import import_labels

    report = import_labels(open_store(load_config(config), db, create=False), path)
    for message in report["problems"]:
        err_console.print(f"  not imported: {message}")
    console.print(
        f"stored {report['stored']} answers ({report['answers']} rows answered) from {path}; "
        f"{report['skipped']} rows without an answer"
    )
