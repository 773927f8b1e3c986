r"""Prints the top-k classes and uncertainty scores of image files.

The model comes either from a checkpoint (`--checkpoint_path`, a file or a
training directory, with `--model_name`; classes, channels, preprocessing
and labels come from the flags, the dataset or the run's flags.json) or from
a frozen graph written by export_inference_graph.py (`--frozen_graph`; the
graph records its model, preprocessing and labels). Both apply the model's
eval preprocessing the same way (see export/classify.py), so they print the
same probabilities.

Per image: the top-k classes with their probabilities, and the uncertainty
scores max_prob (maximum softmax probability), entropy (predictive entropy,
nats) and energy (-logsumexp of the logits; lower = more in-distribution).

Typical use:

  python classify_image.py --checkpoint_path=/tmp/train --model_name=lenet \
    --labels_file=/tmp/mnist/labels.txt digit1.png digit2.png
  python classify_image.py --frozen_graph=/tmp/lenet_frozen.pb --top_k=3 \
    --images=digit1.png,digit2.png
"""
from absl import app
from absl import flags

from export import classify
from export import common_flags
from training import runtime

flags.DEFINE_list('images', [],
                  'Image files (JPEG, PNG, GIF, BMP) or globs, comma-'
                  'separated; positional arguments are added.')
common_flags.define_model_flags()
common_flags.define_checkpoint_flags()
flags.DEFINE_string('frozen_graph', None,
                    'Frozen graph written by export_inference_graph.py '
                    '(instead of --checkpoint_path).')
flags.DEFINE_integer('top_k', 5, 'Classes printed per image.')
flags.DEFINE_integer('batch_size', 32, 'Images per forward pass.')
flags.DEFINE_string('output_json', None,
                    'Also write every result (top-k, probabilities, logits, '
                    'scores) and the graph metadata to this JSON file.')

FLAGS = flags.FLAGS


def main(argv):
  classify.run(FLAGS.flag_values_dict(), list(FLAGS.images) + argv[1:])


if __name__ == '__main__':
  runtime.quiet_tensorflow()
  app.run(lambda argv: runtime.run_main(main, argv))
