"""Timing loops: images/sec of a BenchGraph, and the float32 matmul peak.

`measure` runs `warmup_steps` untimed steps (they fill tf.data's shuffle
buffer and prefetch, or slim's queues, and let TensorFlow allocate), then
timed steps until `timed_steps` are done or `max_seconds` have passed, but
at least `min_steps`. Images/sec = images of the timed steps / their wall
time. The process's CPU seconds are recorded too: on a machine shared with
other jobs, images per CPU second varies less than images per wall second.

The peak is a float32 GEMM rate: the same product timed as a `MatMul` and as
a 1x1 `Conv2D` (`GEMM_KERNELS`), because a build may route the two through
different libraries (intel-tensorflow 1.15.2 runs `MatMul` at less than half
the rate of its oneDNN convolution, so a MatMul-only "peak" sits below what
the networks' own convolutions reach).
"""
import collections
import os
import time

import numpy as np
import tensorflow.compat.v1 as tf

from training import runtime

Measurement = collections.namedtuple('Measurement', [
    'images_per_sec',  # float.
    'steps',           # timed steps.
    'images',          # images in the timed steps.
    'seconds',         # wall time of the timed steps.
    'setup_seconds',   # graph construction, initialisation and warm-up.
    'load_average',    # 1-minute load average after the timed steps.
    'cpu_seconds',     # CPU time (user + system) of this process, timed steps.
    # Images/sec of each timed segment (interleaved: one per round).
    'segment_rates',
], defaults=((),))


def _cpu_seconds():
  times = os.times()
  return times.user + times.system

MIN_STEPS = 2


def _step_images(bench, result):
  if bench.images_per_step is not None:
    return bench.images_per_step
  return len(result['label'])


def _timed_loop(session, bench, timed_steps, max_seconds, min_steps):
  """Returns (steps, images, seconds) of the timed steps."""
  steps = images = 0
  start = time.time()
  elapsed = 0.0
  while steps < max(timed_steps, min_steps):
    if steps >= min_steps and elapsed >= max_seconds:
      break
    images += _step_images(bench, session.run(bench.fetch))
    steps += 1
    elapsed = time.time() - start
  return steps, images, elapsed


def measure(build_fn, config, warmup_steps, timed_steps, max_seconds,
            min_steps=MIN_STEPS):
  """Builds a graph and times its steps.

  Args:
    build_fn: fn() -> BenchGraph.
    config: the tf.ConfigProto of the session.
    warmup_steps: untimed steps first.
    timed_steps: at most this many timed steps.
    max_seconds: stop timing after this many seconds (once min_steps ran).
    min_steps: at least this many timed steps.

  Returns:
    A Measurement.
  """
  begin = time.time()
  opened = _Session(build_fn(), config)
  try:
    opened.run(warmup_steps)
    setup_seconds = time.time() - begin
    cpu_start = _cpu_seconds()
    steps, images, seconds = _timed_loop(opened.session, opened.bench,
                                         timed_steps, max_seconds, min_steps)
    cpu_seconds = _cpu_seconds() - cpu_start
  finally:
    opened.close()
  rate = images / max(seconds, 1e-9)
  return Measurement(rate, steps, images, seconds, setup_seconds,
                     os.getloadavg()[0], cpu_seconds, (rate,))


class _Session(object):
  """An open session of a BenchGraph (initialised, queue runners started)."""

  def __init__(self, bench, config):
    self.bench = bench
    with bench.graph.as_default():
      init = [tf.global_variables_initializer(), runtime.local_init_op()]
      bench.graph.finalize()
    self.session = tf.Session(graph=bench.graph, config=config)
    self.session.run(init)
    self._coord = tf.train.Coordinator()
    self._threads = (
        tf.train.start_queue_runners(self.session, coord=self._coord)
        if bench.uses_queue_runners else [])
    # Totals of the timed segments: steps, images, seconds, CPU seconds.
    self.totals = [0, 0, 0.0, 0.0]
    self.segment_rates = []

  def run(self, steps):
    """Runs `steps` untimed steps."""
    for _ in range(steps):
      self.session.run(self.bench.fetch)

  def timed_segment(self, max_steps, max_seconds):
    """Times up to max_steps steps (at least one) within max_seconds."""
    cpu_start = _cpu_seconds()
    steps, images, seconds = _timed_loop(self.session, self.bench, max_steps,
                                         max_seconds, 1)
    segment = (steps, images, seconds, _cpu_seconds() - cpu_start)
    self.totals = [a + b for a, b in zip(self.totals, segment)]
    self.segment_rates.append(images / max(seconds, 1e-9))

  def close(self):
    """Stops the queue runners and closes the session."""
    self._coord.request_stop()
    self._coord.join(self._threads, stop_grace_period_secs=10)
    self.session.close()


def measure_interleaved(build_fns, config, warmup_steps, timed_steps,
                        max_seconds, rounds=4, drain_steps=0):
  """Times several graphs in alternating segments (ABC CBA ABC ...).

  All graphs are built and opened first; then each round times one segment
  of every graph, in reverse order every other round, so that a change of
  the machine's load during the run affects all of them alike (on a shared
  machine this matters more than anything else). Before each segment,
  `drain_steps` untimed steps empty the input buffers that filled while the
  graph was idle.

  Args:
    build_fns: dict name -> fn() -> BenchGraph.
    config: the tf.ConfigProto of the sessions.
    warmup_steps: untimed steps of each graph before the first round.
    timed_steps: at most this many timed steps per graph (over all rounds):
      an int, or a dict name -> int.
    max_seconds: time budget per graph (over all rounds).
    rounds: segments per graph (each at least one step).
    drain_steps: untimed steps before each segment.

  Returns:
    dict name -> Measurement (setup_seconds: build, init and warm-up;
    segment_rates: one per round, in round order).
  """
  names = list(build_fns)
  sessions, setup = {}, {}
  try:
    for name in names:
      begin = time.time()
      sessions[name] = _Session(build_fns[name](), config)
      sessions[name].run(warmup_steps)
      setup[name] = time.time() - begin
    if not isinstance(timed_steps, dict):
      timed_steps = dict.fromkeys(names, timed_steps)
    for index in range(rounds):
      for name in names if index % 2 == 0 else reversed(names):
        sessions[name].run(drain_steps)
        sessions[name].timed_segment(max(1, -(-timed_steps[name] // rounds)),
                                     max_seconds / rounds)
  finally:
    for session in sessions.values():
      session.close()
  load = os.getloadavg()[0]
  measured = {}
  for name, session in sessions.items():
    steps, images, seconds, cpu_seconds = session.totals
    measured[name] = Measurement(images / max(seconds, 1e-9), steps, images,
                                 seconds, setup[name], load, cpu_seconds,
                                 tuple(session.segment_rates))
  return measured


# The ops a float32 matrix product can run as (see the module doc).
GEMM_KERNELS = ('matmul', 'conv1x1')


def gemm(a, b, kernel='matmul'):
  """a @ b for square [n, n] matrices, computed by the op `kernel` names.

  Args:
    a: [n, n] tensor.
    b: [n, n] tensor.
    kernel: 'matmul' (`tf.matmul`) or 'conv1x1' (a 1x1 `Conv2D` over a
      1 x n image with n channels and n filters: the same multiply-adds).

  Returns:
    The [n, n] product.

  Raises:
    ValueError: an unknown kernel.
  """
  if kernel == 'matmul':
    return tf.matmul(a, b)
  if kernel == 'conv1x1':
    n = int(a.shape[0])
    image = tf.reshape(a, [1, 1, n, n])
    filters = tf.reshape(b, [1, 1, n, n])
    return tf.reshape(tf.nn.conv2d(image, filters, [1, 1, 1, 1], 'VALID'),
                      [n, n])
  raise ValueError('Unknown GEMM kernel %r; known: %s.' %
                   (kernel, ', '.join(GEMM_KERNELS)))


def matmul_peak_gflops(config, size=2048, seconds=3.0, min_runs=3,
                       dtype=tf.float32, kernel='matmul'):
  """GFLOP/s of a size x size matrix product in this TensorFlow build.

  Each step multiplies two variables and sums the product (2 * size^3
  float ops; the sum's size^2 are ignored).

  Args:
    config: the tf.ConfigProto of the session (thread pools).
    size: the matrix size.
    seconds: time budget of the timed runs.
    min_runs: at least this many timed runs.
    dtype: of the matrices (float32; tf.bfloat16 for the mixed-precision
      benchmark).
    kernel: the op that computes the product (`gemm`).

  Returns:
    (gflops, runs): the best of the per-run rates, and the number of runs.
  """
  graph = tf.Graph()
  with graph.as_default():
    rng = np.random.RandomState(0)
    a, b = (tf.Variable(tf.cast(rng.standard_normal((size, size)).astype(
        np.float32), dtype)) for _ in range(2))
    product = tf.reduce_sum(tf.cast(gemm(a, b, kernel), tf.float32))
    init = tf.global_variables_initializer()
  rates = []
  with tf.Session(graph=graph, config=config) as session:
    session.run(init)
    session.run(product)  # Warm-up.
    start = time.time()
    while len(rates) < min_runs or time.time() - start < seconds:
      tick = time.time()
      session.run(product)
      rates.append(2.0 * size ** 3 / max(time.time() - tick, 1e-9) / 1e9)
  return max(rates), len(rates)
