"""Clones, devices and replicas: where the graph's parts run."""
# TF 2: graph mode before any graph is built (no-op on TF 1.15).
import tfcompat  # pylint: disable=unused-import
