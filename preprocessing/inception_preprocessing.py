"""Inception preprocessing (Inception, MobileNet, NASNet, ResNet v2).

Training follows Szegedy et al., "Going deeper with convolutions", CVPR 2015:
a random crop covering 5%-100% of the image area with aspect ratio in
[3/4, 4/3] (constrained by an optional bounding box), resized to the output
size, a random left-right flip and random colour distortion. Evaluation
crops the central 87.5% of the image and resizes it. Both scale pixels to
[-1, 1].

Pixels are taken in [0, 1]: uint8 input is converted by
`tf.image.convert_image_dtype` (x / 255), and float input is assumed to be in
[0, 1] already (as TF-Slim does). Grayscale input is repeated to RGB (colour
distortion needs three channels); `use_grayscale` makes the result one
channel.

Typical use:

  image = inception_preprocessing.preprocess_image(uint8_image, 299, 299,
                                                   is_training=True)
"""
import tensorflow.compat.v1 as tf

from preprocessing import image_utils

_DEFAULT_CENTRAL_FRACTION = 0.875

# The random crop of training (Inception's "distorted bounding box").
_MIN_OBJECT_COVERED = 0.1
_ASPECT_RATIO_RANGE = (0.75, 1.33)
_AREA_RANGE = (0.05, 1.0)
_MAX_ATTEMPTS = 100

# Colour distortions: each takes and returns a float image in [0, 1]-ish.
_COLOR_OPS = {
    'brightness': lambda x: tf.image.random_brightness(x, max_delta=32. / 255.),
    'saturation': lambda x: tf.image.random_saturation(x, lower=0.5,
                                                       upper=1.5),
    'hue': lambda x: tf.image.random_hue(x, max_delta=0.2),
    'contrast': lambda x: tf.image.random_contrast(x, lower=0.5, upper=1.5),
}
# The orders colour distortions are applied in, one picked at random per
# image. fast_mode uses only the first entry of its table.
_FAST_COLOR_ORDERINGS = (('brightness', 'saturation'),
                         ('saturation', 'brightness'))
_FULL_COLOR_ORDERINGS = (
    ('brightness', 'saturation', 'hue', 'contrast'),
    ('saturation', 'brightness', 'contrast', 'hue'),
    ('contrast', 'hue', 'brightness', 'saturation'),
    ('hue', 'saturation', 'contrast', 'brightness'),
)
# tf.image.resize methods picked at random (fast_mode: bilinear only).
_RESIZE_METHODS = (tf.image.ResizeMethod.BILINEAR,
                   tf.image.ResizeMethod.NEAREST_NEIGHBOR,
                   tf.image.ResizeMethod.BICUBIC,
                   tf.image.ResizeMethod.AREA)


def apply_with_random_selector(x, func, num_cases):
  """Applies `func(x, case)` for one `case` in [0, num_cases) drawn at random.

  Args:
    x: input tensor.
    func: Python function (x, case) -> tensor, `case` a Python int.
    num_cases: number of cases.

  Returns:
    The output of `func` for the selected case (only that branch runs).
  """
  if num_cases == 1:
    return func(x, 0)
  selector = tf.random.uniform([], maxval=num_cases, dtype=tf.int32)
  branches = [lambda case=case: func(x, case) for case in range(num_cases)]
  return tf.switch_case(selector, branches)


def distort_color(image, color_ordering=0, fast_mode=True, scope=None):
  """Randomly distorts the colours of one image.

  Args:
    image: float RGB image [height, width, 3] in [0, 1].
    color_ordering: which order to apply the distortions in (0-1 in
      `fast_mode`, 0-3 otherwise).
    fast_mode: only brightness and saturation (skips hue and contrast, which
      are slow).
    scope: optional name scope.

  Returns:
    The distorted image, clipped to [0, 1].

  Raises:
    ValueError: `color_ordering` is out of range.
  """
  orderings = _FAST_COLOR_ORDERINGS if fast_mode else _FULL_COLOR_ORDERINGS
  if not 0 <= color_ordering < len(orderings):
    raise ValueError('color_ordering must be in [0, %d) (fast_mode=%s), got '
                     '%r.' % (len(orderings), fast_mode, color_ordering))
  with tf.name_scope(scope, 'distort_color', [image]):
    for op_name in orderings[color_ordering]:
      image = _COLOR_OPS[op_name](image)
    return tf.clip_by_value(image, 0.0, 1.0)


def distorted_bounding_box_crop(image, bbox,
                                min_object_covered=_MIN_OBJECT_COVERED,
                                aspect_ratio_range=_ASPECT_RATIO_RANGE,
                                area_range=_AREA_RANGE,
                                max_attempts=_MAX_ATTEMPTS, scope=None):
  """Crops a random part of `image` (Inception's distorted bounding box).

  Args:
    image: [height, width, channels] tensor.
    bbox: float [1, num_boxes, 4] boxes (ymin, xmin, ymax, xmax) in [0, 1]
      the crop must cover at least `min_object_covered` of one of.
    min_object_covered: minimum covered fraction of a bounding box.
    aspect_ratio_range: allowed width / height of the crop.
    area_range: allowed fraction of the image area of the crop.
    max_attempts: attempts to find a valid crop before returning the whole
      image.
    scope: optional name scope.

  Returns:
    (cropped image, the crop as a [1, 1, 4] box for summaries).
  """
  with tf.name_scope(scope, 'distorted_bounding_box_crop', [image, bbox]):
    # The v1 op (it logs a deprecation notice) because, like the other random
    # ops here, it follows the graph-level seed; the v2 op ignores it.
    begin, size, distort_bbox = tf.image.sample_distorted_bounding_box(
        tf.shape(image), bounding_boxes=bbox,
        min_object_covered=min_object_covered,
        aspect_ratio_range=aspect_ratio_range, area_range=area_range,
        max_attempts=max_attempts, use_image_if_no_bounding_boxes=True)
    return tf.slice(image, begin, size), distort_bbox


def _to_unit_float_rgb(image):
  """Checks `image`, converts it to float32 in [0, 1] and to RGB."""
  image, _ = image_utils.checked_image(image)
  if image.dtype != tf.float32:
    image = tf.image.convert_image_dtype(image, dtype=tf.float32)
  return image_utils.match_channels(image, use_grayscale=False)


def _finish(image, use_grayscale):
  """Optionally converts to grayscale and scales [0, 1] to [-1, 1]."""
  image = image_utils.match_channels(image, use_grayscale)
  return (image - 0.5) * 2.0


def _box_summary(name, image, boxes, add_image_summaries):
  if add_image_summaries:
    tf.summary.image(name, tf.image.draw_bounding_boxes(
        tf.expand_dims(image, 0), boxes))


def preprocess_for_train(image, height, width, bbox=None, fast_mode=True,
                         scope=None, add_image_summaries=True,
                         random_crop=True, use_grayscale=False):
  """Randomly distorts one image for training.

  Args:
    image: [h, w, 1 or 3] tensor, uint8 or float in [0, 1].
    height: output height.
    width: output width.
    bbox: optional float [1, num_boxes, 4] boxes (ymin, xmin, ymax, xmax)
      the random crop must overlap; None uses the whole image.
    fast_mode: skip the slow distortions (resize methods other than bilinear;
      hue and contrast).
    scope: optional name scope.
    add_image_summaries: whether to add image summaries.
    random_crop: whether to take the random crop (False resizes the whole
      image).
    use_grayscale: whether the result has 1 channel instead of 3.

  Returns:
    float32 [height, width, 1 or 3] image in [-1, 1].
  """
  with tf.name_scope(scope, 'distort_image', [image, height, width, bbox]):
    image = _to_unit_float_rgb(image)
    if bbox is None:
      bbox = tf.constant([0.0, 0.0, 1.0, 1.0], dtype=tf.float32,
                         shape=[1, 1, 4])
    _box_summary('image_with_bounding_boxes', image, bbox,
                 add_image_summaries)
    if random_crop:
      cropped, distort_bbox = distorted_bounding_box_crop(image, bbox)
      _box_summary('images_with_distorted_bounding_box', image, distort_bbox,
                   add_image_summaries)
      image = cropped
    image.set_shape([None, None, 3])
    num_resize_cases = 1 if fast_mode else len(_RESIZE_METHODS)
    image = apply_with_random_selector(
        image,
        lambda x, case: tf.image.resize_images(x, [height, width],
                                               _RESIZE_METHODS[case]),
        num_cases=num_resize_cases)
    image = image_utils.set_static_size(image, height, width)
    image = tf.image.random_flip_left_right(image)
    num_color_cases = 1 if fast_mode else len(_FULL_COLOR_ORDERINGS)
    image = apply_with_random_selector(
        image,
        lambda x, case: distort_color(x, case, fast_mode),
        num_cases=num_color_cases)
    image = image_utils.set_static_size(image, height, width)
    if add_image_summaries:
      tf.summary.image('final_distorted_image', tf.expand_dims(image, 0))
    return _finish(image, use_grayscale)


def preprocess_for_eval(image, height, width,
                        central_fraction=_DEFAULT_CENTRAL_FRACTION, scope=None,
                        central_crop=True, use_grayscale=False):
  """Crops the centre of one image and resizes it, deterministically.

  Args:
    image: [h, w, 1 or 3] tensor, uint8 or float in [0, 1].
    height: output height, or None to keep the cropped size.
    width: output width, or None to keep the cropped size.
    central_fraction: fraction of each side kept by the central crop.
    scope: optional name scope.
    central_crop: whether to take the central crop.
    use_grayscale: whether the result has 1 channel instead of 3.

  Returns:
    float32 [height, width, 1 or 3] image in [-1, 1].
  """
  with tf.name_scope(scope, 'eval_image', [image, height, width]):
    image = _to_unit_float_rgb(image)
    if central_crop and central_fraction:
      image = tf.image.central_crop(image, central_fraction=central_fraction)
    if height and width:
      image = tf.image.resize_images(image, [height, width],
                                     tf.image.ResizeMethod.BILINEAR,
                                     align_corners=False)
      image = image_utils.set_static_size(image, height, width)
    return _finish(image, use_grayscale)


def preprocess_image(image, height, width, is_training=False, bbox=None,
                     fast_mode=True, add_image_summaries=True,
                     crop_image=True, use_grayscale=False):
  """Preprocesses one image for an Inception-style network.

  Args:
    image: [h, w, 1 or 3] tensor, uint8 or float in [0, 1].
    height: output height.
    width: output width.
    is_training: random augmentation if True, deterministic otherwise.
    bbox: training only: optional [1, num_boxes, 4] boxes for the crop.
    fast_mode: training only: skip the slow distortions.
    add_image_summaries: training only: whether to add image summaries.
    crop_image: random crop (training) or central crop (evaluation) before
      resizing.
    use_grayscale: whether the result has 1 channel instead of 3.

  Returns:
    float32 [height, width, 1 or 3] image in [-1, 1].

  Raises:
    ValueError: the image has no static channel count of 1 or 3.
  """
  if is_training:
    return preprocess_for_train(image, height, width, bbox, fast_mode,
                                add_image_summaries=add_image_summaries,
                                random_crop=crop_image,
                                use_grayscale=use_grayscale)
  return preprocess_for_eval(image, height, width, central_crop=crop_image,
                             use_grayscale=use_grayscale)
