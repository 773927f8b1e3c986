"""ODIN: temperature scaling plus input pre-processing for OOD detection.

Liang, Li and Srikant, "Enhancing The Reliability of Out-of-distribution
Image Detection in Neural Networks", ICLR 2018. The score of an input x is
the maximum softmax probability at temperature T of a slightly perturbed
input:

  x' = x - epsilon * sign(-grad_x log S_yhat(x; T)),   yhat = argmax_k z_k(x)
  score(x) = max_k softmax(z(x') / T)_k          (higher = more ID)

i.e. x moves by epsilon per pixel in the direction that *raises* the
temperature-scaled softmax score of the predicted class; in-distribution
inputs gain more than OOD inputs. The sign convention follows the paper's
eq. 2 (the gradient is of the cross-entropy loss, hence the minus sign;
facebookresearch/odin#14).

Units and options (PITFALLS 17):
  * epsilon is in *raw pixel levels* of the stored 8-bit image (0-255): the
    perturbation is applied to raw pixels and the model's own preprocessing
    (normalisation, crop, resize) runs inside the graph after it
    (`inference.predict_perturbed`). Perturbed pixels are clipped to
    [0, 255]. The paper's epsilon = 0.0014 on CIFAR inputs in [0, 1],
    divided by the channel std (~0.25), is about 0.0014 / 0.25 * 255 ~ 1.4
    raw levels.
  * The reference code divides the gradient by the normalisation std of
    each channel before the step. Here that is the option `gradient_std`
    (per-channel divisors of the step), off by default.
  * With epsilon = 0 and T = 1 the score is exactly the MSP baseline.
  * Hyper-parameters are chosen by `uncertainty.selection` ('id_only' by
    default: T fixed, epsilon maximising the mean in-distribution score on
    a held-out ID split; or 'ood_val' on a separate OOD validation set),
    never on the OOD test set.

Typical use:

  objective = odin.OdinObjective()
  settings = odin.grid(temperatures=[1000.], epsilons=odin.DEFAULT_EPSILONS)
  outputs, meta = inference.predict_perturbed(model, source, objective,
                                              settings)
  scores = odin.odin_score(outputs[i]['logits'], settings[i]['temperature'])
"""
import itertools

import numpy as np
import tensorflow.compat.v1 as tf

import tfcompat  # pylint: disable=unused-import  # TF 2: graph mode
from uncertainty import inference
from uncertainty import metrics

# Temperatures searched in 'ood_val' mode (the paper's grid).
DEFAULT_TEMPERATURES = (1.0, 2.0, 5.0, 10.0, 20.0, 50.0, 100.0, 200.0, 500.0,
                        1000.0)
# The temperature used in 'id_only' mode (the paper's recommended value).
DEFAULT_TEMPERATURE = 1000.0
# Perturbation sizes searched, in raw pixel levels (0-255).
DEFAULT_EPSILONS = (0.0, 0.5, 1.0, 2.0, 4.0, 8.0, 16.0)
EPSILON_UNITS = ('raw pixel levels of the stored 8-bit image (0-255), '
                 'applied before the model preprocessing; perturbed pixels '
                 'clipped to [0, 255]')


class OdinObjective(inference.Objective):
  """Decreases -log softmax(z / T)[argmax z]; returns the new logits."""
  param_names = ('temperature',)

  def loss(self, logits, end_points, params):
    del end_points
    log_probs = tf.nn.log_softmax(logits / params['temperature'])
    return -tf.reduce_max(log_probs, axis=1)

  def outputs(self, logits, end_points, params):
    del end_points, params
    return {'logits': logits}


def odin_score(logits, temperature):
  """max_k softmax(logits / T)_k in float64, [N, K] -> [N]."""
  return metrics.msp(np.asarray(logits, np.float64) / float(temperature))


def grid(temperatures, epsilons):
  """Settings {'temperature', 'epsilon'} of the product of both lists."""
  for value in list(temperatures):
    if not value > 0:
      raise ValueError('ODIN temperatures must be > 0, got %r.' % value)
  for value in list(epsilons):
    if value < 0:
      raise ValueError('ODIN epsilons must be >= 0 (raw pixel levels), got '
                       '%r.' % value)
  return [{'temperature': float(t), 'epsilon': float(e)}
          for t, e in itertools.product(temperatures, epsilons)]
