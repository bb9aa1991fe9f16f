"""The learning check: a run at ln 2 or at chance is reported, with cause and fix."""

import json

import pytest

from insar_hf.training.learning import LN2, check_learning, check_log_history, warn_unless_learned


def history(losses, aucs):
    """A ``Trainer`` log history: one training-loss and one evaluation entry per epoch."""
    out = []
    for epoch, (loss, auc) in enumerate(zip(losses, aucs), start=1):
        out.append({"epoch": epoch, "loss": loss})
        out.append({"epoch": epoch, "eval_roc_auc": auc, "eval_loss": loss})
    return out


def test_a_loss_that_stays_at_ln_2_did_not_learn_whatever_the_validation_auc():
    check = check_log_history(history([0.694, 0.693, 0.691], [0.52, 0.61, 0.63]))
    assert not check.learned and "stayed at ln 2 (0.694 -> 0.691)" in check.headline


def test_a_falling_loss_with_a_chance_auc_did_not_learn():
    check = check_log_history(history([0.69, 0.60, 0.40], [0.51, 0.55, 0.54]))
    assert not check.learned and "no better than chance" in check.headline


def test_a_run_that_left_ln_2_and_beats_chance_learned():
    check = check_log_history(history([0.695, 0.67, 0.64], [0.60, 0.72, 0.79]))
    assert check.status == "learned" and check.roc_auc == 0.79 and check.cause == ""


def test_a_run_well_under_the_recipes_figure_is_below_expectation_not_a_failure():
    check = check_log_history(history([0.695, 0.67, 0.66], [0.6, 0.66, 0.68]), expected_roc_auc=0.8)
    assert check.learned and check.status == "below_expectation"


def test_the_given_fix_replaces_the_generic_advice():
    check = check_log_history(history([LN2] * 3, [0.5] * 3), fix="run it again")
    assert check.lines()[-1] == "  fix: run it again"


def test_check_learning_reads_the_trainer_state_of_an_output_folder(tmp_path):
    state = {"log_history": history([0.694, 0.693], [0.5, 0.49])}
    (tmp_path / "trainer_state.json").write_text(json.dumps(state))
    assert check_learning(tmp_path).status == "did_not_learn"


def test_a_folder_without_trainer_state_is_a_clear_error(tmp_path):
    with pytest.raises(FileNotFoundError, match="trainer_state.json is missing"):
        check_learning(tmp_path)


def test_train_py_warns_when_the_run_did_not_learn(tmp_path):
    state = {"log_history": history([0.694, 0.693], [0.5, 0.49])}
    (tmp_path / "trainer_state.json").write_text(json.dumps(state))
    lines = []
    argv = ["--dataset", str(tmp_path), "--output_dir", str(tmp_path), "--preset", "vit-micro"]
    warn_unless_learned(argv, echo=lines.append)
    assert lines[0].startswith("WARNING: the model did not learn") and lines[1].startswith(
        "  cause"
    )
