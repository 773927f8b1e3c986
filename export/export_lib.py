"""The library behind export_inference_graph.py: export, freeze, verify.

`run(params)` resolves the model (export.inference_config), builds the
inference graph with the documented node names (export.graph_export) and
  * with `--output_file`, writes that GraphDef (variables not included, as
    TF-Slim's export does);
  * with `--checkpoint_path` and `--frozen_graph`, restores the checkpoint
    (its moving averages with `--use_moving_averages` or
    `--moving_average_decay`), freezes the variables into constants, writes
    the frozen GraphDef, then reloads it and checks on a fixed random input
    that it computes what the restored graph computes.
It prints the node names at the end.
"""
import os

from absl import logging
import numpy as np
import tensorflow.compat.v1 as tf

from export import graph_export
from export import inference_config
from training import runtime
from uncertainty import temperature_scaling

# A frozen graph must reproduce the restored graph on the probe input.
VERIFY_ATOL = 1e-5


def _check_params(params):
  """Fails early on flag combinations that cannot work."""
  if not params.get('output_file') and not params.get('frozen_graph'):
    raise runtime.UserError(
        'Nothing to write: pass --output_file (the inference GraphDef) '
        'and/or --checkpoint_path with --frozen_graph (the frozen graph).')
  if params.get('frozen_graph') and not params.get('checkpoint_path'):
    raise runtime.UserError('--frozen_graph needs --checkpoint_path (a '
                            'checkpoint file or a training directory) to '
                            'take the weights from.')
  if params.get('is_training') and params.get('frozen_graph'):
    raise runtime.UserError(
        '--is_training builds batch norm and dropout in training mode, '
        'which a frozen graph must not use (its predictions would depend on '
        'the batch); drop --is_training.')
  if params.get('input_type', 'float') not in graph_export.INPUT_TYPES:
    raise runtime.UserError('--input_type must be one of %s, got %r.' % (
        ', '.join(graph_export.INPUT_TYPES), params['input_type']))
  if params.get('batch_size') is not None and params['batch_size'] < 1:
    raise runtime.UserError('--batch_size must be positive or unset (any '
                            'batch), got %d.' % params['batch_size'])


def uses_moving_averages(params):
  """True when --use_moving_averages or --moving_average_decay is set."""
  return bool(params.get('use_moving_averages') or
              params.get('moving_average_decay'))


def resolve_temperature(params, checkpoint):
  """T from temperature.json beside the checkpoint with --use_temperature.

  Returns:
    The temperature (1.0 without --use_temperature).

  Raises:
    ValueError: --use_temperature without a checkpoint or its file.
  """
  if not params.get('use_temperature'):
    if checkpoint and os.path.exists(
        temperature_scaling.temperature_path(checkpoint)):
      logging.info('%s exists but is not applied (pass --use_temperature).',
                   temperature_scaling.temperature_path(checkpoint))
    return 1.0
  if not checkpoint:
    raise runtime.UserError('--use_temperature reads temperature.json beside '
                            'the checkpoint: pass --checkpoint_path.')
  temperature = temperature_scaling.load_temperature(checkpoint).temperature
  logging.info('Dividing the logits by the fitted temperature T = %.4f.',
               temperature)
  return temperature


def _build(config, params, temperature, checkpoint):
  """Builds the inference graph of `params` in the default graph."""
  return graph_export.build_inference_graph(
      config, batch_size=params.get('batch_size'),
      input_type=params.get('input_type') or 'float',
      is_training=bool(params.get('is_training')), temperature=temperature,
      quantize=bool(params.get('quantize')),
      checkpoint=checkpoint,
      moving_averages=uses_moving_averages(params) if checkpoint else None)


def _run_graph_def(graph_def, feed):
  """Runs the input -> probabilities of a GraphDef on `feed`."""
  with tf.Graph().as_default() as graph:
    tf.import_graph_def(graph_def, name='')
    with tf.Session(graph=graph) as session:
      return session.run(graph_export.PROBABILITIES_NODE + ':0',
                         {graph_export.INPUT_NODE + ':0': feed})


def freeze_checkpoint(config, params, checkpoint, temperature):
  """Builds, restores, freezes and verifies; returns (graph_def, metadata).

  Raises:
    ValueError: restore problems; a frozen graph that disagrees with the
      restored one.
  """
  with tf.Graph().as_default() as graph:
    nodes = _build(config, params, temperature, checkpoint)
    with tf.Session(graph=graph) as session:
      graph_export.restore(session, checkpoint, uses_moving_averages(params),
                           params.get('moving_average_decay'))
      metadata = graph_export.read_metadata(graph)
      probe = graph_export.probe_input(metadata)
      expected = session.run(nodes.probabilities, {nodes.input: probe})
      frozen = graph_export.freeze(session, graph)
  difference = float(np.max(np.abs(_run_graph_def(frozen, probe) -
                                   expected)))
  if not difference <= VERIFY_ATOL:  # NaN too. pylint: disable=unneeded-not
    raise ValueError('The frozen graph disagrees with the restored '
                     'checkpoint by %g on a probe input; please report this '
                     'with the command line.' % difference)
  logging.info('Frozen graph verified: max |difference| of the '
               'probabilities on a probe input = %g.', difference)
  return frozen, metadata


def run(params):
  """Exports (and freezes) the inference graph described by `params`.

  Args:
    params: the flag values of export_inference_graph.py.

  Returns:
    The export_metadata dict of what was written.

  Raises:
    ValueError: a mistake in flags or files (one line for the user).
  """
  runtime.check_versions()
  _check_params(params)
  checkpoint = None
  if params.get('checkpoint_path'):
    checkpoint = inference_config.resolve_checkpoint(params['checkpoint_path'])
  record = inference_config.read_run_record(checkpoint)
  config = inference_config.resolve(params, record)
  if checkpoint:
    graph_export.warn_on_ema_mismatch(record, uses_moving_averages(params))
  temperature = resolve_temperature(params, checkpoint)
  written = []
  metadata = None
  if params.get('output_file'):
    with tf.Graph().as_default() as graph:
      nodes = _build(config, params, temperature, checkpoint)
      metadata = graph_export.read_metadata(graph)
      del nodes
    graph_export.write_graph_def(graph.as_graph_def(), params['output_file'],
                                 bool(params.get('write_text_graphdef')))
    written.append('inference graph (variables not included): %s' %
                   params['output_file'])
  if params.get('frozen_graph'):
    frozen, metadata = freeze_checkpoint(config, params, checkpoint,
                                         temperature)
    graph_export.write_graph_def(frozen, params['frozen_graph'])
    written.append('frozen graph (weights of %s%s): %s' % (
        checkpoint, ', moving averages' if uses_moving_averages(params)
        else '', params['frozen_graph']))
  print('\n'.join(['Wrote %s' % line for line in written] +
                  graph_export.node_description(metadata)))
  return metadata
