"""Tests of nets.summary: parameter and MAC counts, report and command line.

The counts are checked against hand computations (LeNet, a synthetic graph)
and against tf.profiler's float ops; MobileNet v1 1.0 at 224 must show the
paper's 569 million mult-adds (Howard et al. 2017, Table 6). MobileNet v2's
300M (Sandler et al. 2018) and the other widths are pinned in
`mobilenet_v1_test.py` / `mobilenet_v2_test.py` through `summary.summarize`.
"""
import io
import os
import subprocess
import sys

import tensorflow.compat.v1 as tf

from nets import summary

_REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


class CountTest(tf.test.TestCase):

  def test_lenet_by_hand(self):
    result = summary.summarize('lenet')
    self.assertEqual((result.image_size, result.num_channels,
                      result.num_classes), (28, 1, 10))
    # conv1 5x5x1x32 + 32, conv2 5x5x32x64 + 64, fc3 (7*7*64)x1024 + 1024,
    # fc4 1024x10 + 10.
    params = (25 * 32 + 32) + (25 * 32 * 64 + 64) + (3136 * 1024 + 1024) + (
        1024 * 10 + 10)
    self.assertEqual(params, 3274634)
    self.assertEqual((result.trainable_params, result.weight_params,
                      result.all_params), (params, params, params))
    # SAME convolutions at 28x28 and 14x14 (after 2x2 pooling).
    self.assertEqual(result.macs_by_op_type, {
        'Conv2D': 28 * 28 * 32 * 25 + 14 * 14 * 64 * 25 * 32,
        'MatMul': 3136 * 1024 + 1024 * 10})
    self.assertEqual(result.macs, 13883904)
    self.assertEqual(result.profiler_flops, 2 * result.macs)
    self.assertIn(('Logits', [1, 10]), result.end_points)

  def test_every_op_type_by_hand_and_against_profiler(self):
    graph = tf.Graph()
    with graph.as_default():
      images = tf.zeros([2, 8, 8, 3])
      tf.nn.conv2d(images, tf.zeros([3, 3, 3, 4]), [1, 2, 2, 1], 'SAME')
      tf.nn.depthwise_conv2d(images, tf.zeros([3, 3, 3, 2]), [1, 1, 1, 1],
                             'SAME')
      tf.matmul(tf.zeros([5, 7]), tf.zeros([5, 3]), transpose_a=True)
      tf.matmul(tf.zeros([4, 6]), tf.zeros([3, 6]), transpose_b=True)
      tf.nn.conv3d(tf.zeros([1, 4, 4, 4, 2]), tf.zeros([2, 2, 2, 2, 3]),
                   [1, 1, 1, 1, 1], 'SAME')
      tf.nn.conv2d_transpose(tf.zeros([1, 4, 4, 3]), tf.zeros([3, 3, 5, 3]),
                             [1, 8, 8, 5], [1, 2, 2, 1])
    macs = {
        'Conv2D': (2 * 4 * 4 * 4) * (3 * 3 * 3),
        'DepthwiseConv2dNative': (2 * 8 * 8 * 6) * (3 * 3),
        'MatMul': 7 * 3 * 5 + 4 * 3 * 6,
        'Conv3D': (4 * 4 * 4 * 3) * (2 * 2 * 2 * 2),
        # Each of the 4x4x3 inputs goes through 3x3 taps into 5 channels.
        'Conv2DBackpropInput': (4 * 4 * 3) * (3 * 3 * 5),
    }
    self.assertEqual(summary.count_macs(graph), macs)
    profiled = sum(macs[t] for t in summary.PROFILED_OP_TYPES)
    self.assertEqual(summary.profiler_flops(graph), 2 * profiled)

  def test_unknown_dimensions_are_an_error(self):
    graph = tf.Graph()
    with graph.as_default():
      tf.nn.conv2d(tf.placeholder(tf.float32, [None, 8, 8, 3]),
                   tf.zeros([3, 3, 3, 4]), [1, 1, 1, 1], 'SAME')
    with self.assertRaisesRegex(ValueError, 'fixed batch size'):
      summary.count_macs(graph)


class CommandLineTest(tf.test.TestCase):

  def _main(self, *args):
    stdout, stderr = io.StringIO(), io.StringIO()
    code = summary.main(['nets.summary'] + list(args), stdout=stdout,
                        stderr=stderr)
    return code, stdout.getvalue(), stderr.getvalue()

  def test_mobilenet_v1_report(self):
    code, out, err = self._main('--model_name=mobilenet_v1')
    self.assertEqual((code, err), (0, ''))
    self.assertIn('mobilenet_v1 at 224x224x3, 1001 classes', out)
    self.assertRegex(out, r'parameters \(trainable\): +4222057 +\(4\.22M\)')
    # The paper's 569M mult-adds.
    self.assertRegex(out, r'multiply-accumulates / image: +568741376 +'
                          r'\(568\.7M\)')
    self.assertRegex(out, r'tf\.profiler float ops: +1137482752 .*agrees')
    self.assertRegex(out, r'\n  Conv2d_13_pointwise +\[1, 7, 7, 1024\]\n')
    self.assertRegex(out, r'\n  Predictions +\[1, 1001\]\n')

  def test_errors_are_one_line_with_a_non_zero_code(self):
    code, out, err = self._main('--model_name=no_such_net')
    self.assertEqual((code, out), (2, ''))
    self.assertEqual(err.count('\n'), 1)
    self.assertIn("Unknown model_name 'no_such_net'", err)
    self.assertIn('mobilenet_v1, mobilenet_v1_025', err)
    for args in ([], ['--model_name=lenet', '--image_size=x'],
                 ['--no_such_flag']):
      code, out, err = self._main(*args)
      self.assertEqual((code, out, err.count('\n')), (2, '', 1), args)
      self.assertTrue(err.startswith('nets.summary: error: '), err)

  def test_features_only(self):
    code, out, _ = self._main('--model_name=lenet', '--num_classes=0',
                              '--noprofiler')
    self.assertEqual(code, 0)
    self.assertTrue(out.startswith('lenet at 28x28x1, no classes\n'), out)
    self.assertRegex(out, r'\n  PreLogits +\[1, 1024\]\n')
    self.assertNotRegex(out, r'\n  Logits ')
    self.assertNotIn('tf.profiler', out)

  def test_profiler_prints_nothing_on_stdout(self):
    graph = tf.Graph()
    with graph.as_default():
      tf.matmul(tf.zeros([2, 3]), tf.zeros([3, 4]))
    read_end, write_end = os.pipe()
    saved = os.dup(1)
    try:
      os.dup2(write_end, 1)
      flops = summary.profiler_flops(graph)
      os.write(1, b'end')
    finally:
      os.dup2(saved, 1)
      os.close(saved)
      os.close(write_end)
    with os.fdopen(read_end, 'rb') as pipe:
      self.assertEqual(pipe.read(), b'end')  # No 'Parsing Inputs...'.
    self.assertEqual(flops, 2 * 2 * 4 * 3)

  def test_unknown_model_exits_non_zero_from_the_shell(self):
    run = subprocess.run(
        [sys.executable, '-m', 'nets.summary', '--model_name=no_such_net'],
        cwd=_REPO, env=dict(os.environ, TF_CPP_MIN_LOG_LEVEL='2'),
        stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        universal_newlines=True, timeout=120, check=False)
    self.assertEqual((run.returncode, run.stdout), (2, ''))
    self.assertRegex(run.stderr.strip().splitlines()[-1],
                     r"^nets.summary: error: Unknown model_name "
                     r"'no_such_net'. Known models: .*mobilenet_v2")


if __name__ == '__main__':
  tf.test.main()
