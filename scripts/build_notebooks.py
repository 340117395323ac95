"""Write the workbook's notebooks (sources only) from the cell lists below.

Run ``python scripts/build_notebooks.py`` after editing, then execute them once
(``python scripts/build_notebooks.py --execute``) so the committed copies carry the outputs of the
small rehearsal run that nbval compares against.
"""
from __future__ import annotations

import sys
from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

NB_DIR = Path(__file__).resolve().parents[1] / "notebooks"

PARAMETERS = '''params_file = "../params/rehearsal.yaml"
runs_dir = "../runs"
run_id = "notebook"'''

OPEN = '''import pandas as pd
from IPython.display import Image, display
import migration_kit as mk
from migration_kit import pipeline, views

pd.set_option("display.max_columns", 30)
pd.set_option("display.width", 160)
ctx = pipeline.open_run(params_file, run_id=run_id, runs_dir=runs_dir)
print("client:", ctx.params.client, "| deal:", ctx.params.deal.type, "| sources:", len(ctx.params.sources))'''

BOOKS: dict[str, list[tuple[str, str]]] = {
    "00_rehearsal_data": [
        ("md", "# 00 · Rehearsal data\n\nA rehearsal runs the whole migration on Faker-generated customers with known "
               "duplicates, traps and compliance cases before the real exports are touched. This notebook checks that "
               "the params file is valid and that every source it names is there.\n\n**Check:** every source listed, "
               "with the format and encoding you expect."),
        ("code", OPEN),
        ("code", "views.sources_table(ctx.params)"),
        ("md", "When the params file belongs to a rehearsal set, its ground truth gives the expected figures "
               "(entities, duplicates, compliance cases). Real client runs have no truth file."),
        ("code", "views.truth_summary(ctx.params)"),
    ],
    "01_intake_classification": [
        ("md", "# 01 · Intake and field classification\n\nFirst the raw exports are backed up, encrypted to the "
               "seller's own certificate, before anything reads them. Then every source is read as text "
               "(encoding detected and validated), mapped onto the canonical schema and every column classified "
               "(category, PIPL sensitivity).\n\n**Check:** the row counts equal what the seller's systems "
               "report (ask their IT for the figures before the run); the encoding is the one you expect. "
               "**Decide** for every flagged column (an unmapped column that holds IDs, phones or e-mails): map "
               "it in the params file, or leave it unmapped on purpose (it then never leaves the seller). A "
               "`sensitive` classification (PIPL Art. 28) on a column you did not expect is a question for the "
               "DPO before going on."),
        ("code", OPEN),
        ("code", "pipeline.step_backup(ctx)\nviews.json_table(ctx, 'backup_manifest', 'files', "
                 "['name', 'bytes', 'sha256'])"),
        ("code", "counts = pipeline.step_intake(ctx)\ncounts"),
        ("code", "views.report_csv(ctx, 'inventory')"),
        ("code", "views.report_csv(ctx, 'classification', columns=['source', 'column', 'canonical_field', "
                 "'category', 'sensitivity', 'detected_kind', 'fill_rate', 'travels', 'flag'])"),
    ],
    "02_cleaning_validation": [
        ("md", "# 02 · Cleaning and validation\n\nPhones to E.164 (phonenumbers), e-mails, names (traditional to "
               "simplified, honorifics, pinyin key), resident IDs (GB 11643 check digit), dates and addresses. "
               "Invalid values are nulled in the standardized columns, the raw is kept, and every failure lands "
               "in one table.\n\n**Check:** the failure counts per check, source by source. **Decide:** a few per cent "
               "failing is dirty data and is reported as such; a check failing for most of one source is "
               "almost always a params problem (a date column read in the wrong `date_order`, a landline "
               "column mapped to `phone`, a `default_country` missing for foreign numbers): fix the params "
               "and rerun this step, never the raw export."),
        ("code", OPEN),
        ("code", "counts = pipeline.step_clean(ctx)\ncounts"),
        ("code", "views.report_csv(ctx, 'failure_counts')"),
        ("md", "A masked sample of failures (values are masked: `138****5678`):"),
        ("code", "views.failure_sample(ctx, per_reason=1)"),
    ],
    "03_deduplication_review": [
        ("md", "# 03 · Deduplication and clerical review\n\nIndex (union of blocking rules) → compare (multi-level, "
               "vectorized) → classify (Fellegi-Sunter, m/u by EM, term-frequency adjusted) → cluster (no chaining "
               "of strangers) → golden records by survivorship rules with lineage.\n\n**Check:** the review queue; "
               "decide its pairs with the review app at the end of this notebook (or `migration-kit review "
               "PARAMS` in a terminal, or the queue CSV's `decision` column): decisions (`match` / `non_match` / "
               "`split`) go to the client's file, `reviews/<client>.csv` beside the params file (or "
               "`golden.decisions`), and override the model in every later run, whatever its run id. Pairs where "
               "exactly one record carries a withdrawal or erasure request (`request_on`) come first: left apart, "
               "the duplicate without the request would be transferred."),
        ("code", OPEN),
        ("code", "counts = pipeline.step_link(ctx)\ncounts"),
        ("md", "**How the linkage was configured.** Without a `linkage:` section in the params file the kit "
               "plans it from this client's own records: it profiles every field (fill, distinct values, "
               "script), picks comparisons for the fields that exist, counts every candidate blocking pass's "
               "pairs from key frequencies, and adds passes while they bring new expected matches within the "
               "budget (`linkage.planner.pairs_per_record`). The whole section, each choice with its reason, is "
               "in `reports/linkage_plan.yaml`: paste it into the params file to freeze it."),
        ("code", "views.report_csv(ctx, 'linkage_comparisons')"),
        ("code", "views.linkage_passes(ctx)"),
        ("code", "views.linkage_recall(ctx)"),
        ("md", "**Reading the model.** For each comparison level, `m` is the share of true matches that "
               "land on it and `u` the share of different people; its weight is log2(m/u). A weight of +10 "
               "means that agreement is about 1,000 times likelier for one person than for two, 0 says "
               "nothing, a negative weight is evidence against. A pair's total weight is the sum over its "
               "comparisons plus the prior, and gives its match probability. **Decide:** a weight with the "
               "wrong sign (different birth dates counting *for* a match) or an `m` near 1 on a rare level "
               "points at a mapping problem, not at the people; fix the params and rerun."),
        ("code", "views.report_csv(ctx, 'match_parameters')"),
        ("md", "Every compared pair by its total weight. The dashed line is the lower threshold "
               "(`linkage.lower_threshold`, probability 0.5: below it pairs stay apart), the solid line the "
               "upper one (`upper_threshold`, 0.95: at or above it they are joined); the shaded band between "
               "is the review queue. A healthy run shows two humps far apart and a thin band; a large pile "
               "inside the band means the comparisons cannot tell these records apart, and the queue below "
               "is where a person decides."),
        ("code", "display(Image(filename=str(ctx.run.file('match_weights_chart'))))"),
        ("code", "views.report_csv(ctx, 'review_queue', head=10)"),
        ("md", "**The review app.** In JupyterLab the cell below pages through every pair (\"Pair N of M\"), "
               "requests first, then the most uncertain, with both records side by side (masked), the level each "
               "comparison found and its weight as a bar (green: evidence for one person, red: against). Click "
               "into the key box once, then type `m` match, `n` non-match, `s` skip, `x` clear, `j` / `k` next / "
               "previous; each decision is saved at once to the client's file, and rerunning `step_link` above "
               "applies it. Executed unattended (papermill, nbval) the cell shows a one-line summary instead, and "
               "the workbook's own run (run id `notebook`) then reads only its run folder's "
               "`reports/review_decisions.csv`, so decisions saved here never change the committed outputs."),
        ("code", "views.review_form(ctx)"),
    ],
    "04_scoping": [
        ("md", "# 04 · Lawful scoping\n\nFor every golden customer: deal type (PIPL Art. 22/23), withdrawn consent "
               "and erasure requests (Art. 47), retention, minors under 14, purposes (minimisation), cross-border "
               "(Art. 38-40, GDPR Art. 14).\n\n**Check:** input = transferred + merged + excluded (the step stops "
               "when it does not add up); the exclusions by reason; the cross-border mechanism. **Decide:** "
               "every exclusion code is a rule in the params file, so a figure you did not expect (many "
               "`RETENTION_EXPIRED`, no `MINOR_UNDER_14` in a school source) is checked against the policy "
               "with the DPO. An open request, a missing consent or a missing filing reference stops the "
               "handover later with a one-line reason: resolve it in `policy`, never by editing the data."),
        ("code", OPEN),
        ("code", "recon = pipeline.step_scope(ctx)\nrecon"),
        ("code", "views.report_csv(ctx, 'exclusions_by_reason')"),
        ("md", "Every withdrawal and erasure request is accounted for: `unusable` requests (no valid phone, "
               "e-mail or ID) and `unmatched` ones need a person before sign-off."),
        ("code", "views.request_summary(ctx)"),
        ("code", "views.report_csv(ctx, 'age_unknown_by_source')"),
        ("code", "views.report_csv(ctx, 'fields_exported')"),
        ("code", "views.flat_json(ctx, 'crossborder')"),
        ("code", "views.roster_summary(ctx)"),
    ],
    "05_quality": [
        ("md", "# 05 · Data quality before and after\n\nDAMA dimensions (completeness, validity, uniqueness, "
               "consistency, timeliness, accuracy), before (all cleaned records) and after (golden customers to "
               "transfer). Gates in the params stop the export when a score is below its threshold.\n\n"
               "**Check:** after ≥ before where cleaning and linkage should help; every gate passes or has a "
               "logged override. **Decide:** a dimension that falls by more than a few points after "
               "deduplication usually means survivorship kept an emptier record (look at `golden.rules` for "
               "that field); a gate you cannot pass is overridden only with a reason and an approver "
               "(`quality.overrides`), which the report and the audit log show."),
        ("code", OPEN),
        ("code", "counts = pipeline.step_quality(ctx)\ncounts"),
        ("code", "views.report_csv(ctx, 'quality_compare', head=40)"),
        ("code", "display(Image(filename=str(ctx.run.file('quality_dimensions_chart'))))"),
        ("code", "views.report_csv(ctx, 'quality_gates')"),
        ("md", "Field reconciliation: for every field, the records whose source cell holds a value, "
               "those cleaning nulled by a named rule (failure table), the customers holding it, the "
               "golden records holding it, what survivorship or minimisation dropped by name, and what "
               "reaches the buyer. **Check:** `unexplained` is 0 everywhere (the built-in gate "
               "`fidelity.unexplained_losses`)."),
        ("code", "views.field_reconciliation(ctx)"),
        ("md", "What to fix at the source: per source, the checks that most often lower a record's own score "
               "(record counts; the per-record scores stay in the run's work folder)."),
        ("code", "views.report_csv(ctx, 'record_quality_top_reasons')"),
    ],
    "06_handover_export": [
        ("md", "# 06 · Encrypted, signed handover\n\nGolden customers (exported fields only), the record map and "
               "the notification roster, each as CSV encrypted (CMS EnvelopedData, AES-256) to the buyer's "
               "certificate; `manifest.json` with every hash and the reconciliation, signed by the seller "
               "(`manifest.json.p7s`); a copy of the hash-chained audit log.\n\n**Check:** verification passes "
               "and the row counts equal the reconciliation of notebook 04. Send the folder to the buyer and "
               "the seller's certificate by another channel: the buyer verifies and loads it with "
               "`migration-kit load` (README, \"The buyer's path\")."),
        ("code", OPEN),
        ("code", "counts = pipeline.step_handover(ctx)\ncounts"),
        ("code", "views.manifest_table(ctx)"),
        ("code", "views.verify(ctx)"),
    ],
    "07_report": [
        ("md", "# 07 · Handover report\n\nOne self-contained HTML file (works offline) for the seller's lawyers "
               "and the buyer's IT team: parties, inventory, classification, exclusions, deduplication, quality, "
               "cross-border, reconciliation, manifest and the sign-off checklist. Its first screen is the DPO's "
               "summary: what needs attention, the records that add up, exclusions by reason, requests "
               "honoured, minors, cross-border and the gates. **Decide:** nothing is signed while the red "
               "box at the top lists anything."),
        ("code", OPEN),
        ("code", "result = pipeline.step_report(ctx)\n"
                 "print('report written:', ctx.run.file('report').name, '| sections:', result['sections'])"),
    ],
    "08_overlap": [
        ("md", "# 08 · Customer overlap before signing\n\nThe buyer's first question: how many of these customers "
               "do we already have? Answered here without either party showing its list: private set intersection "
               "cardinality (ECDH on P-256, `openmined.psi`) over normalized identifiers of each party's golden "
               "customers (phone in E.164, case-folded e-mail, ID number, name plus birth date), in three file "
               "exchanges: `migration-kit overlap request` (buyer), `answer` (seller), `result` (buyer).\n\n"
               "Both parties first run their own intake, cleaning and dedupe, so a customer counts once. The "
               "rehearsal buyer (`params/rehearsal_buyer.yaml`, written by `migration-kit synth --buyer-overlap`) "
               "holds a known share of the seller's customers, recorded its own way. A client without a buyer "
               "rehearsal set skips this notebook's steps."),
        ("code", OPEN + "\nfrom migration_kit import overlap\n"
                 "parties = overlap.rehearsal_parties(params_file, runs_dir=runs_dir, run_id=run_id)\n"
                 "overlap.parties_table(parties)"),
        ("md", "## 1 · The buyer's request\n\nThe buyer blinds a token per identifier, and per combination of "
               "identifiers, with its own key (kept in its run folder's `work/`, 0600). The request holds elliptic-"
               "curve points only: no identifier, no hash a dictionary of phone numbers could reverse. The seller "
               "learns these set sizes and nothing else."),
        ("code", "overlap.request_step(parties, workers=1)"),
        ("md", "## 2 · The seller's answer\n\nThe seller blinds its own tokens with a key made for this answer and "
               "forgotten after it, re-blinds the buyer's points and sorts both (the buyer cannot tell which of its "
               "points came back as which)."),
        ("code", "overlap.answer_step(parties, workers=1)"),
        ("md", "## 3 · The buyer's result\n\nPer identifier: how many values both hold. Combined: customers "
               "sharing at least one identifier, by inclusion-exclusion over the 15 combinations (exact when no "
               "value is held by two customers of one party and each buyer customer's matches point at one seller "
               "customer; otherwise within the hard bounds the result gives).\n\n**Check:** on the rehearsal the "
               "figures equal the truth the generator wrote (difference 0)."),
        ("code", "overlap.result_step(parties, workers=1)"),
        ("code", "overlap.truth_check(parties)"),
        ("md", "Each step is an entry of that party's own hash-chained audit log: the files' hashes and the counts."),
        ("code", "overlap.steps_table(parties)"),
    ],
}


def build() -> list[Path]:
    NB_DIR.mkdir(exist_ok=True)
    written = []
    for name, cells in BOOKS.items():
        nb = new_notebook()
        nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
        nb.metadata["language_info"] = {"name": "python"}
        out = [cells[0] and new_markdown_cell(cells[0][1])]
        params = new_code_cell(PARAMETERS)
        params.metadata["tags"] = ["parameters"]
        out.append(params)
        for kind, src in cells[1:]:
            out.append(new_markdown_cell(src) if kind == "md" else new_code_cell(src))
        nb.cells = out
        for i, cell in enumerate(nb.cells):
            cell["id"] = f"{name[:2]}-{i:02d}"
        path = NB_DIR / f"{name}.ipynb"
        nbformat.write(nb, path)
        written.append(path)
    return written


def execute() -> None:
    """Run every notebook in place, in order, against the committed rehearsal set."""
    import shutil

    import papermill as pm

    # the notebooks' own run folder is bound to the params it started with: start it afresh
    for client in ("rehearsal", "rehearsal-buyer"):  # the seller's and the rehearsal buyer's
        shutil.rmtree(NB_DIR.parent / "runs" / client / "notebook", ignore_errors=True)
    for path in sorted(NB_DIR.glob("[0-9][0-9]_*.ipynb")):
        print("executing", path.name)
        pm.execute_notebook(str(path), str(path), cwd=str(NB_DIR), progress_bar=False, kernel_name="python3")
        nb = nbformat.read(path, as_version=4)
        nb.metadata.pop("papermill", None)
        for cell in nb.cells:
            cell.metadata.pop("papermill", None)
            cell.metadata.pop("execution", None)
        nbformat.write(nb, path)


if __name__ == "__main__":
    build()
    if "--execute" in sys.argv:
        execute()
