"""Experiment workflow: ablation runs, their results table and curves.

* `experiments.ablation`: trains several models with identical settings and
  evaluates each with the train and eval binaries, then writes the table and
  the figure.
* `experiments.results_table`: model, parameters, steps, final training loss
  and eval accuracy of finished runs, as Markdown and CSV.
* `experiments.plot_runs`: training-loss and validation-accuracy curves of
  several runs, read from their TensorBoard event files, into one PNG.
* `experiments.run_records`: the readers they share (event files, run
  records).
"""

# TF 2: graph mode before any graph is built (no-op on TF 1.15).
import tfcompat  # pylint: disable=unused-import,wrong-import-position
