"""Export, freezing and single-image inference (issue 6).

Library behind `export_inference_graph.py` and `classify_image.py`:

  inference_config   what an inference graph needs (model, classes, channels,
                     image size, preprocessing, label names), resolved from
                     flags, the dataset and the training run's flags.json.
  graph_export       the inference graph with fixed node names (`input`,
                     `logits`, `probabilities`, `output`, `export_metadata`),
                     restore (moving averages included) and freezing.
  classify           decoding + preprocessing of image files, predictors for
                     a checkpoint and a frozen graph, top-k and uncertainty
                     scores.
"""

# TF 2: graph mode before any graph is built (no-op on TF 1.15).
import tfcompat  # pylint: disable=unused-import,wrong-import-position
