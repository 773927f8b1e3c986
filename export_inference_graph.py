r"""Exports an inference GraphDef, and freezes it with a checkpoint's weights.

TF-Slim's export_inference_graph.py flags, plus the freeze step: with
`--checkpoint_path` and `--frozen_graph` the same graph is restored from the
checkpoint (its moving averages with `--use_moving_averages`), its variables
are turned into constants and the frozen GraphDef is written and verified
against the restored graph. The network is built in inference mode.

Node names (printed at the end; see export/graph_export.py):
  input          float32 [batch, S, S, C] preprocessed images
                 (`--input_type=uint8`: decoded pixels; `encoded`: JPEG/PNG
                 bytes, with decoding and preprocessing inside the graph);
  logits         [batch, num_classes];
  probabilities  [batch, num_classes] softmax; also named `output`;
  export_metadata  JSON string (model, labels, preprocessing, input type).

Typical use:

  # the graph only, as TF-Slim (ImageNet's 1001 classes by default)
  python export_inference_graph.py --model_name=inception_v3 \
    --output_file=/tmp/inception_v3_inf_graph.pb
  # graph + frozen graph of a training run (classes, channels, labels and
  # preprocessing come from train_dir/flags.json and the dataset)
  python export_inference_graph.py --model_name=lenet \
    --checkpoint_path=/tmp/train --output_file=/tmp/lenet_inf_graph.pb \
    --frozen_graph=/tmp/lenet_frozen.pb
"""
from absl import app
from absl import flags

from export import common_flags
from export import export_lib
from export import graph_export
from training import runtime

common_flags.define_model_flags()
common_flags.define_checkpoint_flags()
flags.DEFINE_boolean('is_training', False,
                     'Build the network in training mode (not with '
                     '--frozen_graph).')
flags.DEFINE_integer('batch_size', None,
                     'Static batch size of the input; None: any batch size.')
flags.DEFINE_boolean('quantize', False,
                     'Rewrite the graph for quantized inference '
                     '(tf.contrib.quantize; the model must have been trained '
                     'with --quantize_delay).')
flags.DEFINE_enum('input_type', 'float', list(graph_export.INPUT_TYPES),
                  'What `input` takes: float preprocessed images (TF-Slim), '
                  'uint8 decoded pixels or encoded JPEG/PNG bytes (the last '
                  'two include the eval preprocessing in the graph).')
flags.DEFINE_string('output_file', '',
                    'Where to write the inference GraphDef (no weights).')
flags.DEFINE_boolean('write_text_graphdef', False,
                     'Write --output_file as a text protobuf.')
flags.DEFINE_string('frozen_graph', None,
                    'Where to write the frozen GraphDef (weights of '
                    '--checkpoint_path as constants).')

FLAGS = flags.FLAGS


def main(unused_argv):
  export_lib.run(FLAGS.flag_values_dict())


if __name__ == '__main__':
  runtime.quiet_tensorflow()
  app.run(lambda argv: runtime.run_main(main, argv))
