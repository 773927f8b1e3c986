"""Evaluates image-classifier checkpoints: TF-Slim's eval flags plus a loop.

Typical use:

  # once, on a checkpoint file or the latest checkpoint of a directory
  python eval_image_classifier.py --checkpoint_path=/tmp/train \
    --eval_dir=/tmp/eval --dataset_name=flowers \
    --dataset_split_name=validation --dataset_dir=/data/flowers \
    --model_name=resnet_v1_50
  # every new checkpoint as training writes it, until 1 h without one
  python eval_image_classifier.py ... --eval_loop --timeout=3600

Each evaluation sees every example of the split exactly once and writes
`eval/Accuracy` and `eval/Recall_5` summaries and `metrics.json` to eval_dir.
"""
from absl import flags

from training import eval_lib
from training import common_flags
from training import model_setup
from training import runtime

flags.DEFINE_integer('batch_size', 100, 'Examples per batch.')
flags.DEFINE_integer('max_num_batches', None,
                     'Batches to evaluate; None: the whole split once.')
flags.DEFINE_string('master', '', 'Address of the TensorFlow master to use.')
flags.DEFINE_string('checkpoint_path', '/tmp/tfmodel/',
                    'A checkpoint file, or a directory (its latest '
                    'checkpoint; every new one with --eval_loop).')
flags.DEFINE_string('eval_dir', '/tmp/tfmodel/',
                    'Where summaries and metrics.json are written.')
# dataset_*, labels_offset, preprocessing_name, eval_image_size,
# use_grayscale, num_preprocessing_threads.
common_flags.define_input_flags('imagenet', 'test', training=False)
flags.DEFINE_string('model_name', 'inception_v3', 'The network evaluated.')
flags.DEFINE_string('model_config', None, model_setup.MODEL_CONFIG_HELP)
flags.DEFINE_float('moving_average_decay', None,
                   'When set, restore the moving averages of the weights.')
flags.DEFINE_boolean('quantize', False, 'Evaluate a quantized graph.')
flags.DEFINE_string('predictions_file', None,
                    'Write per-example index, label, logits and '
                    'probabilities here (.npz, or .csv).')
flags.DEFINE_integer('ece_bins', 0,
                     'When > 0, also report eval/ECE: the expected '
                     'calibration error of the softmax with this many '
                     'equal-width bins (15 is usual); 0: off.',
                     lower_bound=0)
flags.DEFINE_boolean('eval_loop', False,
                     'Keep evaluating each new checkpoint of the '
                     '--checkpoint_path directory.')
flags.DEFINE_boolean('eval_all_checkpoints', False,
                     'In loop mode, also evaluate the checkpoints that '
                     'already exist (default: the latest, then new ones).')
flags.DEFINE_integer('eval_interval_secs', 60,
                     'Seconds between looks for a new checkpoint.')
flags.DEFINE_integer('timeout', None,
                     'Loop mode stops after this many seconds without a new '
                     'checkpoint; None: never.')
flags.DEFINE_integer('max_number_of_evaluations', None,
                     'Loop mode stops after this many evaluations.')

common_flags.define_session_flags()
common_flags.define_xla_flag()

FLAGS = flags.FLAGS

if __name__ == '__main__':
  runtime.run_binary(
      lambda params: eval_lib.run(model_setup.apply_model_config(params)))
