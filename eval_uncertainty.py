r"""Evaluates the predictive uncertainty of an image classifier checkpoint.

Calibration (accuracy, ECE, NLL, Brier on --dataset_split_name) and
out-of-distribution detection (AUROC, AUPR-In, AUPR-Out, FPR@95TPR against
each --ood_dataset_name) for any network of nets_factory, with:

  msp          maximum softmax probability baseline
  temperature  temperature scaling fitted on --calibration_split_name
  energy       energy score
  odin         ODIN (temperature + input perturbation in raw pixel levels)
  mahalanobis  class Gaussians of the training features (+ perturbation)
  mc_dropout   --num_samples passes with dropout on, batch norm frozen
  ensemble     the checkpoints of --train_dirs
  all          every method whose inputs are given (others are skipped)

Forward passes are cached in <eval_dir>/cache as .npz, so running another
method, or the same one again, does not redo them.

Typical use:

  python eval_uncertainty.py --method=all --model_name=lenet \
    --checkpoint_path=/tmp/lenet --dataset_name=mnist \
    --dataset_dir=/tmp/mnist --dataset_split_name=test \
    --calibration_split_name=validation \
    --ood_dataset_name=mnist_gaussian_noise,digits \
    --ood_dataset_dir=/tmp/mnist_noise,/tmp/digits \
    --eval_dir=/tmp/lenet_uncertainty

Writes uncertainty.json (flat keys such as 'msp/test/ece' or
'odin/ood/digits_auroc', the metric conventions and the flags),
uncertainty_<method>.json (the same keys without the method prefix),
uncertainty_table.md, and reliability diagrams and score histograms (PNG).
"""
from absl import app
from absl import flags

from training import common_flags
from training import runtime
from uncertainty import evaluation
from uncertainty import odin

flags.DEFINE_string('method', 'all',
                    '"all" or a comma list of: %s.' %
                    ', '.join(evaluation.METHODS))
# The model and the in-distribution data.
flags.DEFINE_string('checkpoint_path', None,
                    'A checkpoint file, or a directory (its latest '
                    'checkpoint).')
flags.DEFINE_string('model_name', None, 'The network (nets_factory name).')
# The in-distribution dataset_*, labels_offset, preprocessing_name,
# eval_image_size, use_grayscale, num_preprocessing_threads; metrics are
# reported on --dataset_split_name.
common_flags.define_input_flags(None, 'test', training=False)
flags.DEFINE_string('calibration_split_name', None,
                    'Held-out in-distribution split for fitting the '
                    'temperature and selecting ODIN / Mahalanobis '
                    'hyper-parameters; must differ from '
                    '--dataset_split_name (e.g. validation).')
flags.DEFINE_string('train_split_name', 'train',
                    'Split the Mahalanobis class Gaussians are fitted on.')
flags.DEFINE_float('moving_average_decay', None,
                   'When set, restore the moving averages of the weights.')
flags.DEFINE_integer('batch_size', 200, 'Examples per batch.')
# Out-of-distribution data.
flags.DEFINE_list('ood_dataset_name', [],
                  'Comma list of OOD datasets (e.g. mnist_invert,digits).')
flags.DEFINE_list('ood_dataset_dir', [],
                  'Their directories: one for all, or one per dataset.')
flags.DEFINE_list('ood_split_name', ['test'],
                  'Their splits: one for all, or one per dataset.')
flags.DEFINE_list('ood_names', [],
                  'Names used in result keys (default: the dataset names).')
flags.DEFINE_list('ood_val_dataset_name', [],
                  'OOD *validation* datasets, only for '
                  '--hyperparameter_selection=ood_val; must not share files '
                  'with the OOD test sets.')
flags.DEFINE_list('ood_val_dataset_dir', [], 'Their directories.')
flags.DEFINE_list('ood_val_split_name', ['test'], 'Their splits.')
# Metrics.
flags.DEFINE_integer('num_bins', 15, 'Bins of ECE and reliability diagrams.')
flags.DEFINE_enum('binning', 'equal_width', ['equal_width', 'equal_mass'],
                  'ECE binning.')
# Temperature scaling and energy.
flags.DEFINE_boolean('save_temperature', True,
                     'Write the fitted temperature as temperature.json next '
                     'to the checkpoint.')
flags.DEFINE_float('energy_temperature', 1.0, 'Temperature of the energy '
                   'score.')
# ODIN and Mahalanobis.
flags.DEFINE_enum('hyperparameter_selection', 'id_only',
                  ['id_only', 'ood_val'],
                  'id_only: select on --calibration_split_name alone (max '
                  'mean in-distribution score, ODIN temperature fixed to '
                  '--odin_temperature); ood_val: min FPR@95TPR against the '
                  '--ood_val_* sets.')
flags.DEFINE_float('odin_temperature', odin.DEFAULT_TEMPERATURE,
                   'ODIN temperature in id_only mode.')
flags.DEFINE_list('odin_temperatures',
                  ['%g' % t for t in odin.DEFAULT_TEMPERATURES],
                  'ODIN temperatures searched in ood_val mode.')
flags.DEFINE_list('odin_epsilons', ['%g' % e for e in odin.DEFAULT_EPSILONS],
                  'ODIN perturbation sizes searched, in raw pixel levels '
                  '(0-255) before the model preprocessing.')
flags.DEFINE_list('odin_gradient_std', [],
                  'Off by default. Per-channel divisors of the ODIN step, '
                  'as the reference code divides the gradient by the '
                  'normalisation std (e.g. 0.2470,0.2435,0.2616).')
flags.DEFINE_list('mahalanobis_end_points', ['PreLogits'],
                  'End points whose (spatially averaged) features the '
                  'Mahalanobis detector uses; several are combined on '
                  'validation data only.')
flags.DEFINE_list('mahalanobis_epsilons',
                  ['%g' % e for e in odin.DEFAULT_EPSILONS],
                  'Mahalanobis input perturbation sizes searched (raw pixel '
                  'levels).')
flags.DEFINE_enum('mahalanobis_estimator', 'mle', ['mle', 'unbiased'],
                  'Tied covariance: divide by N (mle) or N - C.')
flags.DEFINE_float('mahalanobis_shrinkage', 0.0,
                   'Shrinkage of the covariance towards a scaled identity.')
flags.DEFINE_integer('perturbation_batch_size', None,
                     'Batch of raw images for input perturbation; None: '
                     '--batch_size (1 for datasets of varying image size).')
# MC dropout and ensembles.
flags.DEFINE_integer('num_samples', 20, 'MC dropout passes.')
flags.DEFINE_integer('mc_seed', 0, 'Graph seed of the MC dropout passes.')
flags.DEFINE_float('dropout_keep_prob', None,
                   'Dropout keep probability of the network; None: its '
                   'default.')
flags.DEFINE_list('train_dirs', [],
                  'Ensemble members: comma list of training directories or '
                  'checkpoints, or globs (e.g. /tmp/lenet_seed*).')
flags.DEFINE_enum('ensemble_average', 'probs', ['probs', 'logits'],
                  'Average the members\' probabilities (default) or logits.')
flags.DEFINE_enum('sample_score', 'entropy', list(evaluation.SAMPLE_SCORES),
                  'OOD score of MC dropout and ensembles in the table (the '
                  'others are reported too).')
# Outputs and runtime.
flags.DEFINE_string('eval_dir', None,
                    'Where results, figures and the cache are written.')
flags.DEFINE_boolean('plots', True, 'Write the PNG figures.')
flags.DEFINE_boolean('use_cache', True,
                     'Cache forward passes (as .npz) in --cache_dir.')
flags.DEFINE_string('cache_dir', None,
                    'Cache directory; None: <eval_dir>/cache. Runs with '
                    'other flags can share it (entries are keyed by '
                    'checkpoint, data and parameters).')
common_flags.define_session_flags()

FLAGS = flags.FLAGS

_FLOAT_LISTS = ('odin_temperatures', 'odin_epsilons', 'odin_gradient_std',
                'mahalanobis_epsilons')


def _params():
  """The flag values, with the numeric lists parsed."""
  params = FLAGS.flag_values_dict()
  for name in _FLOAT_LISTS:
    try:
      params[name] = [float(v) for v in params[name]]
    except ValueError:
      raise runtime.UserError('--%s=%s: expected comma-separated numbers.' %
                              (name, ','.join(params[name])))
  params['odin_gradient_std'] = params['odin_gradient_std'] or None
  return params


def main(argv):
  if len(argv) > 1:
    raise runtime.UserError('Unexpected arguments: %s' % ' '.join(argv[1:]))
  evaluation.run(_params())


if __name__ == '__main__':
  runtime.quiet_tensorflow()
  app.run(lambda argv: runtime.run_main(main, argv))
